// `m3bench restore`: put the machine back after a run that could not (kill -9, a crash of the
// runner, ...). Replays the tests-A/B journals of runs that are no longer alive, backwards —
// every sysctl, IRQ affinity, RPS mask, NAPI setting and namespace the run recorded before
// changing it — and deletes namespaces of dead runs that no journal names.
import type { Argv, CommandModule } from 'yargs';
import { restoreJournal, type RestoreReport } from '../../runners/kernel/apply.ts';
import { clearStaleLock, GLOBAL_LOCK, processAlive } from '../../runners/kernel/global-lock.ts';
import { Journal, listJournals } from '../../runners/kernel/journal.ts';
import { run } from '../../runners/targets/netns-exec.ts';
import { deleteNetns } from '../../runners/kernel/topology.ts';

interface RestoreArgs {
  journal?: string;
  json: boolean;
}

/** Namespaces named m3b-<pid>-rx|tx whose run (pid) is gone. */
async function orphanNamespaces(): Promise<string[]> {
  const list = await run(null, 'ip', ['netns', 'list']).catch(() => '');
  return list
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((name) => {
      const m = /^m3b-(\d+)-(rx|tx)$/.exec(name);
      return m !== null && !processAlive(Number(m[1]));
    });
}

const command: CommandModule<object, RestoreArgs> = {
  command: 'restore',
  describe: 'undo the kernel settings and namespaces of tests A/B runs that crashed',
  builder: (y: Argv) =>
    y
      .option('journal', { type: 'string', describe: 'one journal file to replay (default: every journal of a dead run in /run/m3bench)' })
      .option('json', { type: 'boolean', default: false }) as unknown as Argv<RestoreArgs>,
  handler: async (args) => {
    const report: RestoreReport & { journals: string[]; inUse: string[] } = { restored: [], gone: [], failed: [], journals: [], inUse: [] };
    const journals: Array<{ path: string; pid?: number }> = args.journal ? [{ path: args.journal }] : listJournals();
    for (const j of journals) {
      // A live run restores itself; replaying its journal under it would fight it.
      if (j.pid !== undefined && processAlive(j.pid)) {
        report.inUse.push(j.path);
        continue;
      }
      report.journals.push(j.path);
      const r = await restoreJournal(new Journal(j.path));
      report.restored.push(...r.restored);
      report.gone.push(...r.gone);
      report.failed.push(...r.failed);
    }
    for (const name of await orphanNamespaces()) {
      await deleteNetns(name).then(
        () => report.restored.push(`orphan netns ${name} deleted`),
        (err: Error) => report.failed.push(`orphan netns ${name}: ${err.message}`),
      );
    }
    const staleHolder = clearStaleLock();
    if (staleHolder !== null) report.restored.push(`stale lock ${GLOBAL_LOCK} of dead run ${staleHolder} removed`);
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      if (report.journals.length === 0 && report.restored.length === 0) process.stdout.write('nothing to restore (no journal of a dead run)\n');
      for (const line of report.inUse) process.stdout.write(`in use    ${line} (its run is still alive)\n`);
      for (const line of report.restored) process.stdout.write(`restored  ${line}\n`);
      for (const line of report.gone) process.stdout.write(`gone      ${line} (its namespace or thread no longer exists)\n`);
      for (const line of report.failed) process.stderr.write(`FAILED    ${line}\n`);
    }
    if (report.failed.length) process.exitCode = 1;
  },
};

export default command;

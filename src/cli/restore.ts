// `m3bench restore`: put the machine back after a run that could not (kill -9, a crash of the
// runner, ...). Replays the tests-A/B journals of runs that are no longer alive, backwards —
// every sysctl, IRQ affinity, RPS mask, NAPI setting and namespace the run recorded before
// changing it — and deletes namespaces of dead runs that no journal names. For lab hosts it
// unloads the module a dead run loaded, removes its run directory there and reboots a host it
// left in another kernel configuration back into its own (runners/targets/host-journal.ts) —
// after replaying, through ssh, the tests-A/B knob journal the run left for that host — and ends
// the ssh connection masters of dead runs.
import type { Argv, CommandModule } from 'yargs';
import { restoreJournal, type RestoreReport } from '../../runners/kernel/apply.ts';
import { clearStaleLock, globalLockPaths } from '../../runners/kernel/global-lock.ts';
import { processAlive } from '../../core/process-alive.ts';
import { Journal, listJournals } from '../../runners/kernel/journal.ts';
import { KernelShell } from '../../runners/targets/kernel-shell.ts';
import { LocalTarget } from '../../runners/targets/local.ts';
import { deleteNetns } from '../../runners/kernel/topology.ts';
import { restoreHostKnobs } from '../../runners/kernel/host-knobs.ts';
import { HOST_JOURNAL_DIR, listHostJournals } from '../../runners/targets/host-journal.ts';
import { releaseHost } from '../../runners/targets/host-restore.ts';
import { removeStaleControlDirs } from '../../runners/targets/ssh-connection.ts';

interface RestoreArgs {
  journal?: string;
  json: boolean;
}

/** This host, as the runs whose journals are replayed here changed it. */
const here = new KernelShell(new LocalTarget());

/** Namespaces named m3b-<pid>-rx|tx whose run (pid) is gone. */
async function orphanNamespaces(): Promise<string[]> {
  const list = await here.run(null, 'ip', ['netns', 'list']).catch(() => '');
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
      const r = await restoreJournal(here, new Journal(j.path));
      report.restored.push(...r.restored);
      report.gone.push(...r.gone);
      report.failed.push(...r.failed);
    }
    for (const name of await orphanNamespaces()) {
      await deleteNetns(here, name).then(
        () => report.restored.push(`orphan netns ${name} deleted`),
        (err: Error) => report.failed.push(`orphan netns ${name}: ${err.message}`),
      );
    }
    // Lab hosts a dead run left something on: tests-A/B knobs first (through ssh, while its run
    // directory and boot are as the run left them), then its module, its run directory, another boot.
    for (const entry of listHostJournals()) {
      if (processAlive(entry.pid)) {
        report.inUse.push(`${entry.target} (host journal of run ${entry.pid})`);
        continue;
      }
      const knobs = await restoreHostKnobs(entry).catch((err: Error) => ({ restored: [], gone: [], failed: [err.message] }));
      if (knobs) {
        report.journals.push(`${entry.knobJournal} (${entry.target})`);
        report.restored.push(...knobs.restored.map((l) => `${entry.target}: ${l}`));
        report.gone.push(...knobs.gone.map((l) => `${entry.target}: ${l}`));
        if (knobs.failed.length) {
          report.failed.push(...knobs.failed.map((l) => `${entry.target} (run ${entry.pid}): ${l} (journals kept: run restore again)`));
          continue;
        }
      }
      await releaseHost(entry).then(
        (lines) => report.restored.push(...lines),
        (err: Error) => report.failed.push(`${entry.target} (run ${entry.pid}): ${err.message} (journal kept in ${HOST_JOURNAL_DIR}: run restore again once the host answers, or delete its file if the host is gone for good)`),
      );
    }
    for (const dir of await removeStaleControlDirs()) report.restored.push(`ssh control directory ${dir} of a dead run removed (its master told to exit)`);
    for (const lock of globalLockPaths()) {
      const staleHolder = clearStaleLock(lock);
      if (staleHolder !== null) report.restored.push(`stale lock ${lock} of dead run ${staleHolder} removed`);
    }
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

// `m3bench restore`: put the machine back after a run that could not (kill -9, power cut of the
// runner, ...). Replays the tests-A/B journal backwards — every sysctl, IRQ affinity, RPS mask,
// NAPI setting and namespace the run recorded before changing it — and deletes namespaces of runs
// whose process no longer exists.
import type { Argv, CommandModule } from 'yargs';
import { restoreJournal } from '../../runners/net/apply.ts';
import { Journal, journalPath } from '../../runners/net/journal.ts';
import { run } from '../../runners/net/netns-exec.ts';
import { deleteNetns } from '../../runners/net/topology.ts';

interface RestoreArgs {
  journal: string;
  json: boolean;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces named m3b-<pid>-rx|tx whose run (pid) is gone. */
async function orphanNamespaces(): Promise<string[]> {
  const list = await run(null, 'ip', ['netns', 'list']).catch(() => '');
  return list
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((name) => {
      const m = /^m3b-(\d+)-(rx|tx)$/.exec(name);
      return m !== null && !alive(Number(m[1]));
    });
}

const command: CommandModule<object, RestoreArgs> = {
  command: 'restore',
  describe: 'undo the kernel settings and namespaces of a run that crashed (tests A/B journal)',
  builder: (y: Argv) =>
    y
      .option('journal', { type: 'string', default: journalPath(), describe: 'journal file written by the run' })
      .option('json', { type: 'boolean', default: false }) as unknown as Argv<RestoreArgs>,
  handler: async (args) => {
    const journal = new Journal(args.journal);
    const hadJournal = journal.exists();
    const report = await restoreJournal(journal);
    for (const name of await orphanNamespaces()) {
      await deleteNetns(name).then(
        () => report.restored.push(`orphan netns ${name} deleted`),
        (err: Error) => report.failed.push(`orphan netns ${name}: ${err.message}`),
      );
    }
    if (args.json) process.stdout.write(`${JSON.stringify({ journal: args.journal, hadJournal, ...report }, null, 2)}\n`);
    else {
      if (!hadJournal && report.restored.length === 0) process.stdout.write(`nothing to restore (no journal at ${args.journal})\n`);
      for (const line of report.restored) process.stdout.write(`restored  ${line}\n`);
      for (const line of report.gone) process.stdout.write(`gone      ${line} (its namespace or thread no longer exists)\n`);
      for (const line of report.failed) process.stderr.write(`FAILED    ${line}\n`);
    }
    if (report.failed.length) process.exitCode = 1;
  },
};

export default command;

// `m3bench list`: every mechanism the target offers × every test, "ok" or why not.
import Table from 'cli-table3';
import type { Argv, CommandModule } from 'yargs';
import { readCatalogue } from '../../runners/ipc/catalogue.ts';
import { openTarget } from '../../runners/targets/index.ts';
import { Worker } from '../../runners/ipc/worker.ts';
import { TESTS, type TargetName } from '../../core/types.ts';

interface ListArgs {
  target: TargetName;
  json: boolean;
}

const command: CommandModule<object, ListArgs> = {
  command: 'list',
  describe: 'list mechanisms × tests: what this target can measure, and why not',
  builder: (y: Argv) =>
    y
      .option('target', { type: 'string', default: 'local', describe: 'local, vm or ssh:HOST' })
      .option('json', { type: 'boolean', default: false }) as unknown as Argv<ListArgs>,
  handler: async (args) => {
    try {
      const target = await openTarget(args.target);
      const { hello, mechanisms } = await Worker.start(await target.startWorker())
        .then((worker) => readCatalogue(worker).finally(() => worker.quit()))
        .finally(() => target.close());
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ worker: hello, mechanisms }, null, 2)}\n`);
        return;
      }
      const tests = TESTS.filter((t) => t !== 'NET');
      const table = new Table({ head: ['mechanism', 'family', ...tests], style: { head: [], border: [] }, wordWrap: true, colWidths: [22, 10, ...tests.map(() => 18)] });
      for (const m of mechanisms) table.push([m.name, m.family, ...tests.map((t) => m.tests[t] ?? 'not listed')]);
      process.stdout.write(`${table.toString()}\nworker protocol ${hello.protocol}, ${hello.ncpus} CPUs, sizeof(message) ${hello.sizeof_message} B\n`);
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  },
};

export default command;

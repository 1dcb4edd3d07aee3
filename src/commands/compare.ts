// `m3bench compare BASE NEW`: per case both medians, the ratio with a bootstrap interval, a verdict;
// for net-ab runs also Table 1 side by side (e.g. kernel configuration A vs B).
import type { Argv, CommandModule } from 'yargs';
import { compareRuns, comparisonTable, table1Comparison } from '../../reports/compare.ts';
import { loadRun } from '../../reports/load.ts';
import { markdownTable } from '../../reports/markdown-table.ts';

interface CompareArgs {
  base: string;
  new: string;
  json: boolean;
}

const command: CommandModule<object, CompareArgs> = {
  command: 'compare <base> <new>',
  describe: 'compare two run directories case by case',
  builder: (y: Argv) =>
    y
      .positional('base', { type: 'string', describe: 'baseline run directory' })
      .positional('new', { type: 'string', describe: 'new run directory' })
      .option('json', { type: 'boolean', default: false, describe: 'print the rows as JSON' }) as unknown as Argv<CompareArgs>,
  handler: async (args) => {
    try {
      const [base, next] = await Promise.all([loadRun(args.base), loadRun(args.new)]);
      const rows = compareRuns(base, next);
      if (args.json) {
        const plain = rows.map(({ base: _b, next: _n, ...rest }) => rest);
        process.stdout.write(`${JSON.stringify(plain, null, 2)}\n`);
        return;
      }
      const title = `Comparison: ${base.manifest.id} (base) → ${next.manifest.id} (new)`;
      const t1 = table1Comparison(rows);
      process.stdout.write(markdownTable(comparisonTable(rows, title)) + (t1 ? `\n${markdownTable(t1)}` : ''));
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  },
};

export default command;

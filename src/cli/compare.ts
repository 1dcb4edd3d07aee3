// `m3bench compare BASE NEW`: per case both medians, the ratio with a bootstrap interval, a verdict;
// for net-ab runs also Table 1 side by side (e.g. kernel configuration A vs B).
// `m3bench compare --by host RUN...`: the same, target against target, within the runs given.
import type { Argv, CommandModule } from 'yargs';
import { compareRuns, compareTargets, comparisonTable, table1Comparison, type ComparisonRow } from '../../reports/compare.ts';
import { loadRun, loadRuns } from '../../reports/load.ts';
import { markdownTable } from '../../reports/markdown-table.ts';

interface CompareArgs {
  runs: string[];
  by: 'run' | 'host';
  base?: string;
  json: boolean;
}

const plain = (rows: ComparisonRow[]) => rows.map(({ base: _b, next: _n, ...rest }) => rest);

function printComparison(rows: ComparisonRow[], title: string): void {
  const t1 = table1Comparison(rows);
  process.stdout.write(markdownTable(comparisonTable(rows, title)) + (t1 ? `\n${markdownTable(t1)}` : ''));
}

async function byRun(args: CompareArgs): Promise<void> {
  if (args.runs.length !== 2) throw new Error(`compare needs a base and a new run directory (got ${args.runs.length}); --by host compares targets within runs`);
  const [base, next] = await Promise.all(args.runs.map((dir) => loadRun(dir)));
  const rows = compareRuns(base!, next!);
  if (args.json) process.stdout.write(`${JSON.stringify(plain(rows), null, 2)}\n`);
  else printComparison(rows, `Comparison: ${base!.manifest.id} (base) → ${next!.manifest.id} (new)`);
}

async function byHost(args: CompareArgs): Promise<void> {
  const comparisons = compareTargets(await loadRuns(args.runs), args.base);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(comparisons.map((c) => ({ ...c, rows: plain(c.rows) })), null, 2)}\n`);
    return;
  }
  for (const c of comparisons) printComparison(c.rows, `Comparison: target ${c.base} (base) → ${c.next} (new)`);
}

const command: CommandModule<object, CompareArgs> = {
  command: 'compare <runs..>',
  describe: 'compare two run directories case by case, or (--by host) the targets within runs',
  builder: (y: Argv) =>
    y
      .positional('runs', { type: 'string', array: true, describe: 'BASE NEW run directories; with --by host, one or more runs' })
      .option('by', { choices: ['run', 'host'] as const, default: 'run' as const, describe: 'what is compared: two runs, or the targets (hosts) of the runs' })
      .option('base', { type: 'string', describe: 'with --by host: the target the others are compared with (default: the first)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the rows as JSON' }) as unknown as Argv<CompareArgs>,
  handler: async (args) => {
    try {
      await (args.by === 'host' ? byHost(args) : byRun(args));
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  },
};

export default command;

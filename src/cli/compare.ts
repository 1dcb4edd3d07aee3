// `m3bench compare BASE NEW`: per case both medians, the ratio with a bootstrap interval, a verdict;
// for net-ab runs also Table 1 side by side (e.g. kernel configuration A vs B).
// `m3bench compare --by host|config RUN...`: the same, target against target or kernel
// configuration against configuration, within the runs given.
import type { Argv, CommandModule } from 'yargs';
import { compareAlong, compareRuns, comparisonTable, table1Comparison, type Axis, type ComparisonRow } from '../../reports/compare.ts';
import { loadRun, loadRuns } from '../../reports/load.ts';
import { markdownTable } from '../../reports/markdown-table.ts';

interface CompareArgs {
  runs: string[];
  by: 'run' | Axis;
  base?: string;
  json: boolean;
}

const plain = (rows: ComparisonRow[]) => rows.map(({ base: _b, next: _n, ...rest }) => rest);

function printComparison(rows: ComparisonRow[], title: string): void {
  const t1 = table1Comparison(rows);
  process.stdout.write(markdownTable(comparisonTable(rows, title)) + (t1 ? `\n${markdownTable(t1)}` : ''));
}

async function byRun(args: CompareArgs): Promise<void> {
  if (args.runs.length !== 2) throw new Error(`compare needs a base and a new run directory (got ${args.runs.length}); --by host|config compares targets or configurations within runs`);
  const [base, next] = await Promise.all(args.runs.map((dir) => loadRun(dir)));
  const rows = compareRuns(base!, next!);
  if (args.json) process.stdout.write(`${JSON.stringify(plain(rows), null, 2)}\n`);
  else printComparison(rows, `Comparison: ${base!.manifest.id} (base) → ${next!.manifest.id} (new)`);
}

async function along(axis: Axis, args: CompareArgs): Promise<void> {
  const comparisons = compareAlong(await loadRuns(args.runs), axis, args.base);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(comparisons.map((c) => ({ ...c, rows: plain(c.rows) })), null, 2)}\n`);
    return;
  }
  const what = axis === 'host' ? 'target' : 'configuration';
  for (const c of comparisons) printComparison(c.rows, `Comparison: ${what} ${c.base} (base) → ${c.next} (new)`);
}

const command: CommandModule<object, CompareArgs> = {
  command: 'compare <runs..>',
  describe: 'compare two run directories case by case, or (--by host|config) the targets or kernel configurations within runs',
  builder: (y: Argv) =>
    y
      .positional('runs', { type: 'string', array: true, describe: 'BASE NEW run directories; with --by host|config, one or more runs' })
      .option('by', { choices: ['run', 'host', 'config'] as const, default: 'run' as const, describe: 'what is compared: two runs, the targets (hosts) of the runs, or their kernel configurations' })
      .option('base', { type: 'string', describe: 'with --by host|config: the target or configuration the others are compared with (default: the first)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the rows as JSON' }) as unknown as Argv<CompareArgs>,
  handler: async (args) => {
    try {
      await (args.by === 'run' ? byRun(args) : along(args.by, args));
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  },
};

export default command;

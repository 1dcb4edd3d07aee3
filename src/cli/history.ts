// `m3bench history [CASE...] [--mechanism M] [--test T] [--host H] [--config C] [--since DATE]`:
// the series of the run history that match, their change points (E-Divisive), a table, and the
// trend chart (vega-lite spec, SVG, PNG) with history.html; --export writes the query as CSV or JSON.
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { markdownTable } from '../../reports/markdown-table.ts';
import { analyseSeries, DEFAULT_WINDOW } from '../../reports/history/changes.ts';
import { exportHistory } from '../../reports/history/export.ts';
import { renderedTrend, writeHistoryPage } from '../../reports/history/page.ts';
import { type HistoryFilter, querySeries, roundsOfPoint } from '../../reports/history/query.ts';
import { changesTable, pointsTable, seriesTable } from '../../reports/history/tables.ts';
import { PLACEMENTS, TESTS } from '../../core/types.ts';
import { dbOption, withHistory } from './history-db.ts';

interface HistoryArgs {
  cases?: string[];
  mechanism?: string[];
  test?: string[];
  placement?: string[];
  host?: string[];
  config?: string[];
  suite?: string[];
  since?: string;
  db?: string;
  window: number;
  out: string;
  chart: boolean;
  export?: string;
}

const command: CommandModule<object, HistoryArgs> = {
  command: 'history [cases..]',
  describe: 'trends per case from the run history, with change points (E-Divisive), a table and a trend chart',
  builder: (y: Argv) =>
    y
      .positional('cases', { type: 'string', array: true, describe: 'case ids; * and ? match as in a shell (IPC1/pipe/*)' })
      .option('mechanism', { type: 'string', array: true, describe: 'only these mechanisms' })
      .option('test', { choices: TESTS, array: true, describe: 'only these tests' })
      .option('placement', { choices: PLACEMENTS, array: true, describe: 'only these placements' })
      .option('host', { type: 'string', array: true, describe: 'only these hosts (host names)' })
      .option('config', { type: 'string', array: true, describe: 'only these configurations (default, a kernel configuration, a tests A/B profile)' })
      .option('suite', { type: 'string', array: true, describe: 'only runs of these suites' })
      .option('since', { type: 'string', describe: 'only runs started from this date on, e.g. 2026-11-01 or 2026-11-01T12:00Z' })
      .option('db', dbOption)
      .option('window', { type: 'number', default: DEFAULT_WINDOW, describe: 'change points are looked for in the newest N runs of each series' })
      .option('out', { type: 'string', default: 'history', describe: 'directory for the trend chart and history.html' })
      .option('chart', { type: 'boolean', default: true, describe: 'write the trend chart (--no-chart: tables only)' })
      .option('export', { type: 'string', describe: 'write the query to FILE.csv (a row per run of each series) or FILE.json' }) as unknown as Argv<HistoryArgs>,
  handler: async (args) => {
    const filter: HistoryFilter = {
      cases: args.cases,
      mechanisms: args.mechanism,
      tests: args.test,
      placements: args.placement,
      hosts: args.host,
      configs: args.config,
      suites: args.suite,
      since: args.since,
    };
    try {
      if (!(Number.isInteger(args.window) && args.window >= 2)) throw new Error(`--window: a whole number ≥ 2, got ${args.window}`);
      await withHistory(args.db, { mustExist: true }, async (db, file) => {
        const analyses = querySeries(db, filter).map((s) => analyseSeries(s, args.window));
        if (analyses.length === 0) {
          process.stdout.write(`history: no measured run in ${file} matches\n`);
          return;
        }
        const tables = [seriesTable(analyses), changesTable(analyses), ...(analyses.length === 1 ? [pointsTable(analyses[0]!)] : [])];
        process.stdout.write(tables.map((t) => markdownTable(t, '##')).join('\n'));
        if (args.export) {
          await exportHistory(args.export, analyses, filter);
          process.stdout.write(`\nexport: ${args.export}\n`);
        }
        if (args.chart) {
          const trend = await renderedTrend(analyses, (id) => roundsOfPoint(db, id));
          const files = await writeHistoryPage(path.resolve(args.out), trend, tables, [`From ${file}.`]);
          process.stdout.write(`\n${files.map((f) => path.relative(process.cwd(), f)).join('\n')}\n`);
        }
      });
    } catch (err) {
      process.stderr.write(`history: error: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  },
};

export default command;

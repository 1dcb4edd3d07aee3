// Timing of the run history (reports/history/): import N synthetic paper-suite runs into a new
// database, its size, and how long history queries take.
//   npx tsx bench/history-store.ts [--runs 1000] [--keep]
// The runs are synthetic (fixtures/runs/synthetic-history.ts: 140 cases of the paper suite, 118
// measured in 3 rounds of 12 batches), written into a temporary directory and removed after.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { REPO_ROOT } from '../core/paths.ts';
import { writeSyntheticRuns } from '../fixtures/runs/synthetic-history.ts';
import { analyseSeries, DEFAULT_WINDOW } from '../reports/history/changes.ts';
import { openHistory } from '../reports/history/db.ts';
import { importRun } from '../reports/history/import.ts';
import { type HistoryFilter, querySeries } from '../reports/history/query.ts';

const args = await yargs(hideBin(process.argv))
  .option('runs', { type: 'number', default: 1000 })
  .option('keep', { type: 'boolean', default: false, describe: 'keep the runs and the database' })
  .strict()
  .parseAsync();

/** A stopwatch: wall time, and this process's CPU time (what other load on a shared machine does not change). */
function stopwatch() {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return `${((performance.now() - wall) / 1000).toFixed(2)} s (${((used.user + used.system) / 1e6).toFixed(2)} s CPU)`;
  };
}
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const work = mkdtempSync(path.join(tmpdir(), 'm3bench-history-bench-'));
try {
  process.stdout.write(`load average at the start: ${load()}\n`);
  let t = stopwatch();
  // pipe 10 % slower for the newest 50 runs: a change inside the window change points are looked for in.
  const runs = writeSyntheticRuns(path.join(work, 'runs'), { runs: args.runs, factor: (i, c) => (c.mechanism === 'pipe' && i >= args.runs - 50 ? 1.1 : 1) });
  process.stdout.write(`wrote ${runs.length} synthetic paper-suite runs in ${t()}\n`);

  const file = path.join(work, 'runs.db');
  const db = openHistory(file);
  t = stopwatch();
  let batches = 0;
  for (const run of runs) batches += importRun(db, run).batches;
  process.stdout.write(`import: ${runs.length} runs, ${batches.toLocaleString('en-US')} batches in ${t()} (one transaction per run)\n`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  process.stdout.write(`database: ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB (${(statSync(file).size / runs.length / 1024).toFixed(0)} KiB per run)\n`);

  const queries: Array<[string, HistoryFilter]> = [
    ['one case', { cases: ['IPC1/pipe/same-cpu/36B/1p'] }],
    ['--mechanism pipe --test IPC1', { mechanisms: ['pipe'], tests: ['IPC1'] }],
    ['every series', {}],
  ];
  for (const [label, filter] of queries) {
    t = stopwatch();
    const series = querySeries(db, filter);
    const queried = t();
    t = stopwatch();
    const changes = series.map((s) => analyseSeries(s)).reduce((n, a) => n + a.changes.length, 0);
    process.stdout.write(`query ${label}: ${series.length} series, ${series.reduce((n, s) => n + s.points.length, 0).toLocaleString('en-US')} points in ${queried}; change points (newest ${DEFAULT_WINDOW} runs each): ${changes} in ${t()}\n`);
  }
  db.close();

  t = stopwatch();
  const cli = await execa('node', [path.join(REPO_ROOT, 'bin', 'm3bench.js'), 'history', '--db', file, '--mechanism', 'pipe', '--test', 'IPC1', '--no-chart'], { cwd: work });
  process.stdout.write(`m3bench history --mechanism pipe --test IPC1 --no-chart: ${t().replace(/ \(.*/, '')} end to end (exit ${cli.exitCode}, node start included)\n`);
  t = stopwatch();
  await execa('node', [path.join(REPO_ROOT, 'bin', 'm3bench.js'), 'history', '--db', file, '--mechanism', 'pipe', '--test', 'IPC1', '--out', path.join(work, 'trend')], { cwd: work });
  process.stdout.write(`... with the trend chart (SVG, PNG, HTML): ${t().replace(/ \(.*/, '')}\nload average at the end: ${load()}\n`);
} finally {
  if (args.keep) process.stdout.write(`kept: ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}

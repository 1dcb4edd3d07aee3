// How well change-point detection (reports/history/e-divisive.ts) finds planted shifts, and what
// it says about recorded A/A runs.
//   npx tsx bench/history-detection.ts [--noise 0.03] [--seeds 20] [--recorded RUN_DIR ...]
// Synthetic series (invented numbers): 40 runs with a shift planted at run 20, noise `--noise`
// (sd of a run's median, as a fraction), and 30 runs without a shift (A/A). With --recorded: the
// run directories are imported into a temporary history; every series is searched as it is
// (A/A: nothing should be found), then shuffled (seeded) and planted with each shift at its middle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { medianAbsoluteDeviation, shuffle } from 'simple-statistics';
import { median } from '../core/median.ts';
import { gaussian } from '../fixtures/runs/synthetic-history.ts';
import { analyseSeries } from '../reports/history/changes.ts';
import { openHistory } from '../reports/history/db.ts';
import { eDivisive } from '../reports/history/e-divisive.ts';
import { importRun } from '../reports/history/import.ts';
import { querySeries } from '../reports/history/query.ts';
import { seededRandom } from '../reports/stats.ts';

const args = await yargs(hideBin(process.argv))
  .option('noise', { type: 'number', default: 0.03, describe: 'synthetic series: sd of a run median, as a fraction' })
  .option('seeds', { type: 'number', default: 20 })
  .option('recorded', { type: 'string', array: true, describe: 'run directories of A/A runs (same build, nothing planted)' })
  .strict()
  .parseAsync();

const SHIFTS = [0.1, 0.03];

/** "found one change at 20 ± 1 in 19/20; any change in 20/20; found at: 20 20 21 ..." */
function tally(found: number[][], at: number): string {
  const right = found.filter((cps) => cps.length === 1 && Math.abs(cps[0]! - at) <= 1).length;
  const any = found.filter((cps) => cps.length > 0).length;
  return `one change at ${at} ± 1 in ${right}/${found.length}, any change in ${any}/${found.length}; found at: ${found.map((c) => c.join('+') || '-').join(' ')}`;
}

const at = 20;
for (const shift of SHIFTS) {
  const found = Array.from({ length: args.seeds }, (_, s) => {
    const random = seededRandom(1000 + s);
    const values = Array.from({ length: 40 }, (_, i) => (i >= at ? 1 + shift : 1) * (1 + args.noise * gaussian(random)));
    return eDivisive(values, { random: seededRandom(s + 1) }).map((c) => c.index);
  });
  process.stdout.write(`synthetic, noise ${args.noise * 100} %, ${shift * 100} % shift at run ${at} of 40: ${tally(found, at)}\n`);
}
const aa = Array.from({ length: args.seeds }, (_, s) => {
  const random = seededRandom(2000 + s);
  return eDivisive(Array.from({ length: 30 }, () => 1 + args.noise * gaussian(random)), { random: seededRandom(s + 1) }).length;
});
process.stdout.write(`synthetic A/A, noise ${args.noise * 100} %, 30 runs: a change reported in ${aa.filter((n) => n > 0).length}/${args.seeds} seeds\n`);

if (args.recorded?.length) {
  const work = mkdtempSync(path.join(tmpdir(), 'm3bench-history-aa-'));
  try {
    const db = openHistory(path.join(work, 'runs.db'));
    for (const dir of args.recorded) importRun(db, dir);
    const series = querySeries(db).filter((s) => s.points.length >= 8);
    const analyses = series.map((s) => analyseSeries(s));
    const spreads = series.map((s) => {
      const v = s.points.map((p) => p.medianNs);
      return (1.4826 * medianAbsoluteDeviation(v)) / median(v);
    });
    process.stdout.write(
      `recorded A/A: ${args.recorded.length} runs, ${series.length} series; robust spread of a run median (1.4826 MAD / median): median ${(median(spreads) * 100).toFixed(1)} %, ` +
        `range ${(Math.min(...spreads) * 100).toFixed(1)}–${(Math.max(...spreads) * 100).toFixed(1)} %\n`,
    );
    const flagged = analyses.filter((a) => a.changes.length);
    process.stdout.write(`recorded A/A: change points in ${flagged.length}/${series.length} series${flagged.map((a) => `\n  ${a.series.key}: ${a.changes.map((c) => `run ${c.index} ${(c.change * 100).toFixed(1)} % p ${c.pValue}`).join(', ')}`).join('')}\n`);
    for (const shift of SHIFTS) {
      const found = series.flatMap((s) =>
        Array.from({ length: Math.min(args.seeds, 5) }, (_, seed) => {
          const random = seededRandom(seed + 1);
          const v = shuffle(s.points.map((p) => p.medianNs), random);
          const mid = Math.floor(v.length / 2);
          return eDivisive(v.map((x, i) => (i >= mid ? x * (1 + shift) : x)), { random: seededRandom(seed + 1) }).map((c) => c.index - mid + at);
        }),
      );
      process.stdout.write(`recorded A/A shuffled, ${shift * 100} % planted at the middle (shown relative to ${at}): ${tally(found, at).split('; found at')[0]}\n`);
    }
    db.close();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

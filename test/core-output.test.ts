// What a person reads at the end of a run: the table and the summary line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resultsTable, summaryLine } from '../src/cli/run-output.ts';
import { deriveFigures } from '../core/derived.ts';
import type { Case, Result, Stats } from '../core/types.ts';

const kase = (test: Case['test'], mechanism: string, size = 36): Case => ({
  id: `${test}/${mechanism}`,
  test,
  mechanism,
  size,
  placement: 'same-cpu',
  pairs: 1,
  spin: 1000,
  target: 'local',
  time: 1,
  collectors: [],
});
const stats = (p50: number, rme: number): Stats => ({ n: 10, iterationsPerBatch: 100, mean: p50, p50, p75: p50, p99: p50, min: p50, max: p50, sd: 0, rme, moe: 0 });
const at = '2026-01-01T00:00:00.000Z';
const ok = (c: Case, p50: number, rme: number): Result => ({ case: c, status: 'ok', stats: stats(p50, rme), derived: deriveFigures(c, stats(p50, rme)), startedAt: at, endedAt: at });

const results: Result[] = [
  ok(kase('IPC1', 'pipe'), 2000, 1.2),
  ok(kase('COPY1', 'memcpy', 4096), 100, 9),
  { case: kase('IPC2', 'memcpy'), status: 'skipped', reason: 'not IPC', startedAt: at, endedAt: at },
  { case: kase('IPC1', 'tcp'), status: 'failed', error: 'worker exited with code 3', startedAt: at, endedAt: at },
];

describe('end-of-run output', () => {
  it('derives msgs/s as twice the round trips, and GB/s for copies', () => {
    assert.deepEqual(results[0]!.derived, { roundTripsPerSec: 500_000, msgsPerSec: 1_000_000, usPerRoundTrip: 2 });
    assert.deepEqual(results[1]!.derived, { copiesPerSec: 10_000_000, gbPerSec: 40.96 });
  });

  it('says in the table header how msgs/s is counted and shows every outcome', () => {
    const table = resultsTable(results);
    assert.match(table, /msgs\/s \(2×RT\/s\)/);
    assert.match(table, /1,000,000/);
    assert.match(table, /40\.96/);
    assert.match(table, /skipped: not IPC/);
    assert.match(table, /failed: worker exited with code 3/);
  });

  it('summarises statuses and the rme distribution', () => {
    assert.equal(summaryLine(results), '4 cases: 2 ok, 1 skipped, 1 failed; rme ≤ 5 % in 1/2 measured cases (median rme 5.1 %)');
  });
});

// compare/check verdicts on synthetic samples: identical → no change, planted 15 % shift → slower.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Result } from '../core/types.ts';
import { compareRuns } from '../reports/compare.ts';
import { machineDrift } from '../reports/machine-drift.ts';
import type { LoadedRun } from '../reports/load.ts';
import { confirmFindings, judge, regressedMechanisms } from '../reports/regression.ts';
import { roundsOf, seededRandom } from '../reports/stats.ts';
import { parseThreshold } from '../reports/thresholds.ts';

const AT = '2026-01-01T00:00:00Z';

function samples(center: number, seed: number, n = 30): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => center * (1 + (random() - 0.5) * 0.04));
}

function result(mechanism: string, s: number[] | undefined, status: Result['status'] = 'ok'): Result {
  const id = `IPC1/${mechanism}/same-cpu/36B/1p`;
  return {
    case: { id, test: 'IPC1', mechanism, size: 36, placement: 'same-cpu', pairs: 1, spin: 1000, target: 'local', time: 1, collectors: [] },
    status,
    samples: s,
    stats: s && { n: s.length, iterationsPerBatch: 1, mean: 0, p50: [...s].sort((a, b) => a - b)[s.length >> 1], p75: 0, p99: 0, min: 0, max: 0, sd: 0, rme: 0, moe: 0 },
    startedAt: AT,
    endedAt: AT,
  };
}

const run = (results: Result[]): LoadedRun => ({ dir: 'mem', manifest: { id: 'mem' } as LoadedRun['manifest'], results, badLines: 0 });
const THRESHOLDS = { default: 0.05, tests: {} };

test('identical samples: no significant change, check passes', () => {
  const base = samples(2000, 1);
  const [row] = compareRuns(run([result('pipe', base)]), run([result('pipe', [...base])]));
  assert.equal(row.verdict, 'no significant change');
  assert.equal(row.ratio, 1);
  assert.ok(row.lo! <= 1 && row.hi! >= 1);
  assert.equal(judge([row], THRESHOLDS)[0].regressed, false);
});

test('A/A with fresh noise: no significant change', () => {
  const [row] = compareRuns(run([result('pipe', samples(2000, 1))]), run([result('pipe', samples(2000, 2))]));
  assert.equal(row.verdict, 'no significant change');
});

test('planted 15 % slowdown: slower, and check regresses naming the mechanism', () => {
  const rows = compareRuns(
    run([result('pipe', samples(2000, 1)), result('fifo', samples(2100, 3))]),
    run([result('pipe', samples(2300, 2)), result('fifo', samples(2100, 4))]),
  );
  const pipe = rows.find((r) => r.key.includes('/pipe/'))!;
  assert.equal(pipe.verdict, 'slower');
  assert.ok(pipe.ratio! > 1.1 && pipe.ratio! < 1.2, `ratio ${pipe.ratio}`);
  const findings = judge(rows, THRESHOLDS);
  assert.deepEqual(regressedMechanisms(findings), ['pipe']);
});

test('15 % speed-up: faster, never a regression', () => {
  const [row] = compareRuns(run([result('pipe', samples(2000, 1))]), run([result('pipe', samples(1700, 2))]));
  assert.equal(row.verdict, 'faster');
  assert.equal(judge([row], THRESHOLDS)[0].regressed, false);
});

test('a slowdown smaller than the threshold does not fail check', () => {
  const [row] = compareRuns(run([result('pipe', samples(2000, 1))]), run([result('pipe', samples(2060, 2))]));
  assert.equal(row.verdict, 'slower');
  assert.equal(judge([row], THRESHOLDS)[0].regressed, false);
  assert.equal(judge([row], { default: 0.01, tests: {} })[0].regressed, true);
});

test('skipped or missing cases are not comparable; ok → failed is a regression', () => {
  const rows = compareRuns(
    run([result('pipe', samples(2000, 1)), result('fifo', undefined, 'skipped'), result('tcp', samples(5000, 5))]),
    run([result('pipe', undefined, 'failed'), result('fifo', undefined, 'skipped'), result('eventfd', samples(1000, 6))]),
  );
  const byMech = (m: string) => rows.find((r) => r.key.includes(`/${m}/`))!;
  assert.equal(byMech('fifo').verdict, 'not comparable');
  assert.equal(byMech('tcp').why, 'only in base run');
  assert.equal(byMech('eventfd').why, 'only in new run');
  assert.deepEqual(regressedMechanisms(judge(rows, THRESHOLDS)), ['pipe']);
});

test('a regression that does not reproduce in the confirmation run is dropped', () => {
  const base = run([result('pipe', samples(2000, 1)), result('fifo', samples(2000, 2))]);
  const first = judge(compareRuns(base, run([result('pipe', samples(2400, 3)), result('fifo', samples(2400, 4))])), THRESHOLDS);
  const again = judge(compareRuns(base, run([result('pipe', samples(2400, 5)), result('fifo', samples(2000, 6))])), THRESHOLDS);
  assert.deepEqual(regressedMechanisms(first), ['pipe', 'fifo']);
  assert.deepEqual(regressedMechanisms(confirmFindings(first, again)), ['pipe']);
});

test('--threshold syntax', () => {
  assert.equal(parseThreshold('5%'), 0.05);
  assert.equal(parseThreshold('0.1'), 0.1);
  assert.throws(() => parseThreshold('five'), /--threshold/);
});

test('net-ab: an A run pairs with a B run; runs holding both profiles pair profile with profile', () => {
  const net = (profile: string, cswch: number): Result => ({
    case: { id: `NET/tcp/${profile}/counters`, test: 'NET', mechanism: 'tcp', size: 0, placement: 'unpinned', pairs: 1, spin: 0, target: 'local', time: 10, collectors: [], profile, repetition: 'counters' },
    status: 'ok',
    derived: { cswchPerSec: cswch },
    startedAt: AT,
    endedAt: AT,
  });
  const single = compareRuns(run([net('A', 100)]), run([net('B', 70)]));
  assert.equal(single.length, 1);
  assert.deepEqual([single[0].base?.case.profile, single[0].next?.case.profile], ['A', 'B']);
  const both = compareRuns(run([net('A', 100), net('B', 70)]), run([net('A', 110), net('B', 60)]));
  assert.equal(both.length, 2);
  assert.ok(both.every((r) => r.base?.case.profile === r.next?.case.profile));
});

test('rounds: one odd setup in the base widens the interval instead of flagging a regression', () => {
  // Base: rounds at 2000, 2000 and a lucky 1700 ns; new: three rounds at 2000 ns.
  const base = [...samples(2000, 1, 10), ...samples(2000, 2, 10), ...samples(1700, 3, 10)];
  const next = [...samples(2000, 4, 10), ...samples(2000, 5, 10), ...samples(2000, 6, 10)];
  const flat = compareRuns(run([result('pipe', base)]), run([result('pipe', next)]))[0];
  const byRound = compareRuns(
    run([{ ...result('pipe', base), roundSizes: [10, 10, 10] }]),
    run([{ ...result('pipe', next), roundSizes: [10, 10, 10] }]),
  )[0];
  assert.ok(byRound.hi! - byRound.lo! > 1.5 * (flat.hi! - flat.lo!), `flat ${flat.lo}–${flat.hi}, by round ${byRound.lo}–${byRound.hi}`);
  assert.ok(byRound.lo! <= 1.05, `by round the interval starts at ${byRound.lo}`);
  assert.equal(judge([byRound], THRESHOLDS)[0].regressed, false);
});

test('rounds: a slowdown in every round is still a regression', () => {
  const rounds = (center: number, seed: number) => [...samples(center, seed, 10), ...samples(center * 1.02, seed + 1, 10), ...samples(center * 0.98, seed + 2, 10)];
  const [row] = compareRuns(
    run([{ ...result('pipe', rounds(2000, 1)), roundSizes: [10, 10, 10] }]),
    run([{ ...result('pipe', rounds(2300, 7)), roundSizes: [10, 10, 10] }]),
  );
  assert.ok(row.lo! > 1.05, `interval from ${row.lo}`);
  assert.equal(judge([row], THRESHOLDS)[0].regressed, true);
});

test('rounds: sizes that do not add up to the samples are an error, not a silent regrouping', () => {
  assert.throws(() => roundsOf({ samples: [1, 2, 3], roundSizes: [1, 1] }), /add up to 2, but there are 3 samples/);
  assert.deepEqual(roundsOf({ samples: [1, 2, 3] }), [[1, 2, 3]]);
  assert.deepEqual(roundsOf({ samples: [1, 2, 3], roundSizes: [2, 1] }), [[1, 2], [3]]);
});

describe('machine drift', () => {
  const MECHS = ['pipe', 'fifo', 'tcp', 'eventfd', 'futex', 'simpl', 'pvm', 'posix-mq', 'sysv-mq', 'unix-stream', 'unix-dgram'];
  /** Base at 2000 ns everywhere; new: every IPC mechanism × `kernel`, memcpy × `control`, and `extra` per mechanism. */
  function rowsFor(kernel: number, control: number, extra: Record<string, number> = {}) {
    const base = run([...MECHS, 'memcpy'].map((m, i) => result(m, samples(2000, 100 + i))));
    const next = run([
      ...MECHS.map((m, i) => result(m, samples(2000 * kernel * (extra[m] ?? 1), 200 + i))),
      result('memcpy', samples(2000 * control, 300)),
    ]);
    return compareRuns(base, next);
  }

  test('the whole machine 8 % slower (memcpy control too): discounted, check passes', () => {
    const rows = rowsFor(1.08, 1.08);
    const drift = machineDrift(rows);
    assert.ok(Math.abs(drift.factor - 1.08) < 0.02, drift.note);
    assert.equal(judge(rows, THRESHOLDS).filter((f) => f.regressed).length, MECHS.length + 1, 'raw, everything looks slower');
    assert.deepEqual(regressedMechanisms(judge(rows, THRESHOLDS, drift.factor)), []);
  });

  test('every kernel path 10 % slower but the control unmoved: never discounted', () => {
    const rows = rowsFor(1.1, 1.0);
    const drift = machineDrift(rows);
    assert.ok(Math.abs(drift.factor - 1) < 0.02, drift.note);
    assert.equal(regressedMechanisms(judge(rows, THRESHOLDS, drift.factor)).length, MECHS.length);
  });

  test('one wild witness is outvoted: a memcpy jump alone does not hide a regression', () => {
    const rows = rowsFor(1.0, 1.6, { pipe: 1.15 });
    const drift = machineDrift(rows);
    assert.ok(drift.factor < 1.02, drift.note);
    assert.deepEqual(regressedMechanisms(judge(rows, THRESHOLDS, drift.factor)), ['pipe', 'memcpy']);
  });

  test('a planted slowdown on a drifting machine is still caught, by its own excess', () => {
    const rows = rowsFor(1.08, 1.08, { pipe: 1.15 });
    const drift = machineDrift(rows);
    assert.deepEqual(regressedMechanisms(judge(rows, THRESHOLDS, drift.factor)), ['pipe']);
  });

  test('no control case, or too few cases: no correction, and the note says why', () => {
    const noControl = compareRuns(run([result('pipe', samples(2000, 1))]), run([result('pipe', samples(2200, 2))]));
    assert.equal(machineDrift(noControl).factor, 1);
    assert.match(machineDrift(noControl).note, /no control case \(memcpy\)/);
    const few = compareRuns(run([result('pipe', samples(2000, 1)), result('memcpy', samples(20, 2))]), run([result('pipe', samples(2200, 3)), result('memcpy', samples(22, 4))]));
    assert.match(machineDrift(few).note, /2 compared case\(s\), fewer than 10/);
    assert.equal(machineDrift(few).factor, 1);
  });
});

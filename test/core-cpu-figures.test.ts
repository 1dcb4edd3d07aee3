// CPU cost beside speed: the derived CPU figures from given batches (core/derived.ts), their way
// through okResult, the merge of rounds, results.csv and the report table, and results without
// CPU data (runs made before the worker measured it) loading and rendering as before.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveCpuFigures } from '../core/derived.ts';
import { okResult } from '../core/result.ts';
import { mergeRounds } from '../core/rounds.ts';
import { resultsToCsv } from '../core/run-dir.ts';
import { parseWith, ResultSchema } from '../core/schemas.ts';
import type { Case, Result, Sampled, Stats } from '../core/types.ts';
import { resultsTable } from '../reports/results-table.ts';

const AT = '2026-01-01T00:00:00Z';
const kase = (test: Case['test'], pairs = 1): Case => ({
  id: `${test}/futex/cross-cpu/36B/${pairs}p`,
  test,
  mechanism: 'futex',
  size: test.startsWith('COPY') ? 4096 : 36,
  placement: 'cross-cpu',
  pairs,
  spin: 1000,
  target: 'local',
  time: 1,
  collectors: [],
});
const stats = (p50: number, n: number): Stats => ({ n, iterationsPerBatch: 1000, mean: p50, p50, p75: p50, p99: p50, min: p50, max: p50, sd: 0, rme: 0, moe: 0 });
const close = (actual: number | undefined, expected: number, what: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);

describe('deriveCpuFigures', () => {
  it('takes medians over batches: CPU µs per round trip, busy CPUs, messages per CPU-second', () => {
    // Wall ns per iteration and CPU ns per iteration of five batches; batch 4 is disturbed.
    const samples = [1000, 1000, 1100, 4000, 1000];
    const cpu = [1900, 2000, 2090, 4400, 1800];
    const d = deriveCpuFigures(kase('IPC2'), samples, cpu);
    close(d.cpuUsPerIteration, 2.0, 'median CPU ns 2000 → 2 µs');
    close(d.busyCpus, 1.9, 'median of 1.9, 2.0, 1.9, 1.1, 1.8');
    close(d.msgsPerCpuSec, 1e6, 'two messages per 2 µs of CPU');
    assert.equal(d.copiesPerCpuSec, undefined);
  });

  it('counts per round trip or copy: with P pairs an iteration is P of them', () => {
    const d = deriveCpuFigures(kase('COPY1', 4), [500, 500, 500], [1600, 1600, 2000]);
    close(d.cpuUsPerIteration, 0.4, '1600 ns per iteration / 4 pairs');
    close(d.copiesPerCpuSec, 2.5e6, '1 / 0.4 µs');
    close(d.busyCpus, 3.2, '1600 / 500');
    assert.equal(d.msgsPerCpuSec, undefined);
  });

  it('is absent without CPU samples, or when they do not match the batches', () => {
    assert.deepEqual(deriveCpuFigures(kase('IPC1'), [1000, 1000], undefined), {});
    assert.deepEqual(deriveCpuFigures(kase('IPC1'), [1000, 1000], [2000]), {});
    assert.deepEqual(deriveCpuFigures(kase('IPC1'), undefined, undefined), {});
    assert.deepEqual(deriveCpuFigures({ ...kase('IPC1'), test: 'NET' }, [1000], [1000]), {}, 'not an IPC or COPY case');
  });

  it('gives no per-CPU-second rate for a CPU time of 0', () => {
    const d = deriveCpuFigures(kase('IPC1'), [1000, 1000, 1000], [0, 0, 0]);
    assert.equal(d.cpuUsPerIteration, 0);
    assert.equal(d.busyCpus, 0);
    assert.equal(d.msgsPerCpuSec, undefined);
  });
});

describe('CPU figures in results', () => {
  const sampled = (samples: number[], cpuSamples?: number[]): Sampled => ({ stats: stats(samples[0]!, samples.length), samples, ...(cpuSamples ? { cpuSamples } : {}) });

  it('okResult keeps the CPU samples and derives the figures beside the rates', () => {
    const r = okResult(kase('IPC2'), sampled([1000, 1000, 1000], [2000, 2000, 2000]), AT, {});
    assert.deepEqual(r.cpuSamples, [2000, 2000, 2000]);
    close(r.derived!.msgsPerSec, 2e6, 'wall rate');
    close(r.derived!.msgsPerCpuSec, 1e6, 'CPU rate');
    close(r.derived!.busyCpus, 2, 'busy');
  });

  it('okResult records why a case has no CPU figures', () => {
    const r = okResult(kase('IPC2'), { ...sampled([1000]), cpuUnavailable: 'no clock' }, AT, { worker_pid: 1 });
    assert.deepEqual(r.detail, { worker_pid: 1, cpu_unavailable: 'no clock' });
    assert.equal(r.derived!.busyCpus, undefined);
  });

  const line = (round: number, samples: number[], cpuSamples?: number[]): Result => ({
    ...okResult(kase('IPC2'), sampled(samples, cpuSamples), AT, { worker_pid: 100 + round }),
    round,
  });

  it('the merge of rounds pools the CPU samples in the order of the batches', async () => {
    const [r] = await mergeRounds([line(1, [1000, 1000], [2000, 2000]), line(2, [1000, 3000], [1000, 3000])]);
    assert.deepEqual(r!.cpuSamples, [2000, 2000, 1000, 3000]);
    close(r!.derived!.cpuUsPerIteration, 2, 'median of the pooled CPU samples');
    close(r!.derived!.busyCpus, 1.5, 'median of 2, 2, 1, 1');
  });

  it('a round without CPU samples leaves the merged case without CPU figures, not with round 1 alone', async () => {
    const [r] = await mergeRounds([line(1, [1000, 1000], [2000, 2000]), line(2, [1000, 1000])]);
    assert.equal(r!.cpuSamples, undefined);
    assert.equal(r!.derived!.busyCpus, undefined);
    assert.ok(r!.derived!.msgsPerSec! > 0);
  });

  it('results.csv has a column per CPU figure, empty for a result without them', () => {
    const withCpu = okResult(kase('IPC2'), sampled([1000, 1000, 1000], [2000, 2000, 2000]), AT, {});
    const old = okResult(kase('IPC2'), sampled([1000, 1000, 1000]), AT, {});
    const [header, a, b] = resultsToCsv([withCpu, old]).trim().split('\n').map((l) => l.split(','));
    const col = (name: string) => header!.indexOf(name);
    for (const name of ['cpu_us_per_iteration', 'msgs_per_cpu_s', 'copies_per_cpu_s', 'busy_cpus']) assert.ok(col(name) >= 0, name);
    assert.equal(a![col('cpu_us_per_iteration')], '2');
    assert.equal(a![col('busy_cpus')], '2');
    assert.equal(a![col('msgs_per_cpu_s')], '1000000');
    assert.equal(b![col('busy_cpus')], '');
  });

  it('the report table shows CPU µs per iteration and busy CPUs beside the rate, – without them', () => {
    const withCpu = okResult(kase('IPC2'), sampled([1000, 1000, 1000], [2500, 2500, 2500]), AT, {});
    const old = okResult(kase('IPC2'), sampled([1000, 1000, 1000]), AT, {});
    const t = resultsTable([withCpu, old]);
    const cpuCol = t.columns.indexOf('CPU µs/iteration');
    const busyCol = t.columns.indexOf('busy CPUs');
    assert.equal(busyCol, cpuCol + 1);
    assert.ok(cpuCol > t.columns.indexOf('rate'));
    assert.deepEqual([t.rows[0]![cpuCol], t.rows[0]![busyCol]], ['2.50', '2.5']);
    assert.deepEqual([t.rows[1]![cpuCol], t.rows[1]![busyCol]], ['–', '–']);
  });

  it('the schema accepts a result without CPU data and rejects CPU samples that are not numbers', () => {
    const old = { case: kase('IPC2'), status: 'ok', stats: stats(1000, 2), samples: [1000, 1000], derived: { msgsPerSec: 2e6 }, startedAt: AT, endedAt: AT };
    assert.doesNotThrow(() => parseWith(ResultSchema, old, 'old line'));
    assert.doesNotThrow(() => parseWith(ResultSchema, { ...old, cpuSamples: [2000, 2000], derived: { busyCpus: 2 } }, 'new line'));
    assert.throws(() => parseWith(ResultSchema, { ...old, cpuSamples: ['2000'] }, 'bad line'), /bad line: cpuSamples\.0: expected number/);
  });
});

// Batch calibration and the tinybench conversion, on synthetic batch functions (no timing involved:
// the "measured" durations are whatever the function reports).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrate, sample } from '../runners/ipc/sampling.ts';

/** A batch of n iterations "takes" n × perIterationNs, except the first call, which is cold. */
function syntheticBatch(perIterationNs: number, coldFirstNs = 0) {
  const calls: number[] = [];
  const fn = async (n: number) => {
    calls.push(n);
    return { ns: calls.length === 1 && coldFirstNs ? coldFirstNs : n * perIterationNs, iterations: n };
  };
  return { fn, calls };
}

describe('calibrate', () => {
  it('sizes a batch to the target duration', async () => {
    const { fn } = syntheticBatch(2000);
    assert.equal(await calibrate(fn, 10), 5000); // 10 ms / 2 µs
  });

  it('is not fooled by a cold first batch', async () => {
    const { fn } = syntheticBatch(1000, 50e6); // first batch of 1 iteration "took" 50 ms
    assert.equal(await calibrate(fn, 10), 10000);
  });

  it('reaches long iterations without overshooting the target', async () => {
    const { fn } = syntheticBatch(4e6); // 4 ms per iteration
    assert.equal(await calibrate(fn, 10), 3);
  });
});

describe('sample', () => {
  it('returns per-iteration statistics and every measured batch in order', async () => {
    let i = 0;
    // Alternating 900/1100 ns per iteration: mean and median must come out at 1000.
    const fn = async (n: number) => ({ ns: n * (i++ % 2 ? 900 : 1100), iterations: n });
    const { stats, samples } = await sample(fn, { timeSec: 0.2, targetBatchMs: 10 });
    assert.equal(samples.length, stats.n);
    assert.ok(stats.n >= 10);
    assert.ok(samples.every((s) => s === 900 || s === 1100), 'samples are per-iteration ns');
    assert.ok(Math.abs(stats.mean - 1000) < 20, `mean ${stats.mean}`);
    assert.ok(Math.abs(stats.min - 900) < 1e-6 && Math.abs(stats.max - 1100) < 1e-6, `min ${stats.min} max ${stats.max}`);
    assert.ok(stats.iterationsPerBatch >= 9000 && stats.iterationsPerBatch <= 11200, `N ${stats.iterationsPerBatch}`);
  });

  it('one of several rounds gets its share of the time budget and at least 4 batches', async () => {
    const whole = await sample(async (n) => ({ ns: n * 1000, iterations: n }), { timeSec: 0.3, targetBatchMs: 10 });
    const third = await sample(async (n) => ({ ns: n * 1000, iterations: n }), { timeSec: 0.3, targetBatchMs: 10, rounds: 3 });
    assert.ok(whole.stats.n >= 25 && whole.stats.n <= 35, `whole budget: ${whole.stats.n} batches of 10 ms`);
    assert.ok(third.stats.n >= 8 && third.stats.n <= 12, `a third: ${third.stats.n} batches of 10 ms`);
    const short = await sample(async (n) => ({ ns: n * 1000, iterations: n }), { timeSec: 0.01, targetBatchMs: 10, rounds: 5 });
    assert.equal(short.stats.n, 4, 'a round has a median of its own');
    await assert.rejects(sample(async (n) => ({ ns: n, iterations: n }), { timeSec: 0.1, rounds: 0 }), /rounds/);
  });

  it('divides by the iterations a batch timed, not the ones asked', async () => {
    // The worker rounds a COPY stream up to whole bursts of 64: a batch of n times ceil(n/64)×64.
    const fn = async (n: number) => {
      const timed = Math.ceil(n / 64) * 64;
      return { ns: timed * 1000, iterations: timed };
    };
    const { stats, samples } = await sample(fn, { timeSec: 0.1, targetBatchMs: 10 });
    assert.ok(samples.every((s) => s === 1000), `samples ${samples.slice(0, 3)}`);
    assert.ok(Math.abs(stats.p50 - 1000) < 1e-6 && Math.abs(stats.mean - 1000) < 1e-6, `p50 ${stats.p50} mean ${stats.mean}`);
    assert.equal(stats.iterationsPerBatch % 64, 0, `the batch size is what a batch timed: ${stats.iterationsPerBatch}`);
    assert.equal(await calibrate(async () => ({ ns: 64 * 1000, iterations: 64 }), 10), 10000, 'calibration sees 1 µs per iteration');
  });

  it('keeps the CPU time per iteration of every measured batch, or says why there is none', async () => {
    let i = 0;
    const fn = async (n: number) => ({ ns: n * 1000, iterations: n, cpuNs: n * (i++ % 2 ? 1500 : 2000) });
    const { samples, cpuSamples, cpuUnavailable } = await sample(fn, { timeSec: 0.1, targetBatchMs: 10 });
    assert.equal(cpuUnavailable, undefined);
    assert.equal(cpuSamples?.length, samples.length);
    assert.ok(cpuSamples!.every((s) => s === 1500 || s === 2000), `cpu samples ${cpuSamples!.slice(0, 3)}`);
    let j = 0;
    const gap = async (n: number) => (j++ % 2 ? { ns: n * 1000, iterations: n, cpuUnavailable: 'no clock' } : { ns: n * 1000, iterations: n, cpuNs: n * 10 });
    const partial = await sample(gap, { timeSec: 0.1, targetBatchMs: 10 });
    assert.equal(partial.cpuSamples, undefined, 'no CPU figure over some of the batches');
    assert.equal(partial.cpuUnavailable, 'no clock');
  });

  it('refuses a batch that timed no iterations', async () => {
    await assert.rejects(sample(async () => ({ ns: 1000, iterations: 0 }), { timeSec: 0.1 }), /timed 0 iterations/);
  });

  it('stops when aborted', async () => {
    const abort = new AbortController();
    abort.abort(new Error('stop'));
    await assert.rejects(sample(async (n) => ({ ns: n * 1000, iterations: n }), { timeSec: 1, signal: abort.signal }), /stop/);
  });
});

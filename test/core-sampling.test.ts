// Batch calibration and the tinybench conversion, on synthetic batch functions (no timing involved:
// the "measured" durations are whatever the function reports).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrate, sample } from '../runners/sampling.ts';

/** A batch of n iterations "takes" n × perIterationNs, except the first call, which is cold. */
function syntheticBatch(perIterationNs: number, coldFirstNs = 0) {
  const calls: number[] = [];
  const fn = async (n: number) => {
    calls.push(n);
    return calls.length === 1 && coldFirstNs ? coldFirstNs : n * perIterationNs;
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
    const fn = async (n: number) => n * (i++ % 2 ? 900 : 1100);
    const { stats, samples } = await sample(fn, { timeSec: 0.2, targetBatchMs: 10 });
    assert.equal(samples.length, stats.n);
    assert.ok(stats.n >= 10);
    assert.ok(samples.every((s) => s === 900 || s === 1100), 'samples are per-iteration ns');
    assert.ok(Math.abs(stats.mean - 1000) < 20, `mean ${stats.mean}`);
    assert.ok(Math.abs(stats.min - 900) < 1e-6 && Math.abs(stats.max - 1100) < 1e-6, `min ${stats.min} max ${stats.max}`);
    assert.ok(stats.iterationsPerBatch >= 9000 && stats.iterationsPerBatch <= 11200, `N ${stats.iterationsPerBatch}`);
  });

  it('splits the measured batches over fresh setups (rounds), discarding each new setup\'s warm-up', async () => {
    // Setup k "runs at" 1000 × k ns per iteration, except its first two batches, which are cold.
    let setup = 1;
    let batchesInSetup = 0;
    const fn = async (n: number) => n * (batchesInSetup++ < 2 && setup > 1 ? 50_000 : 1000 * setup);
    const newRound = async () => {
      setup++;
      batchesInSetup = 0;
    };
    const { stats, samples, roundSizes } = await sample(fn, { timeSec: 0.3, targetBatchMs: 10, rounds: 3, newRound });
    assert.equal(setup, 3, 'two fresh setups after the first');
    assert.ok(roundSizes && roundSizes.length === 3 && roundSizes.every((k) => k >= 4), `round sizes ${roundSizes}`);
    assert.equal(roundSizes.reduce((a, b) => a + b, 0), samples.length);
    assert.equal(stats.n, samples.length);
    // Every sample belongs to the setup its position says, and no cold batch was recorded.
    let at = 0;
    roundSizes.forEach((size, r) => {
      for (const s of samples.slice(at, (at += size))) assert.equal(s, 1000 * (r + 1));
    });
  });

  it('refuses rounds without a way to make a fresh setup', async () => {
    await assert.rejects(sample(async (n) => n, { timeSec: 0.1, rounds: 2 }), /newRound/);
    await assert.rejects(sample(async (n) => n, { timeSec: 0.1, rounds: 0 }), /rounds/);
  });

  it('stops when aborted', async () => {
    const abort = new AbortController();
    abort.abort(new Error('stop'));
    await assert.rejects(sample(async (n) => n * 1000, { timeSec: 1, signal: abort.signal }), /stop/);
  });
});

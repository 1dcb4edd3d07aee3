// Batch sampling with tinybench. Whoever measures (the native worker, or an in-process Node
// baseline) times its own batch of N iterations and reports nanoseconds; tinybench only schedules
// the batches (warm-up, time budget, sample count) and computes the statistics, from the
// reported durations via `overriddenDuration`. Stats are converted to per-iteration ns.
// A case measured in several rounds (core/rounds.ts) calls this once per round, with its share of
// the time budget.
import { Bench } from 'tinybench';
import { perIterationStats } from '../../core/tinybench-stats.ts';
import type { Sampled } from '../../core/types.ts';

/** Runs `iterations` iterations and returns the measured duration of the batch in ns. */
export type BatchFn = (iterations: number) => Promise<number>;

export interface SamplingOptions {
  /** tinybench time budget for the measured phase, seconds. */
  timeSec: number;
  signal?: AbortSignal;
  /** Target batch duration; the brief's window is ~10–50 ms. */
  targetBatchMs?: number;
  /** The case is measured in this many rounds: this call gets 1/rounds of `timeSec`. Default 1. */
  rounds?: number;
}


const DEFAULT_TARGET_BATCH_MS = 20;
/** A batch shorter than this is too close to the timer's and protocol's noise to extrapolate from. */
const MIN_CALIBRATION_BATCH_NS = 1e6;
/** Fewest measured batches, even when the time budget is spent sooner (tinybench's `iterations`). */
const MIN_BATCHES = 10;
const MAX_ITERATIONS_PER_BATCH = 1 << 30;
const MAX_REFINEMENTS = 4;
/** Fewest measured batches in one of several rounds, so that each round has a median of its own. */
const MIN_BATCHES_PER_ROUND = 4;

/**
 * Finds N such that one batch lasts about `targetMs`: grow N geometrically until a batch is long
 * enough to measure, then rescale until a batch of N lands near the target. The rescaling matters
 * because the first, cold batches (page faults, JIT, first wake-up) can be far slower than the rest.
 */
export async function calibrate(runBatch: BatchFn, targetMs: number, signal?: AbortSignal): Promise<number> {
  const targetNs = targetMs * 1e6;
  const clamp = (n: number) => Math.max(1, Math.min(MAX_ITERATIONS_PER_BATCH, Math.round(n)));
  let n = 1;
  let ns = 0;
  for (;;) {
    signal?.throwIfAborted();
    ns = await runBatch(n);
    if (ns >= MIN_CALIBRATION_BATCH_NS || n >= MAX_ITERATIONS_PER_BATCH) break;
    // Jump by the observed ratio (at most ×64) instead of doubling, so calibration costs a few batches.
    n = clamp(n * (ns > 0 ? Math.min(64, Math.ceil(MIN_CALIBRATION_BATCH_NS / ns) + 1) : 64));
  }
  // Always re-measure at least once: the batch above may have been the cold one.
  for (let refinement = 0; refinement < MAX_REFINEMENTS; refinement++) {
    n = clamp((n * targetNs) / Math.max(ns, 1));
    signal?.throwIfAborted();
    ns = await runBatch(n);
    if (ns >= targetNs / 2 && ns <= targetNs * 2) break;
  }
  return n;
}

export async function sample(runBatch: BatchFn, opts: SamplingOptions): Promise<Sampled> {
  const targetMs = opts.targetBatchMs ?? DEFAULT_TARGET_BATCH_MS;
  const n = await calibrate(runBatch, targetMs, opts.signal);
  const samples: number[] = [];
  let recording = false;

  const rounds = opts.rounds ?? 1;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds: a whole number ≥ 1, got ${rounds}`);
  const timeMs = (opts.timeSec * 1000) / rounds;
  const bench = new Bench({
    time: timeMs,
    iterations: rounds === 1 ? MIN_BATCHES : Math.max(MIN_BATCHES_PER_ROUND, Math.ceil(MIN_BATCHES / rounds)),
    // Warm-up: a fifth of the budget, at least two batches.
    warmupTime: timeMs / 5,
    warmupIterations: 2,
    signal: opts.signal,
    throws: true,
  });
  bench.add(
    'batch',
    async () => {
      const ns = await runBatch(n);
      if (recording) samples.push(ns / n);
      return { overriddenDuration: ns / 1e6 };
    },
    {
      beforeAll(mode) {
        recording = mode === 'run';
      },
    },
  );
  await bench.run();
  opts.signal?.throwIfAborted();
  const task = bench.tasks[0]!;
  const result = task.result;
  if (result.state === 'errored') throw result.error;
  if (result.state !== 'completed' && result.state !== 'aborted-with-statistics') {
    throw new Error(`tinybench ended the task in state "${result.state}"`);
  }
  return { stats: perIterationStats(result.latency, n), samples };
}

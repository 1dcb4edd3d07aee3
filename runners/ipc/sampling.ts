// Batch sampling with tinybench. Whoever measures (the native worker, or an in-process Node
// baseline) times its own batch of N iterations and reports nanoseconds; tinybench only schedules
// the batches (warm-up, time budget, sample count) and computes the statistics, from the
// reported durations via `overriddenDuration`. Stats are converted to per-iteration ns.
// A batch may time more iterations than asked (the worker rounds a COPY stream up to whole
// bursts): per-iteration figures divide by the count timed, and tinybench gets each batch's
// duration scaled to the N asked, so that its per-batch statistics stay N iterations' worth.
// A case measured in several rounds (core/rounds.ts) calls this once per round, with its share of
// the time budget.
import { Bench } from 'tinybench';
import { median } from '../../core/median.ts';
import { perIterationStats } from '../../core/tinybench-stats.ts';
import type { Sampled } from '../../core/types.ts';

/** What one batch measured. */
export interface Batch {
  /** Wall time of the batch, ns. */
  ns: number;
  /** Iterations the batch timed (≥ the number asked), in the unit asked: per pair. */
  iterations: number;
  /** CPU time of every process of the case over the batch, ns; absent when it could not be read. */
  cpuNs?: number;
  /** Why `cpuNs` is absent. */
  cpuUnavailable?: string;
}

/** Runs at least `iterations` iterations and says what the batch measured. */
export type BatchFn = (iterations: number) => Promise<Batch>;

/** Wall ns per iteration timed; a batch that timed nothing is an error, not a zero. */
function nsPerIteration(b: Batch): number {
  if (!(b.iterations > 0)) throw new Error(`a batch timed ${b.iterations} iterations`);
  return b.ns / b.iterations;
}

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
    ns = nsPerIteration(await runBatch(n)) * n;
    if (ns >= MIN_CALIBRATION_BATCH_NS || n >= MAX_ITERATIONS_PER_BATCH) break;
    // Jump by the observed ratio (at most ×64) instead of doubling, so calibration costs a few batches.
    n = clamp(n * (ns > 0 ? Math.min(64, Math.ceil(MIN_CALIBRATION_BATCH_NS / ns) + 1) : 64));
  }
  // Always re-measure at least once: the batch above may have been the cold one.
  for (let refinement = 0; refinement < MAX_REFINEMENTS; refinement++) {
    n = clamp((n * targetNs) / Math.max(ns, 1));
    signal?.throwIfAborted();
    ns = nsPerIteration(await runBatch(n)) * n;
    if (ns >= targetNs / 2 && ns <= targetNs * 2) break;
  }
  return n;
}

export async function sample(runBatch: BatchFn, opts: SamplingOptions): Promise<Sampled> {
  const targetMs = opts.targetBatchMs ?? DEFAULT_TARGET_BATCH_MS;
  const n = await calibrate(runBatch, targetMs, opts.signal);
  const samples: number[] = [];
  // CPU ns per iteration of each recorded batch, in the unit of `samples`; kept only while every
  // recorded batch has one, since a figure over some of the batches would not be the case's.
  const cpuSamples: number[] = [];
  let cpuUnavailable: string | undefined;
  const timed: number[] = []; // iterations each recorded batch timed
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
      const batch = await runBatch(n);
      const perIteration = nsPerIteration(batch);
      if (recording) {
        samples.push(perIteration);
        timed.push(batch.iterations);
        if (batch.cpuNs === undefined) cpuUnavailable ??= batch.cpuUnavailable ?? 'the batch reported no CPU time';
        else cpuSamples.push(batch.cpuNs / batch.iterations);
      }
      return { overriddenDuration: (perIteration * n) / 1e6 };
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
  const cpu = cpuUnavailable === undefined ? { cpuSamples } : { cpuUnavailable };
  // tinybench saw every batch as N iterations' worth; what a batch timed is the honest batch size.
  const stats = { ...perIterationStats(result.latency, n), iterationsPerBatch: timed.length ? Math.round(median(timed)) : n };
  return { stats, samples, ...cpu };
}

// tinybench's statistics in the project's units: shared by sampling (runners) and the merge of
// rounds (core/rounds.ts), which recomputes them over pooled batches.
import type { Statistics } from 'tinybench';
import type { Stats } from './types.ts';

/** Converts tinybench's per-batch latency statistics (ms) to per-iteration nanoseconds. */
export function perIterationStats(latency: Statistics, n: number): Stats {
  const toNs = (ms: number) => (ms * 1e6) / n;
  return {
    n: latency.samplesCount,
    iterationsPerBatch: n,
    mean: toNs(latency.mean),
    p50: toNs(latency.p50),
    p75: toNs(latency.p75),
    p99: toNs(latency.p99),
    min: toNs(latency.min),
    max: toNs(latency.max),
    sd: toNs(latency.sd),
    rme: latency.rme, // relative: unchanged by the scaling
    moe: toNs(latency.moe),
  };
}

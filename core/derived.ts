// Figures derived from per-iteration statistics, using the median (robust to the noisy batches of
// a shared machine). msgs/s follows the paper's rule: an IPC round trip is two messages.
import { median } from './median.ts';
import type { Case, Derived, Stats } from './types.ts';
import { isCopyTest, isIpcTest } from './types.ts';

export function deriveFigures(c: Case, stats: Stats): Derived {
  if (!(stats.p50 > 0)) return {};
  // With P pairs an iteration is P concurrent round trips (or copies) in `p50` ns of wall time.
  const perSecond = (c.pairs * 1e9) / stats.p50;
  if (isIpcTest(c.test)) {
    return { roundTripsPerSec: perSecond, msgsPerSec: 2 * perSecond, usPerRoundTrip: stats.p50 / 1000 };
  }
  if (isCopyTest(c.test)) {
    return { copiesPerSec: perSecond, gbPerSec: (perSecond * c.size) / 1e9 };
  }
  return {};
}

/**
 * CPU cost beside speed: a spinning mechanism buys its round trips with busy CPUs. `cpuSamples[i]`
 * is the CPU ns (every process of the case) per iteration of batch i, in the unit of `samples[i]`
 * (wall ns per iteration), so their ratio is that batch's busy CPUs. Each figure is a median over
 * batches of a per-batch figure, as the time figures are, rather than a ratio of sums: one batch
 * disturbed by a neighbour on a shared machine moves neither. `cpuUsPerIteration` is per round trip
 * (or copy), so with P pairs it is an iteration's CPU time / P. Absent without CPU samples (runs
 * made before the worker measured them, or a clock that could not be read).
 */
export function deriveCpuFigures(c: Case, samples: readonly number[] | undefined, cpuSamples: readonly number[] | undefined): Derived {
  if (!samples?.length || cpuSamples?.length !== samples.length || !(isIpcTest(c.test) || isCopyTest(c.test))) return {};
  const busy = samples.flatMap((ns, i) => (ns > 0 ? [cpuSamples[i]! / ns] : []));
  const cpuUsPerIteration = median(cpuSamples) / c.pairs / 1000;
  const figures: Derived = { cpuUsPerIteration, ...(busy.length ? { busyCpus: median(busy) } : {}) };
  // A CPU time of 0 (e.g. below a clock's resolution) has no finite per-CPU-second rate.
  if (!(cpuUsPerIteration > 0)) return figures;
  return isIpcTest(c.test) ? { ...figures, msgsPerCpuSec: 2e6 / cpuUsPerIteration } : { ...figures, copiesPerCpuSec: 1e6 / cpuUsPerIteration };
}

/** Every derived figure of a case: the rates from `stats`, the CPU figures from the batches. */
export function deriveAllFigures(c: Case, stats: Stats, samples: readonly number[] | undefined, cpuSamples: readonly number[] | undefined): Derived {
  return { ...deriveFigures(c, stats), ...deriveCpuFigures(c, samples, cpuSamples) };
}

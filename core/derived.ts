// Figures derived from per-iteration statistics, using the median (robust to the noisy batches of
// a shared machine). msgs/s follows the paper's rule: an IPC round trip is two messages.
import { median } from './median.ts';
import type { Case, Derived, Stats } from './types.ts';
import { COPY_TESTS, IPC_TESTS } from './types.ts';

const isIpc = (c: Case) => (IPC_TESTS as readonly string[]).includes(c.test);
const isCopy = (c: Case) => (COPY_TESTS as readonly string[]).includes(c.test);

export function deriveFigures(c: Case, stats: Stats): Derived {
  if (!(stats.p50 > 0)) return {};
  // With P pairs an iteration is P concurrent round trips (or copies) in `p50` ns of wall time.
  const perSecond = (c.pairs * 1e9) / stats.p50;
  if (isIpc(c)) {
    return { roundTripsPerSec: perSecond, msgsPerSec: 2 * perSecond, usPerRoundTrip: stats.p50 / 1000 };
  }
  if (isCopy(c)) {
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
  if (!samples?.length || cpuSamples?.length !== samples.length || !(isIpc(c) || isCopy(c))) return {};
  const busy = samples.flatMap((ns, i) => (ns > 0 ? [cpuSamples[i]! / ns] : []));
  const cpuUsPerIteration = median(cpuSamples) / c.pairs / 1000;
  const figures: Derived = { cpuUsPerIteration, ...(busy.length ? { busyCpus: median(busy) } : {}) };
  // A CPU time of 0 (e.g. below a clock's resolution) has no finite per-CPU-second rate.
  if (!(cpuUsPerIteration > 0)) return figures;
  return isIpc(c) ? { ...figures, msgsPerCpuSec: 2e6 / cpuUsPerIteration } : { ...figures, copiesPerCpuSec: 1e6 / cpuUsPerIteration };
}

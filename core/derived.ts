// Figures derived from per-iteration statistics, using the median (robust to the noisy batches of
// a shared machine). msgs/s follows the paper's rule: an IPC round trip is two messages.
import type { Case, Derived, Stats } from './types.ts';
import { COPY_TESTS, IPC_TESTS } from './types.ts';

export function deriveFigures(c: Case, stats: Stats): Derived {
  if (!(stats.p50 > 0)) return {};
  // With P pairs an iteration is P concurrent round trips (or copies) in `p50` ns of wall time.
  const perSecond = (c.pairs * 1e9) / stats.p50;
  if ((IPC_TESTS as readonly string[]).includes(c.test)) {
    return { roundTripsPerSec: perSecond, msgsPerSec: 2 * perSecond, usPerRoundTrip: stats.p50 / 1000 };
  }
  if ((COPY_TESTS as readonly string[]).includes(c.test)) {
    return { copiesPerSec: perSecond, gbPerSec: (perSecond * c.size) / 1e9 };
  }
  return {};
}

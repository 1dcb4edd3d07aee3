// The headline figure of a result (msgs/s for IPC, GB/s for COPY) with a 95 % interval.
// Rates are inversely proportional to the per-iteration time, so the interval of the rate is
// the interval of the median time (bootstrapped from the raw samples) mapped through k / t.
import type { Result } from '../core/types.ts';
import { isCopyTest, isIpcTest } from '../core/types.ts';
import { medianInterval, roundsOf, type Interval } from './stats.ts';

export interface Headline {
  metric: 'msgsPerSec' | 'gbPerSec';
  unit: string;
}

export function headlineOf(test: string): Headline | undefined {
  if (isIpcTest(test)) return { metric: 'msgsPerSec', unit: 'msgs/s' };
  if (isCopyTest(test)) return { metric: 'gbPerSec', unit: 'GB/s' };
  return undefined;
}

/** The rate and its interval, or undefined if the result has no such figure. */
export function rateInterval(r: Result): Interval | undefined {
  const headline = headlineOf(r.case.test);
  const value = headline && r.derived?.[headline.metric];
  if (r.status !== 'ok' || value === undefined || !r.stats || r.stats.p50 <= 0) return undefined;
  const k = value * r.stats.p50;
  if (r.samples && r.samples.length >= 2) {
    const t = medianInterval(roundsOf(r));
    return { point: value, lo: k / t.hi, hi: k / t.lo };
  }
  // No raw samples kept: use tinybench's margin of error of the mean time instead.
  const { mean, moe } = r.stats;
  return { point: value, lo: k / (mean + moe), hi: mean > moe ? k / (mean - moe) : value };
}

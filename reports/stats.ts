// Bootstrap confidence intervals built from simple-statistics (resampling, median, quantiles),
// so that compare/check/charts all judge noise the same way.
import { median, quantile, sampleWithReplacement } from 'simple-statistics';

export interface Interval {
  point: number;
  lo: number;
  hi: number;
}

export interface BootstrapOptions {
  resamples?: number;
  confidence?: number;
  /** Uniform [0,1) source; seeded by default so that a report is reproducible. */
  random?: () => number;
}

/** mulberry32: a tiny seeded PRNG — only so that repeated reports print identical intervals. */
export function seededRandom(seed = 0x5eed): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentileInterval(point: number, draws: number[], confidence: number): Interval {
  const tail = (1 - confidence) / 2;
  const [lo, hi] = quantile(draws, [tail, 1 - tail]);
  return { point, lo, hi };
}

/** Percentile-bootstrap interval of the median of one sample. */
export function medianInterval(samples: number[], opts: BootstrapOptions = {}): Interval {
  const { resamples = 2000, confidence = 0.95, random = seededRandom() } = opts;
  const draws = Array.from({ length: resamples }, () =>
    median(sampleWithReplacement(samples, samples.length, random)),
  );
  return percentileInterval(median(samples), draws, confidence);
}

/**
 * Percentile-bootstrap interval of median(next) / median(base), resampling both samples
 * independently. A ratio above 1 means `next` is larger (for times: slower).
 */
export function medianRatioInterval(
  base: number[],
  next: number[],
  opts: BootstrapOptions = {},
): Interval {
  const { resamples = 2000, confidence = 0.95, random = seededRandom() } = opts;
  const draws = Array.from(
    { length: resamples },
    () =>
      median(sampleWithReplacement(next, next.length, random)) /
      median(sampleWithReplacement(base, base.length, random)),
  );
  return percentileInterval(median(next) / median(base), draws, confidence);
}

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

/**
 * The samples of a result grouped by the setup (round) that measured them; one group when the
 * result has a single round (or predates rounds).
 */
export function roundsOf({ samples = [], roundSizes }: { samples?: number[]; roundSizes?: number[] }): number[][] {
  if (!roundSizes || roundSizes.length <= 1) return [samples];
  const total = roundSizes.reduce((a, b) => a + b, 0);
  if (total !== samples.length) throw new Error(`roundSizes add up to ${total}, but there are ${samples.length} samples`);
  let at = 0;
  return roundSizes.filter((size) => size > 0).map((size) => samples.slice(at, (at += size)));
}

/**
 * One two-level bootstrap draw (Davison & Hinkley's cluster bootstrap): rounds with replacement,
 * then batches with replacement inside each drawn round, pooled. Rounds that disagree thus widen
 * the interval, which resampling batches alone would hide.
 */
function resampleRounds(rounds: number[][], random: () => number): number[] {
  return sampleWithReplacement(rounds, rounds.length, random).flatMap((round) => sampleWithReplacement(round, round.length, random));
}

/** Percentile-bootstrap interval of the median of samples grouped in rounds. */
export function medianInterval(rounds: number[][], opts: BootstrapOptions = {}): Interval {
  const { resamples = 2000, confidence = 0.95, random = seededRandom() } = opts;
  const draws = Array.from({ length: resamples }, () => median(resampleRounds(rounds, random)));
  return percentileInterval(median(rounds.flat()), draws, confidence);
}

/**
 * Percentile-bootstrap interval of median(next) / median(base), resampling both runs
 * independently, each by rounds then batches. A ratio above 1 means `next` is larger (for
 * times: slower).
 */
export function medianRatioInterval(base: number[][], next: number[][], opts: BootstrapOptions = {}): Interval {
  const { resamples = 2000, confidence = 0.95, random = seededRandom() } = opts;
  const draws = Array.from(
    { length: resamples },
    () => median(resampleRounds(next, random)) / median(resampleRounds(base, random)),
  );
  return percentileInterval(median(next.flat()) / median(base.flat()), draws, confidence);
}

// E-Divisive means (Matteson & James 2014; the method of MongoDB's CI and Apache Otava/Hunter):
// hierarchical change-point detection over one series. Repeatedly, the split of a current
// segment with the largest divergence Q (reports/history/energy.ts) is a candidate; a
// permutation test says whether it is significant — the points of every current segment are
// shuffled within their segment, which keeps the change points found so far but destroys any
// order inside the segments, and the best Q of the shuffled series is compared with the
// candidate's. It is accepted when few shuffles reach it, and the search goes on in the parts.
// Defaults and why: reports/history/README.md.
import { seededRandom } from '../stats.ts';
import { bestSplit, DistanceTable, type Split } from './energy.ts';

export interface EDivisiveOptions {
  /** Exponent of the distance, in (0, 2); 1 compares whole distributions (energy distance). */
  alpha?: number;
  /** Fewest points on either side of a change point. */
  minSize?: number;
  /** Largest p-value accepted for a change point. */
  significance?: number;
  /** Shuffles per test; the smallest p-value it can give is 1 / (permutations + 1). */
  permutations?: number;
  /** Uniform [0, 1): seeded by default, so that a history prints the same change points each time. */
  random?: () => number;
}

const E_DIVISIVE_DEFAULTS = { alpha: 1, minSize: 4, significance: 0.001, permutations: 999 } as const;

export interface ChangePoint {
  /** Index of the first point after the change. */
  index: number;
  /** Permutation p-value: (shuffles whose best Q reached the candidate's + 1) / (shuffles + 1). */
  pValue: number;
  q: number;
}

/** The best split over every current segment ([0, b1), [b1, b2), ..., [bk, n)). */
function bestOverSegments(d: DistanceTable, bounds: number[], minSize: number): Split | undefined {
  let best: Split | undefined;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const split = bestSplit(d, bounds[i]!, bounds[i + 1]!, minSize);
    if (split && (!best || split.q > best.q)) best = split;
  }
  return best;
}

/** Fisher–Yates inside each segment: change points found so far stay where they are. */
function shuffleWithinSegments(values: number[], bounds: number[], random: () => number): number[] {
  const out = [...values];
  for (let s = 0; s + 1 < bounds.length; s++) {
    for (let i = bounds[s + 1]! - 1; i > bounds[s]!; i--) {
      const j = bounds[s]! + Math.floor(random() * (i - bounds[s]! + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
  }
  return out;
}

/**
 * The permutation p-value of a candidate of divergence `q`. It stops as soon as the answer
 * cannot be significant any more (Besag & Clifford's sequential test): on a series without a
 * change that is after a few shuffles, so the full count is paid only for real changes.
 */
function permutationPValue(values: number[], bounds: number[], q: number, o: Required<EDivisiveOptions>): number {
  // The fewest shuffles reaching q that make (reached + 1) / (permutations + 1) exceed the significance.
  const giveUpAt = Math.floor(o.significance * (o.permutations + 1) - 1 + 1e-9) + 1;
  let reached = 0;
  for (let done = 1; done <= o.permutations; done++) {
    const shuffled = shuffleWithinSegments(values, bounds, o.random);
    const best = bestOverSegments(new DistanceTable(shuffled, o.alpha), bounds, o.minSize);
    if (best && best.q >= q && ++reached >= giveUpAt) return (reached + 1) / (done + 1);
  }
  return (reached + 1) / (o.permutations + 1);
}

/** The significant change points of `values`, in series order. */
export function eDivisive(values: number[], options: EDivisiveOptions = {}): ChangePoint[] {
  const o: Required<EDivisiveOptions> = { ...E_DIVISIVE_DEFAULTS, random: seededRandom(), ...options };
  if (!(o.alpha > 0 && o.alpha < 2)) throw new Error(`E-Divisive: alpha must be in (0, 2), got ${o.alpha}`);
  if (!(Number.isInteger(o.minSize) && o.minSize >= 1)) throw new Error(`E-Divisive: minSize must be a whole number ≥ 1, got ${o.minSize}`);
  if (1 / (o.permutations + 1) > o.significance) {
    throw new Error(`E-Divisive: ${o.permutations} permutations cannot give a p-value of ${o.significance} or less: use at least ${Math.ceil(1 / o.significance) - 1}`);
  }
  const d = new DistanceTable(values, o.alpha);
  const found: ChangePoint[] = [];
  for (;;) {
    const bounds = [0, ...found.map((c) => c.index), values.length];
    const candidate = bestOverSegments(d, bounds, o.minSize);
    if (!candidate) break;
    const pValue = permutationPValue(values, bounds, candidate.q, o);
    if (pValue > o.significance) break;
    found.push({ index: candidate.tau, pValue, q: candidate.q });
    found.sort((a, b) => a.index - b.index);
  }
  return found;
}

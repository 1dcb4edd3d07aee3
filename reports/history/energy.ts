// The divergence E-Divisive maximises (Matteson & James 2014, "A nonparametric approach for
// multiple change point analysis of multivariate data", eq. 3–5): for a segment split at τ into
// X = z[s..τ) and Y = z[τ..κ),
//   Q = m·k/(m+k) · ( 2/(m·k)·Σ|x−y|^α − Σ_{i<j}|xi−xj|^α / C(m,2) − Σ_{i<j}|yi−yj|^α / C(k,2) )
// with m = |X|, k = |Y|. Large when the points across the split are further apart than those
// within each side, whatever differs: the mean, the spread or the shape.
//
// All pairwise distances are summed once into a 2-D prefix table, so every (τ, κ) costs O(1) and
// a segment of n points O(n²) — cheap enough to repeat for each permutation of the test.

/** Prefix sums of |z_i − z_j|^α: `block(i0, i1, j0, j1)` = Σ over i in [i0, i1), j in [j0, j1). */
export class DistanceTable {
  readonly width: number;
  /** (n+1)² entries, row-major: prefix[a·width + b] = Σ_{i<a, j<b}. Symmetric, as the distances are. */
  readonly prefix: Float64Array;

  constructor(values: ArrayLike<number>, alpha: number) {
    const n = values.length;
    const z = Float64Array.from(values);
    const w = (this.width = n + 1);
    const p = (this.prefix = new Float64Array(w * w));
    // Rebuilt for every shuffle of the permutation test: plain loops, and alpha 1 (the default) without Math.pow.
    for (let i = 0; i < n; i++) {
      const zi = z[i]!;
      const row = (i + 1) * w;
      const above = i * w;
      let sum = 0;
      for (let j = 0; j < n; j++) {
        const diff = Math.abs(zi - z[j]!);
        sum += alpha === 1 ? diff : diff ** alpha;
        p[row + j + 1] = p[above + j + 1]! + sum;
      }
    }
  }

  block(i0: number, i1: number, j0: number, j1: number): number {
    const w = this.width;
    const p = this.prefix;
    return p[i1 * w + j1]! - p[i0 * w + j1]! - p[i1 * w + j0]! + p[i0 * w + j0]!;
  }
}

/** Q of X = [s, τ) against Y = [τ, κ). */
export function divergence(d: DistanceTable, s: number, tau: number, kappa: number): number {
  const m = tau - s;
  const k = kappa - tau;
  const between = d.block(s, tau, tau, kappa);
  // block() of a segment with itself counts each pair twice: Σ_{i<j} = block / 2.
  const withinX = m > 1 ? d.block(s, tau, s, tau) / (m * (m - 1)) : 0;
  const withinY = k > 1 ? d.block(tau, kappa, tau, kappa) / (k * (k - 1)) : 0;
  return ((m * k) / (m + k)) * ((2 * between) / (m * k) - withinX - withinY);
}

export interface Split {
  /** First point of the second part: the change point. */
  tau: number;
  /** End (exclusive) of the second part that maximised Q; it need not be the segment's end. */
  kappa: number;
  q: number;
}

/**
 * The best split of the segment [start, end): every τ and every κ ≤ end (as Matteson & James
 * and Apache Otava search; a shorter Y keeps a later change from muddying an earlier one), both
 * parts at least `minSize` points. Undefined when the segment is too short to split.
 */
export function bestSplit(d: DistanceTable, start: number, end: number, minSize: number): Split | undefined {
  let best: Split | undefined;
  for (let tau = start + minSize; tau + minSize <= end; tau++) {
    for (let kappa = tau + minSize; kappa <= end; kappa++) {
      const q = divergence(d, start, tau, kappa);
      if (!best || q > best.q) best = { tau, kappa, q };
    }
  }
  return best;
}

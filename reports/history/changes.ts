// Change points of a series, in its own terms: which run is the first after the change, its
// commit, what else changed there (kernel, command line), how large the change is and how
// significant. E-Divisive (reports/history/e-divisive.ts) runs on the medians of the series'
// last `window` points.
import { median } from '../../core/median.ts';
import { type EDivisiveOptions, eDivisive } from './e-divisive.ts';
import type { Point, Series } from './query.ts';

/** Points searched per series: E-Divisive costs O(n²) per shuffle, and old history is settled. */
export const DEFAULT_WINDOW = 100;

export interface SeriesChange {
  /** Index in the series' points of the first point after the change. */
  index: number;
  point: Point;
  previous: Point;
  /** Median of the per-run medians of the segments on either side, ns per iteration. */
  before: number;
  after: number;
  /** after / before − 1: above 0 is slower (time per iteration). */
  change: number;
  pValue: number;
  /** What else changed between the two runs (kernel, command line): a likely cause besides the commit. */
  alsoChanged: string[];
}

export interface SeriesAnalysis {
  series: Series;
  /** Index of the first point searched (earlier points are outside the window). */
  from: number;
  changes: SeriesChange[];
}

function alsoChanged(prev: Point, point: Point): string[] {
  const out: string[] = [];
  if (prev.kernel !== point.kernel) out.push(`kernel ${prev.kernel} → ${point.kernel}`);
  if (prev.cmdline !== point.cmdline) out.push('kernel command line');
  return out;
}

export function analyseSeries(series: Series, window = DEFAULT_WINDOW, options: EDivisiveOptions = {}): SeriesAnalysis {
  const from = Math.max(0, series.points.length - window);
  const values = series.points.slice(from).map((p) => p.medianNs);
  const found = eDivisive(values, options);
  const bounds = [0, ...found.map((c) => c.index), values.length];
  const changes = found.map((c, i) => {
    const before = median(values.slice(bounds[i]!, c.index));
    const after = median(values.slice(c.index, bounds[i + 2]!));
    const index = from + c.index;
    const [previous, point] = [series.points[index - 1]!, series.points[index]!];
    return { index, point, previous, before, after, change: after / before - 1, pValue: c.pValue, alsoChanged: alsoChanged(previous, point) };
  });
  return { series, from, changes };
}

/** The points after the last change (at most `max` of the newest): what the series is like now. */
export function currentSegment(analysis: SeriesAnalysis, max: number): Point[] {
  const start = analysis.changes.at(-1)?.index ?? 0;
  return analysis.series.points.slice(Math.max(start, analysis.series.points.length - max));
}

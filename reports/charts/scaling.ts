// The scaling chart: aggregate msgs/s against the number of concurrent client/server pairs,
// one line per mechanism, with the paper's 1.46 M msgs/s IPC2 aggregate as a dotted reference.
import type { Result } from '../../core/types.ts';
import { isIpcTest } from '../../core/types.ts';
import { m3ipcPaper } from '../paper.ts';
import { rateInterval } from '../rates.ts';
import { referenceLayers, type RefRow } from './reference-lines.ts';
import { facetedFigure, mechanismColor, placementLabel, type Figure } from './style.ts';

interface PointRow {
  kind: 'point';
  series: string;
  mechanism: string;
  test: string;
  pairs: number;
  value: number;
  lo: number;
  hi: number;
}

export function scalingChart(results: Result[]): Figure | undefined {
  const ipc = results.filter((r) => isIpcTest(r.case.test));
  // A series is worth a line only if it was measured at more than one pair count.
  const seriesOf = (r: Result) => `${r.case.test} ${placementLabel(r.case.placement)}`;
  const pairCounts = new Map<string, Set<number>>();
  for (const r of ipc) {
    const key = `${seriesOf(r)}/${r.case.mechanism}`;
    pairCounts.set(key, (pairCounts.get(key) ?? new Set()).add(r.case.pairs));
  }
  const points: PointRow[] = [];
  for (const r of ipc) {
    const rate = rateInterval(r);
    if (!rate || (pairCounts.get(`${seriesOf(r)}/${r.case.mechanism}`)?.size ?? 0) < 2) continue;
    points.push({ kind: 'point', series: seriesOf(r), mechanism: r.case.mechanism, test: r.case.test, pairs: r.case.pairs, value: rate.point, lo: rate.lo, hi: rate.hi });
  }
  if (points.length === 0) return undefined;
  const refs: RefRow[] = [...new Set(points.filter((p) => p.test === 'IPC2').map((p) => p.series))].map((series) => ({
    kind: 'ref', value: m3ipcPaper.ipc2AggregateMsgsPerSec.value, label: 'paper IPC2 aggregate: 1.46 M msgs/s (2012 hardware)', dashed: false, series,
  } as RefRow & { series: string }));
  const title = 'Scaling: aggregate messages per second vs concurrent pairs';
  const footnotes = [
    'Aggregate msgs/s of all pairs together (2 x round trips/s); points: median, whiskers: 95 % bootstrap interval.',
    `Dotted: the paper's IPC2 aggregate with both cores and several pairs, ${m3ipcPaper.hardware}.`,
  ];
  const line = { filter: "datum.kind === 'point'" };
  const x = { field: 'pairs', type: 'quantitative' as const, title: 'client/server pairs', axis: { tickMinStep: 1, format: 'd' } };
  // Log scale: spin-based and kernel-blocking mechanisms differ by two orders of magnitude.
  const scale = { type: 'log' as const };
  const y = { field: 'value', type: 'quantitative' as const, title: 'aggregate msgs/s (log scale)', scale, axis: { format: '~s' } };
  return facetedFigure({
    name: 'scaling',
    title,
    footnotes,
    values: [...points, ...refs],
    facet: { column: { field: 'series', type: 'nominal', title: null } },
    spec: {
      width: 520,
      height: 320,
      layer: [
        { transform: [line], mark: { type: 'line', point: true }, encoding: { x, y, color: mechanismColor(points.map((p) => p.mechanism)) } },
        { transform: [line], mark: { type: 'rule', color: 'black' }, encoding: { x, y: { field: 'lo', type: 'quantitative', scale }, y2: { field: 'hi' } } },
        ...referenceLayers(scale),
      ],
    },
  });
}

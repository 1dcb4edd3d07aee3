// The trend chart of a history query: per case a panel, per host and configuration a line of
// median time per iteration over the runs (x: when each run started), whiskers for each
// run's 95 % bootstrap interval (rounds, then batches, as the report's charts), and a dashed rule
// with the change and its size at each change point.
import { medianInterval, seededRandom } from '../stats.ts';
import { facetedFigure, type Figure } from '../charts/style.ts';
import type { SeriesAnalysis } from './changes.ts';
import { signedPercent } from './tables.ts';

/** Panels drawn at most; a query over more series gets a note instead of an unreadable chart. */
const MAX_CHART_SERIES = 12;

/** Resamples per point: a trend has hundreds of points, and the whiskers only need to be indicative. */
const RESAMPLES = 400;

interface PointRow {
  kind: 'point';
  panel: string;
  line: string;
  time: string;
  run: string;
  commit: string;
  median: number;
  lo: number;
  hi: number;
}

interface ChangeRow {
  kind: 'change';
  panel: string;
  time: string;
  label: string;
}

/**
 * `roundsOf(resultId)`: a point's batches grouped by round (reports/history/query.ts). Series with
 * a change point are drawn first: the chart has room for a dozen.
 */
export function trendChart(analyses: SeriesAnalysis[], roundsOf: (resultId: number) => number[][]): Figure | undefined {
  const ranked = [...analyses].sort((a, b) => Number(b.changes.length > 0) - Number(a.changes.length > 0));
  const drawn = ranked.slice(0, MAX_CHART_SERIES).filter((a) => a.series.points.length > 0);
  if (drawn.length === 0) return undefined;
  const random = seededRandom();
  const points: PointRow[] = drawn.flatMap(({ series: s }) =>
    s.points.map((p) => {
      const rounds = roundsOf(p.resultId).filter((r) => r.length > 0);
      const interval = rounds.flat().length >= 2 ? medianInterval(rounds, { resamples: RESAMPLES, random }) : { lo: p.medianNs, hi: p.medianNs };
      return { kind: 'point', panel: s.caseId, line: `${s.host} · ${s.config}`, time: p.orderTime, run: p.run, commit: p.commit?.slice(0, 10) ?? '', median: p.medianNs, lo: interval.lo, hi: interval.hi };
    }),
  );
  const changes: ChangeRow[] = drawn.flatMap(({ series: s, changes: cs }) =>
    cs.map((c) => ({ kind: 'change', panel: s.caseId, time: c.point.orderTime, label: `${signedPercent(c.change)} (${s.host})` })),
  );
  const notes = [
    'Median time per iteration of each run (lower is faster); whiskers: 95 % bootstrap interval (rounds, then batches); x: when the run started.',
    'Dashed: a change point (E-Divisive means with a permutation test, reports/history/README.md), labelled with the change of the median.',
  ];
  if (analyses.length > drawn.length) notes.push(`${analyses.length - drawn.length} more series not drawn: narrow the query (--mechanism, --test, --host, --config, a case).`);
  const x = { field: 'time', type: 'temporal' as const, title: 'run start' };
  const y = { field: 'median', type: 'quantitative' as const, title: 'ns per iteration', scale: { zero: false } };
  const only = (kind: string) => [{ filter: `datum.kind === '${kind}'` }];
  return facetedFigure({
    name: 'history-trend',
    title: 'Run history: time per iteration over the runs',
    footnotes: notes,
    values: [...points, ...changes],
    // The case above its panel: case ids are too long to stand rotated beside the axis title.
    facet: { row: { field: 'panel', type: 'nominal', title: null, header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelFontWeight: 'bold' } } },
    spec: {
      width: 860,
      height: 200,
      layer: [
        {
          transform: only('point'),
          mark: { type: 'line', point: true },
          encoding: {
            x,
            y,
            color: { field: 'line', type: 'nominal', title: 'host · config' },
            tooltip: [{ field: 'run' }, { field: 'commit' }, { field: 'median', format: '.4~s' }],
          },
        },
        { transform: only('point'), mark: { type: 'rule' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { field: 'line', type: 'nominal' } } },
        { transform: only('change'), mark: { type: 'rule', strokeDash: [6, 4], color: '#c00' }, encoding: { x } },
        { transform: only('change'), mark: { type: 'text', align: 'left', dx: 4, dy: 8, fontSize: 11, color: '#c00' }, encoding: { x, y: { value: 0 }, text: { field: 'label' } } },
      ],
    },
  });
}

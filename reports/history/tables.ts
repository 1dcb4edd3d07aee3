// The tables `m3bench history` prints (and its HTML page shows): one row per series, one per
// change point, and — when the query names a single series — one per run.
import { formatNumber, type Table } from '../table.ts';
import type { SeriesAnalysis, SeriesChange } from './changes.ts';

const day = (iso: string) => iso.slice(0, 10);
const shortCommit = (c: string | null, dirty: boolean | null) => (c ? `${c.slice(0, 10)}${dirty ? '+dirty' : ''}` : '–');
/** A change as a signed percentage: 0.1 → "+10.0 %". */
export const signedPercent = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

function changeSummary(c: SeriesChange): string {
  return `${signedPercent(c.change)} at ${shortCommit(c.point.commit, c.point.dirty)} (${day(c.point.orderTime)})`;
}

export function seriesTable(analyses: SeriesAnalysis[]): Table {
  return {
    title: `Run history: ${analyses.length} series`,
    columns: ['case', 'host', 'configuration', 'runs', 'first', 'last', 'latest median ns/iter', 'change points', 'latest change'],
    rows: analyses.map(({ series: s, changes }) => [
      s.caseId,
      s.host,
      s.config,
      String(s.points.length),
      day(s.points[0]!.orderTime),
      day(s.points.at(-1)!.orderTime),
      formatNumber(s.points.at(-1)!.medianNs, 4),
      String(changes.length),
      changes.length ? changeSummary(changes.at(-1)!) : '',
    ]),
    notes: [
      'A series is one case on one host under one configuration, ordered by the runs\' start. Change points: E-Divisive means with a permutation test (reports/history/README.md).',
    ],
  };
}

export function changesTable(analyses: SeriesAnalysis[]): Table {
  const rows = analyses.flatMap(({ series: s, changes }) =>
    changes.map((c) => [
      s.caseId,
      s.host,
      s.config,
      c.point.run,
      shortCommit(c.point.commit, c.point.dirty),
      day(c.point.orderTime),
      formatNumber(c.before, 4),
      formatNumber(c.after, 4),
      signedPercent(c.change),
      c.pValue.toPrecision(2),
      c.alsoChanged.join('; '),
    ]),
  );
  return {
    title: rows.length ? `Change points: ${rows.length}` : 'Change points: none',
    columns: ['case', 'host', 'configuration', 'first run after', 'commit', 'run date', 'before ns/iter', 'after ns/iter', 'change', 'p-value', 'also changed there'],
    rows,
    notes: ['before/after: median of the per-run medians of the segments on either side; above 0 % is slower.'],
  };
}

/** Every run of one series, oldest first, with the change points marked. */
export function pointsTable(analysis: SeriesAnalysis): Table {
  const { series: s, changes } = analysis;
  const changedAt = new Map(changes.map((c) => [c.index, c]));
  return {
    title: `${s.caseId} on ${s.host}, configuration ${s.config}`,
    columns: ['run', 'started', 'commit', 'kernel', 'median ns/iter', 'batches', 'change point'],
    rows: s.points.map((p, i) => [
      `${p.run}${p.synthetic ? ' (synthetic)' : ''}`,
      p.orderTime.slice(0, 16).replace('T', ' '),
      shortCommit(p.commit, p.dirty),
      p.kernel,
      formatNumber(p.medianNs, 4),
      p.batches === null ? '' : String(p.batches),
      changedAt.has(i) ? `${signedPercent(changedAt.get(i)!.change)} (p ${changedAt.get(i)!.pValue.toPrecision(2)})` : '',
    ]),
    notes: [],
  };
}

// A history query for dashboards: CSV (one row per run of each series) or JSON (the series with
// their points and change points). The format follows the file's extension.
import { writeFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import type { SeriesAnalysis } from './changes.ts';
import type { HistoryFilter } from './query.ts';

const COLUMNS = [
  'case', 'test', 'mechanism', 'placement', 'size_bytes', 'pairs', 'host', 'host_identity', 'config', 'run', 'started_at', 'commit',
  'commit_date', 'dirty', 'kernel', 'cmdline', 'synthetic', 'median_ns', 'batches', 'change_percent', 'change_p_value',
] as const;

function historyCsv(analyses: SeriesAnalysis[]): string {
  const rows = analyses.flatMap(({ series: s, changes }) => {
    const changedAt = new Map(changes.map((c) => [c.index, c]));
    return s.points.map((p, i) => {
      const c = changedAt.get(i);
      return [
        s.caseId, s.test, s.mechanism, s.placement, s.size, s.pairs, s.host, s.hostIdentity, s.config, p.run, p.startedAt, p.commit ?? '',
        p.commitDate ?? '', p.dirty ?? '', p.kernel, p.cmdline ?? '', p.synthetic, p.medianNs, p.batches ?? '', c ? c.change * 100 : '', c ? c.pValue : '',
      ];
    });
  });
  return stringify([[...COLUMNS], ...rows]);
}

function historyJson(analyses: SeriesAnalysis[], filter: HistoryFilter): string {
  const body = {
    filter,
    series: analyses.map(({ series, changes }) => ({
      ...series,
      changes: changes.map(({ point, previous, ...c }) => ({ ...c, run: point.run, commit: point.commit, previousRun: previous.run })),
    })),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

export async function exportHistory(file: string, analyses: SeriesAnalysis[], filter: HistoryFilter): Promise<void> {
  if (file.endsWith('.csv')) return writeFile(file, historyCsv(analyses));
  if (file.endsWith('.json')) return writeFile(file, historyJson(analyses, filter));
  throw new Error(`--export ${file}: name a .csv or a .json file`);
}

// The history section of a run's report (`m3bench report RUN... --db FILE`): the trend of the
// reported runs' cases on their hosts and configurations, series with a change point first, and
// the change points found.
import type { RenderedFigure } from '../context.ts';
import type { LoadedRun } from '../load.ts';
import type { Table } from '../table.ts';
import { filingOf, machineOf } from './axes.ts';
import { analyseSeries } from './changes.ts';
import { openHistory } from './db.ts';
import { renderedTrend } from './page.ts';
import { querySeries, roundsOfPoint } from './query.ts';
import { changesTable } from './tables.ts';

export interface HistorySection {
  trend: RenderedFigure | string;
  tables: Table[];
}

export async function historySection(runs: LoadedRun[], file: string): Promise<HistorySection> {
  // Series are keyed by case name, host identity and configuration, as the import files them.
  const wanted = new Set(
    runs.flatMap((run) =>
      run.results.map((r) => {
        const { target, config, caseId } = filingOf(run.manifest, r);
        return `${caseId}\0${machineOf(run.manifest, target, config).identity}\0${config}`;
      }),
    ),
  );
  const db = openHistory(file, { mustExist: true });
  try {
    const analyses = querySeries(db)
      .filter((s) => wanted.has(`${s.caseId}\0${s.hostIdentity}\0${s.config}`))
      .map((s) => analyseSeries(s));
    const trend = await renderedTrend(analyses, (id) => roundsOfPoint(db, id));
    return { trend, tables: [changesTable(analyses)] };
  } finally {
    db.close();
  }
}

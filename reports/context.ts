// Everything the exporters need, computed once: the runs, their results, the figures and tables.
import type { Result } from '../src/types.ts';
import type { Figure } from './charts/style.ts';
import { figure1 } from './charts/figure1.ts';
import { figure2 } from './charts/figure2.ts';
import { scalingChart } from './charts/scaling.ts';
import { specToSvg } from './charts/render.ts';
import type { LoadedRun } from './load.ts';
import { profileTables, table1 } from './net-tables.ts';
import { resultsTable } from './results-table.ts';
import type { Table } from './table.ts';

export interface RenderedFigure extends Figure {
  svg: string;
}

export interface ReportContext {
  runs: LoadedRun[];
  results: Result[];
  figures: RenderedFigure[];
  tables: Table[];
}

export async function buildContext(runs: LoadedRun[]): Promise<ReportContext> {
  const results = runs.flatMap((r) => r.results);
  const figures = [figure1(results, false), figure1(results, true), figure2(results, false), figure2(results, true), scalingChart(results)].filter(
    (f): f is Figure => f !== undefined,
  );
  const rendered = await Promise.all(figures.map(async (f) => ({ ...f, svg: await specToSvg(f.spec) })));
  const tables = [table1(results), ...profileTables(results), resultsTable(results)].filter((t): t is Table => t !== undefined);
  return { runs, results, figures: rendered, tables };
}

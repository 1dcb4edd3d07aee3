// What `m3bench history --out DIR` writes: the trend chart (vega-lite spec, SVG, PNG, through the
// report's charts exporter) and history.html, a self-contained page with the chart and tables.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { specToSvg } from '../charts/render.ts';
import type { RenderedFigure, ReportContext } from '../context.ts';
import { chartsExporter } from '../exporters/charts.ts';
import { htmlReport } from '../exporters/html.ts';
import type { Table } from '../table.ts';
import type { SeriesAnalysis } from './changes.ts';
import { trendChart } from './trend-chart.ts';

/** The trend figure rendered to SVG, or the reason there is none. */
export async function renderedTrend(analyses: SeriesAnalysis[], roundsOf: (resultId: number) => number[][]): Promise<RenderedFigure | string> {
  const figure = trendChart(analyses, roundsOf);
  if (!figure) return 'history trend: no measured point matches the query';
  return { ...figure, svg: await specToSvg(figure.spec) };
}

export async function writeHistoryPage(outDir: string, trend: RenderedFigure | string, tables: Table[], notes: string[]): Promise<string[]> {
  const ctx: ReportContext = {
    runs: [],
    results: [],
    figures: typeof trend === 'string' ? [] : [trend],
    missingFigures: typeof trend === 'string' ? [trend] : [],
    tables,
    notes,
  };
  await mkdir(outDir, { recursive: true });
  const files = await chartsExporter.write(ctx, outDir);
  const page = path.join(outDir, 'history.html');
  await writeFile(page, htmlReport(ctx, 'm3bench run history'));
  return [...files, page];
}

// Entry point of reports/: turn run directories into every output format.
// The runner calls writeReport() at the end of each run; `m3bench report` calls it on demand.
import { mkdir } from 'node:fs/promises';
import { buildContext } from './context.ts';
import { chartsExporter } from './exporters/charts.ts';
import { csvExporter } from './exporters/csv.ts';
import type { Exporter } from './exporters/exporter.ts';
import { htmlExporter } from './exporters/html.ts';
import { jsonExporter } from './exporters/json.ts';
import { markdownExporter } from './exporters/markdown.ts';
import { loadRuns } from './load.ts';
import { historySection } from './history/for-report.ts';

export const EXPORTERS: Exporter[] = [csvExporter, jsonExporter, chartsExporter, markdownExporter, htmlExporter];

/** `historyDb`: add the trend of the runs' cases from this run history (reports/history/). */
export async function writeReport(runDirs: string[], outDir: string, opts: { historyDb?: string } = {}): Promise<{ files: string[] }> {
  if (runDirs.length === 0) throw new Error('writeReport: no run directory given');
  const ctx = await buildContext(await loadRuns(runDirs));
  if (opts.historyDb) {
    const history = await historySection(ctx.runs, opts.historyDb);
    if (typeof history.trend === 'string') ctx.missingFigures.push(history.trend);
    else ctx.figures.push(history.trend);
    ctx.tables.push(...history.tables);
  }
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const exporter of EXPORTERS) files.push(...(await exporter.write(ctx, outDir)));
  return { files };
}

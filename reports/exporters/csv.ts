// results.csv of the report: the same format as the run directory's (core/run-dir.ts).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RESULTS_CSV, resultsToCsv } from '../../core/run-dir.ts';
import type { Exporter } from './exporter.ts';

export const csvExporter: Exporter = {
  name: 'csv',
  async write(ctx, outDir) {
    const file = path.join(outDir, RESULTS_CSV);
    await writeFile(file, resultsToCsv(ctx.results));
    return [file];
  },
};

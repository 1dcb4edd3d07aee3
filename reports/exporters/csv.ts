// results.csv: one row per case with its statistics and derived figures (csv-stringify).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Result } from '../../core/types.ts';
import type { Exporter } from './exporter.ts';

const CASE_FIELDS = ['id', 'test', 'mechanism', 'size', 'placement', 'pairs', 'spin', 'target', 'profile', 'repetition'] as const;
const STATS_FIELDS = ['n', 'iterationsPerBatch', 'mean', 'p50', 'p75', 'p99', 'min', 'max', 'sd', 'rme', 'moe'] as const;

export function resultsToCsv(results: Result[]): string {
  const derivedKeys = [...new Set(results.flatMap((r) => Object.keys(r.derived ?? {})))].sort();
  const header = [...CASE_FIELDS, 'status', 'note', ...STATS_FIELDS.map((f) => `ns_${f}`), ...derivedKeys];
  const rows = results.map((r) => [
    ...CASE_FIELDS.map((f) => r.case[f] ?? ''),
    r.status,
    r.reason ?? r.error ?? '',
    ...STATS_FIELDS.map((f) => r.stats?.[f] ?? ''),
    ...derivedKeys.map((k) => r.derived?.[k] ?? ''),
  ]);
  return stringify([header, ...rows]);
}

export const csvExporter: Exporter = {
  name: 'csv',
  async write(ctx, outDir) {
    const file = path.join(outDir, 'results.csv');
    await writeFile(file, resultsToCsv(ctx.results));
    return [file];
  },
};

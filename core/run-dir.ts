// The files of a run directory. results.jsonl is appended synchronously as each case ends, so a
// crash or kill keeps every case that finished; results.csv is written from it at the end.
import { stringify } from 'csv-stringify/sync';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { recordedOffsets } from './copy-mode.ts';
import { isCopyTest, type Manifest, type Result } from './types.ts';

export const RESULTS_JSONL = 'results.jsonl';
export const RESULTS_CSV = 'results.csv';
export const MANIFEST_JSON = 'manifest.json';

export function appendResult(runDir: string, result: Result): void {
  appendFileSync(path.join(runDir, RESULTS_JSONL), `${JSON.stringify(result)}\n`);
}

/**
 * Every line of a results.jsonl text (`file`: where it came from, for messages), in order (one per
 * case and round), as parsed JSON. A line that is not JSON is an error, or — with `onTornLine` —
 * handed to it and skipped (a run killed mid-write leaves a torn last line; the lines before it
 * are good).
 */
export function parseResultLines(text: string, file: string, onTornLine?: (lineNumber: number) => void): Result[] {
  return text.split('\n').flatMap((l, i) => {
    if (l.trim() === '') return [];
    try {
      return [JSON.parse(l) as Result];
    } catch {
      if (!onTornLine) throw new Error(`${file} line ${i + 1}: not JSON`);
      onTornLine(i + 1);
      return [];
    }
  });
}

/** Every line of a run's results.jsonl (parseResultLines). */
export function readResultLines(runDir: string, onTornLine?: (lineNumber: number) => void): Result[] {
  const file = path.join(runDir, RESULTS_JSONL);
  return parseResultLines(readFileSync(file, 'utf8'), file, onTornLine);
}

export function readManifest(runDir: string): Manifest {
  const file = path.join(runDir, MANIFEST_JSON);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

export function writeManifest(runDir: string, manifest: Manifest): void {
  writeFileSync(path.join(runDir, MANIFEST_JSON), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Derived figures with a column of their own: the column (its name carries the unit), the key in `derived`. */
const DERIVED_COLUMNS: Array<[string, string]> = [
  ['round_trips_per_s', 'roundTripsPerSec'],
  ['msgs_per_s_2x_round_trips', 'msgsPerSec'],
  ['us_per_round_trip', 'usPerRoundTrip'],
  ['copies_per_s', 'copiesPerSec'],
  ['gb_per_s', 'gbPerSec'],
  ['cpu_us_per_iteration', 'cpuUsPerIteration'],
  ['msgs_per_cpu_s', 'msgsPerCpuSec'],
  ['copies_per_cpu_s', 'copiesPerCpuSec'],
  ['busy_cpus', 'busyCpus'],
];

/** One row per case. Column names carry their units; msgs/s is 2 × round trips/s (the paper's rule). */
const CSV_COLUMNS: Array<[string, (r: Result) => unknown]> = [
  ['id', (r) => r.case.id],
  ['test', (r) => r.case.test],
  ['mechanism', (r) => r.case.mechanism],
  ['placement', (r) => r.case.placement],
  ['size_bytes', (r) => r.case.size],
  ['pairs', (r) => r.case.pairs],
  ['target', (r) => r.case.target],
  ['config', (r) => r.case.config],
  ['profile', (r) => r.case.profile],
  ['repetition', (r) => r.case.repetition],
  // COPY only; an old COPY row (no mode recorded) says "unrecorded" rather than pass for sync.
  ['copy_mode', (r) => (isCopyTest(r.case.test) ? (r.case.copyMode ?? 'unrecorded') : undefined)],
  ['burst', (r) => r.case.burst],
  ['src_offset', (r) => recordedOffsets(r.case)?.[0]],
  ['dst_offset', (r) => recordedOffsets(r.case)?.[1]],
  ['status', (r) => r.status],
  ['reason_or_error', (r) => r.reason ?? r.error ?? ''],
  ['batches', (r) => r.stats?.n],
  ['iterations_per_batch', (r) => r.stats?.iterationsPerBatch],
  ['mean_ns', (r) => r.stats?.mean],
  ['p50_ns', (r) => r.stats?.p50],
  ['p75_ns', (r) => r.stats?.p75],
  ['p99_ns', (r) => r.stats?.p99],
  ['min_ns', (r) => r.stats?.min],
  ['max_ns', (r) => r.stats?.max],
  ['sd_ns', (r) => r.stats?.sd],
  ['rme_percent', (r) => r.stats?.rme],
  ...DERIVED_COLUMNS.map(([name, key]): [string, (r: Result) => unknown] => [name, (r) => r.derived?.[key]]),
  ['started_at', (r) => r.startedAt],
  ['ended_at', (r) => r.endedAt],
];

/** Derived figures without a column of their own (e.g. tests A/B rates) get one by their own name. */
const NAMED_DERIVED = new Set(DERIVED_COLUMNS.map(([, key]) => key));

/** The one results.csv format: the run directory's and the report's. */
export function resultsToCsv(results: Result[]): string {
  const extra = [...new Set(results.flatMap((r) => Object.keys(r.derived ?? {})))].filter((k) => !NAMED_DERIVED.has(k)).sort();
  const header = [...CSV_COLUMNS.map(([name]) => name), ...extra];
  const rows = results.map((r) => [...CSV_COLUMNS.map(([, get]) => get(r) ?? ''), ...extra.map((k) => r.derived?.[k] ?? '')]);
  return stringify([header, ...rows]);
}

export function writeCsv(runDir: string, results: Result[]): void {
  writeFileSync(path.join(runDir, RESULTS_CSV), resultsToCsv(results));
}

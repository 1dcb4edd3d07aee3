// The baseline `m3bench check --history` judges a new run against: per case, the history of the
// same case on the same host under the same configuration since its last change point (at most
// the newest `maxRuns` runs), pooled into one result whose rounds are every round of those runs.
// compare/check resample rounds before batches (reports/stats.ts), so runs that disagree widen
// the interval: the baseline carries the run-to-run noise that one baseline run cannot show.
import { pooledStats } from '../../core/rounds.ts';
import { ManifestSchema, parseJsonWith } from '../../core/schemas.ts';
import type { Manifest, Result } from '../../core/types.ts';
import type { LoadedRun } from '../load.ts';
import { filingOf, machineOf, runKeyOf } from './axes.ts';
import { analyseSeries, currentSegment } from './changes.ts';
import type { HistoryDb } from './db.ts';
import { querySeries, roundsOfPoint } from './query.ts';

export interface BaselineOptions {
  /** Newest runs of the current segment pooled per case. */
  maxRuns?: number;
  /** Fewer runs than this since the last change point: the case is not judged. */
  minRuns?: number;
}

export const BASELINE_DEFAULTS = { maxRuns: 20, minRuns: 3 } as const;

export interface HistoryBaseline {
  run: LoadedRun;
  /** Why a case of the new run has no baseline, by case id. */
  missing: Map<string, string>;
}

/** The manifest of the newest run in the history: what `check --history` repeats when it makes the new run. */
function newestManifest(db: HistoryDb, file: string): Manifest {
  const row = db.prepare('SELECT name, manifest_json AS json FROM runs ORDER BY order_time DESC, started_at DESC LIMIT 1').get() as
    | { name: string; json: string }
    | undefined;
  if (!row) throw new Error(`${file}: the run history is empty: import runs first (m3bench db import RUN_DIR...)`);
  return parseJsonWith(ManifestSchema, row.json, `${file}: run ${row.name}: manifest`) as unknown as Manifest;
}

/** The history as a run of no results, its newest run's manifest: what stands for the baseline until the new run exists. */
export function historyTemplate(db: HistoryDb, file: string): LoadedRun {
  return { dir: `${file} (history)`, manifest: newestManifest(db, file), results: [], badLines: 0 };
}

async function baselineOf(db: HistoryDb, next: LoadedRun, r: Result, opts: Required<BaselineOptions>): Promise<Result | string> {
  if (r.status !== 'ok' || !r.stats || !r.samples?.length) return `not measured in the new run (${r.status})`;
  const { target, config, caseId } = filingOf(next.manifest, r);
  const host = machineOf(next.manifest, target, config);
  const newKey = runKeyOf(next.manifest);
  const series = querySeries(db, { cases: [caseId.replace(/[*?[]/g, '[$&]')], configs: [config] }).find(
    (s) => s.hostIdentity === host.identity,
  );
  if (series) series.points = series.points.filter((p) => p.runKey !== newKey);
  if (!series?.points.length) return `no history of this case on ${host.hostname} (configuration ${config})`;
  const segment = currentSegment(analyseSeries(series), opts.maxRuns);
  if (segment.length < opts.minRuns) return `only ${segment.length} run(s) in the history since its last change point (${opts.minRuns} needed)`;
  const rounds = segment.flatMap((p) => roundsOfPoint(db, p.resultId)).filter((round) => round.length > 0);
  const samples = rounds.flat();
  const stats = await pooledStats(samples, r.stats.iterationsPerBatch);
  return { ...r, stats, samples, roundSizes: rounds.map((round) => round.length), detail: { historyRuns: segment.map((p) => p.run) } };
}

export async function historyBaseline(db: HistoryDb, file: string, next: LoadedRun, options: BaselineOptions = {}): Promise<HistoryBaseline> {
  const opts = { ...BASELINE_DEFAULTS, ...options };
  const results: Result[] = [];
  const missing = new Map<string, string>();
  for (const r of next.results) {
    const base = await baselineOf(db, next, r, opts);
    if (typeof base === 'string') missing.set(r.case.id, base);
    else results.push(base);
  }
  return { run: { ...historyTemplate(db, file), results }, missing };
}

// Reads series out of the history: every measured point of a case on one host under one
// configuration, in order (reports/history/axes.ts), filtered by the axes. Samples are read only
// when asked for (intervals, a baseline for check --history): the medians are enough for tables
// and change points.
import type { HistoryDb } from './db.ts';

export interface HistoryFilter {
  /** Case ids; `*` and `?` match like a shell glob (IPC1/pipe/*). */
  cases?: string[];
  mechanisms?: string[];
  tests?: string[];
  placements?: string[];
  /** Host names (as the target's fingerprint names the machine). */
  hosts?: string[];
  configs?: string[];
  suites?: string[];
  /** Only runs started at or after this time (ISO date or date-time). */
  since?: string;
}

/** One run's measurement of a series' case. */
export interface Point {
  resultId: number;
  run: string;
  runKey: string;
  startedAt: string;
  orderTime: string;
  commit: string | null;
  commitDate: string | null;
  dirty: boolean | null;
  kernel: string;
  cmdline: string | null;
  synthetic: boolean;
  /** Median time per iteration over every batch of every round, ns. */
  medianNs: number;
  batches: number | null;
}

/** What the points of a series share: the case, the host's identity and the configuration. */
interface SeriesAxes {
  caseId: string;
  test: string;
  mechanism: string;
  placement: string;
  size: number;
  pairs: number;
  hostIdentity: string;
  config: string;
}

export interface Series extends SeriesAxes {
  /** case / host / configuration: what makes the points comparable. */
  key: string;
  host: string;
  points: Point[];
}

/**
 * WHERE clauses on `results r` and their parameters (every value bound). Conditions on runs and
 * hosts are subqueries, evaluated once, rather than joins looked up for every result.
 */
function whereOf(f: HistoryFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const anyOf = (column: string, values: string[] | undefined, op = '=') => {
    if (!values?.length) return [];
    params.push(...values);
    return [`(${values.map(() => `${column} ${op} ?`).join(' OR ')})`];
  };
  const clauses = [
    "r.status = 'ok'",
    'r.median_ns IS NOT NULL',
    ...anyOf('r.case_id', f.cases, 'GLOB'),
    ...anyOf('r.mechanism', f.mechanisms),
    ...anyOf('r.test', f.tests),
    ...anyOf('r.placement', f.placements),
    ...anyOf('r.config', f.configs),
  ];
  const hosts = anyOf('hostname', f.hosts);
  if (hosts.length) clauses.push(`r.host_id IN (SELECT id FROM hosts WHERE ${hosts[0]})`);
  const runs = anyOf('suite', f.suites);
  if (f.since) {
    const t = Date.parse(f.since);
    if (Number.isNaN(t)) throw new Error(`--since: not a date: "${f.since}" (e.g. 2026-11-01 or 2026-11-01T12:00Z)`);
    runs.push('order_time >= ?');
    params.push(new Date(t).toISOString());
  }
  if (runs.length) clauses.push(`r.run_id IN (SELECT id FROM runs WHERE ${runs.join(' AND ')})`);
  return { sql: clauses.join(' AND '), params };
}

/** What the points of one run share; read once per run, not once per point. */
type RunFields = Pick<Point, 'run' | 'runKey' | 'startedAt' | 'orderTime' | 'commit' | 'commitDate' | 'dirty' | 'synthetic'>;

function runsById(db: HistoryDb): Map<number, RunFields> {
  const rows = db
    .prepare(
      `SELECT id, name AS run, run_key AS runKey, started_at AS startedAt, order_time AS orderTime, git_commit AS "commit",
              commit_date AS commitDate, git_dirty AS dirty, synthetic FROM runs`,
    )
    .all() as Array<Omit<RunFields, 'dirty' | 'synthetic'> & { id: number; dirty: number | null; synthetic: number }>;
  return new Map(rows.map(({ id, dirty, synthetic, ...r }) => [id, { ...r, dirty: dirty === null ? null : Boolean(dirty), synthetic: Boolean(synthetic) }]));
}

/** Host names by host id, with the start of the identity when two machines share a name. */
function hostLabels(db: HistoryDb): Map<number, { label: string; identity: string }> {
  const hosts = db.prepare('SELECT id, hostname, identity FROM hosts').all() as Array<{ id: number; hostname: string; identity: string }>;
  const named = new Map<string, number>();
  for (const h of hosts) named.set(h.hostname, (named.get(h.hostname) ?? 0) + 1);
  return new Map(hosts.map((h) => [h.id, { label: named.get(h.hostname)! > 1 ? `${h.hostname}#${h.identity.slice(0, 6)}` : h.hostname, identity: h.identity }]));
}

interface Row extends Omit<SeriesAxes, 'hostIdentity'> {
  resultId: number;
  runId: number;
  hostId: number;
  kernel: string;
  cmdline: string | null;
  medianNs: number;
  batches: number | null;
}

const byTime = (a: Point, b: Point) => (a.orderTime === b.orderTime ? (a.startedAt < b.startedAt ? -1 : 1) : a.orderTime < b.orderTime ? -1 : 1);

export function querySeries(db: HistoryDb, filter: HistoryFilter = {}): Series[] {
  const { sql, params } = whereOf(filter);
  // Only the results' own columns per row: what runs and hosts share is read once (above) and
  // joined here in memory, several times faster than reading it again for each of 100,000 points.
  const rows = db
    .prepare(
      `SELECT r.id AS resultId, r.run_id AS runId, r.host_id AS hostId, r.case_id AS caseId, r.test, r.mechanism, r.placement, r.size,
              r.pairs, r.config, r.kernel, r.cmdline, r.median_ns AS medianNs, r.batches
       FROM results r
       WHERE ${sql}`,
    )
    .all(...params) as Row[];
  const runs = runsById(db);
  const hosts = hostLabels(db);
  const series = new Map<string, Series>();
  for (const { resultId, runId, hostId, kernel, cmdline, medianNs, batches, ...axes } of rows) {
    const host = hosts.get(hostId)!;
    const key = `${axes.caseId} / ${host.label} / ${axes.config}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { key, ...axes, host: host.label, hostIdentity: host.identity, points: [] }));
    s.points.push({ resultId, ...runs.get(runId)!, kernel, cmdline, medianNs, batches });
  }
  for (const s of series.values()) s.points.sort(byTime);
  return [...series.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A point's batches grouped by round, as core/rounds.ts keeps them (for the bootstrap by rounds). */
export function roundsOfPoint(db: HistoryDb, resultId: number): number[][] {
  const rows = db.prepare('SELECT round, ns FROM samples WHERE result_id = ? ORDER BY batch').all(resultId) as Array<{ round: number; ns: number }>;
  const rounds = new Map<number, number[]>();
  for (const { round, ns } of rows) {
    let samples = rounds.get(round);
    if (!samples) rounds.set(round, (samples = []));
    samples.push(ns);
  }
  return [...rounds.values()];
}

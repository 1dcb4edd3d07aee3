// Opens the run history: one SQLite file (better-sqlite3). WAL and a busy timeout, so that two
// processes importing at once both succeed (writers wait for each other, readers never block);
// the schema is brought up to date by reports/history/migrations.ts. A file that is not ours —
// not SQLite, another program's database, corrupt, or written by a newer m3bench — is refused
// with a message saying so, and left exactly as it was.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';

export type HistoryDb = Database.Database;

/** "m3bh": marks the file as an m3bench history, so that any other SQLite file is refused. */
const APPLICATION_ID = 0x6d336268;

/** How long a writer waits for another one (a 1,000-run import holds the lock one run at a time). */
const BUSY_TIMEOUT_MS = 60_000;

/** --db default: $M3BENCH_DB, else runs.db in the working directory. */
export function defaultDbFile(): string {
  return process.env.M3BENCH_DB || 'runs.db';
}

interface FileState {
  applicationId: number;
  version: number;
  objects: number;
}

/** One statement, so that the three values come from one snapshot even while another process migrates. */
function fileState(db: HistoryDb): FileState {
  return db
    .prepare(
      `SELECT (SELECT application_id FROM pragma_application_id()) AS applicationId,
              (SELECT user_version FROM pragma_user_version()) AS version,
              (SELECT count(*) FROM sqlite_schema) AS objects`,
    )
    .get() as FileState;
}

/** Why this file cannot be used as it is, or undefined when it is ours (or empty, to be made ours). */
function refusal(state: FileState): string | undefined {
  if (state.applicationId === 0 && state.version === 0) {
    return state.objects === 0 ? undefined : 'an SQLite database of another program (it has tables but no m3bench mark)';
  }
  if (state.applicationId !== APPLICATION_ID) return `an SQLite database of another program (application_id ${state.applicationId})`;
  if (state.version > SCHEMA_VERSION) {
    return `written by a newer m3bench (schema v${state.version}; this one knows up to v${SCHEMA_VERSION}): upgrade m3bench to use it`;
  }
  return undefined;
}

/** A file that is not (or no longer) a history this m3bench may write. */
class RefusedFile extends Error {}

function refuseIfNotOurs(db: HistoryDb): FileState {
  const state = fileState(db);
  const why = refusal(state);
  if (why) throw new RefusedFile(why);
  return state;
}

function migrate(db: HistoryDb): void {
  // Up to date: nothing is written (not even the same version again: a write is a checkpoint into the file).
  if (refuseIfNotOurs(db).version === SCHEMA_VERSION) return;
  // IMMEDIATE: two processes opening a new file at once take turns; the second sees it done.
  db.transaction(() => {
    const state = refuseIfNotOurs(db);
    if (state.version === SCHEMA_VERSION) return;
    for (let v = state.version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** The error of an SQLite call, with the file named and what to do about it. */
export function historyError(file: string, err: unknown): Error {
  const code = (err as { code?: string }).code;
  const what = (err as Error).message;
  if (code === 'SQLITE_NOTADB') return new Error(`${file}: not an m3bench run history (not an SQLite database, or damaged); it was left as it is`);
  if (code?.startsWith('SQLITE_CORRUPT')) {
    return new Error(`${file}: the run history is corrupt (${what}); it was left as it is — restore a copy, or move it aside to start a new one`);
  }
  return new Error(`${file}: ${what}`, { cause: err });
}

export interface OpenOptions {
  /** Refuse to create the file (queries: a missing history is a mistake, not an empty one). */
  mustExist?: boolean;
}

export function openHistory(file: string, opts: OpenOptions = {}): HistoryDb {
  if (opts.mustExist && !existsSync(file)) {
    throw new Error(`${file}: no run history there (runs import themselves when they end; older ones: m3bench db import RUN_DIR...)`);
  }
  let db: HistoryDb | undefined;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    // Refuse before anything writes: switching to WAL alone would rewrite another program's file header.
    refuseIfNotOurs(db);
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
    // NORMAL is safe with WAL: a crash can lose the last transaction, never consistency.
    db.pragma('synchronous = NORMAL');
    // 64 MiB of page cache (the default is 2 MiB): an import appends ~150 KiB of pages per run.
    db.pragma('cache_size = -65536');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof RefusedFile) throw new Error(`${file}: ${(err as Error).message}; it was left as it is`);
    throw historyError(file, err);
  }
}

// The --db option the history commands share (db, history, check --history, report, run), and
// opening the file for the length of one command.
import { defaultDbFile, type HistoryDb, historyError, openHistory, type OpenOptions } from '../../reports/history/db.ts';
import { importRun } from '../../reports/history/import.ts';

export const dbOption = {
  type: 'string',
  describe: 'run history database (default: $M3BENCH_DB, else runs.db in the working directory)',
} as const;

/** Opens the history at `file` (default: defaultDbFile()), runs `use`, and closes it whatever happens. */
export async function withHistory<T>(file: string | undefined, opts: OpenOptions, use: (db: HistoryDb, file: string) => T | Promise<T>): Promise<T> {
  const name = file ?? defaultDbFile();
  const db = openHistory(name, opts);
  try {
    return await use(db, name);
  } catch (err) {
    // Damage found after opening (a page read mid-query) is named like damage found on opening.
    throw (err as { code?: string }).code?.startsWith('SQLITE_') ? historyError(name, err) : err;
  } finally {
    db.close();
  }
}

/**
 * The end of `m3bench run`: the run adds itself to the history (`db` false: --no-db). A history
 * that cannot be written is a warning, never a failed run: the run directory is what counts.
 */
export async function recordInHistory(runDir: string, db: string | false | undefined): Promise<void> {
  if (db === false) return;
  const file = db ?? defaultDbFile();
  try {
    const outcome = await withHistory(file, {}, (h) => importRun(h, runDir));
    process.stderr.write(`history: ${outcome.action === 'unchanged' ? 'already in' : `${outcome.action} into`} ${file}\n`);
  } catch (err) {
    process.stderr.write(`warning: run not added to the history: ${(err as Error).message} (later: m3bench db import ${runDir})\n`);
  }
}

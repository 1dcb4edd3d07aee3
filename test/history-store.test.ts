// The run-history store (reports/history/): idempotent import, what a run is stored as, files
// that are not a history refused and left alone, two processes importing at once, and a process
// killed mid-import. Every run here is synthetic (fixtures/runs/synthetic-history.ts), written
// into a temporary directory.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { writeSyntheticRuns } from '../fixtures/runs/synthetic-history.ts';
import { type HistoryDb, openHistory } from '../reports/history/db.ts';
import { importRun } from '../reports/history/import.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts')];
const work = mkdtempSync(path.join(tmpdir(), 'm3bench-history-store-'));
after(() => rmSync(work, { recursive: true, force: true }));

let dirCount = 0;
const freshDir = () => path.join(work, `t${++dirCount}`);
/** pipe only: 10 cases, each 3 rounds × 12 batches. */
const PIPE = { mechanisms: ['pipe'] };
const PIPE_CASES = 10;
const PIPE_BATCHES = 10 * 3 * 12;

const count = (db: HistoryDb, table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every run in the database is whole: all its cases and all their batches, or nothing. */
function assertWholeRuns(db: HistoryDb): number {
  assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  const perRun = db
    .prepare('SELECT u.name, count(DISTINCT r.id) AS cases, count(s.batch) AS batches FROM runs u LEFT JOIN results r ON r.run_id = u.id LEFT JOIN samples s ON s.result_id = r.id GROUP BY u.id')
    .all() as Array<{ name: string; cases: number; batches: number }>;
  for (const r of perRun) assert.deepEqual([r.cases, r.batches], [PIPE_CASES, PIPE_BATCHES], `run ${r.name} is partial`);
  return perRun.length;
}

describe('history import', () => {
  it('stores a run once: again is a no-op, changed content (a resumed run) replaces it', () => {
    const dir = freshDir();
    const runs = writeSyntheticRuns(dir, { runs: 3, ...PIPE });
    const results = path.join(runs[0]!, 'results.jsonl');
    const full = readFileSync(results, 'utf8');
    writeFileSync(results, `${full.trim().split('\n').slice(0, -3).join('\n')}\n`); // the last case's 3 rounds missing
    const db = openHistory(path.join(dir, 'runs.db'));
    assert.deepEqual(runs.map((r) => importRun(db, r).action), ['imported', 'imported', 'imported']);
    assert.equal(count(db, 'results'), 3 * PIPE_CASES - 1);
    assert.deepEqual(runs.map((r) => importRun(db, r).action), ['unchanged', 'unchanged', 'unchanged']);
    writeFileSync(results, full);
    assert.equal(importRun(db, runs[0]!).action, 'replaced');
    assert.equal(assertWholeRuns(db), 3);
    db.close();
  });

  it('keeps every batch with its round, the axes, and labels synthetic runs', () => {
    const dir = freshDir();
    const [run] = writeSyntheticRuns(dir, { runs: 1, ...PIPE, config: 'isolated', hostname: 'lab7' });
    const db = openHistory(path.join(dir, 'runs.db'));
    importRun(db, run!);
    const row = db
      .prepare(`SELECT r.*, h.hostname, u.synthetic, u.commit_date, u.started_at, u.order_time FROM results r JOIN hosts h ON h.id = r.host_id JOIN runs u ON u.id = r.run_id
                WHERE r.case_id = 'IPC1/pipe/same-cpu/36B/1p'`)
      .get() as Record<string, unknown>;
    assert.equal(row.config, 'isolated', 'configuration from the case');
    assert.equal(row.hostname, 'lab7');
    assert.equal(row.kernel, '6.1.0-synthetic');
    assert.equal(row.synthetic, 1);
    assert.equal(row.order_time, row.started_at, 'ordered by the run start');
    assert.match(String(row.commit_date), /^2026-01-01T00:00:00\.000Z$/, 'the commit date kept beside it');
    assert.deepEqual([row.rounds, row.batches], [3, 36]);
    const samples = db.prepare('SELECT round, ns FROM samples WHERE result_id = ? ORDER BY batch').all(row.id) as Array<{ round: number; ns: number }>;
    assert.deepEqual([...new Set(samples.map((s) => s.round))], [1, 2, 3]);
    const sorted = samples.map((s) => s.ns).sort((a, b) => a - b);
    assert.equal(row.median_ns, (sorted[17]! + sorted[18]!) / 2, 'median over every batch of every round');
    db.close();
  });

  it('skips a torn last line of results.jsonl and says so; a bad field is an error naming it', () => {
    const dir = freshDir();
    const [run, bad] = writeSyntheticRuns(dir, { runs: 2, ...PIPE });
    appendFileSync(path.join(run!, 'results.jsonl'), '{"case":{"id":"IPC1/pi');
    const manifest = JSON.parse(readFileSync(path.join(bad!, 'manifest.json'), 'utf8'));
    writeFileSync(path.join(bad!, 'manifest.json'), JSON.stringify({ ...manifest, suite: 7 }));
    const db = openHistory(path.join(dir, 'runs.db'));
    assert.equal(importRun(db, run!).tornLines, 1);
    assert.throws(() => importRun(db, bad!), /manifest\.json: suite: expected string/);
    assert.equal(count(db, 'runs'), 1);
    db.close();
  });
});

describe('a file that is not a history this m3bench can write', () => {
  const refused = (file: string, message: RegExp) => {
    const before = sha(file);
    assert.throws(() => openHistory(file), message);
    assert.equal(sha(file), before, 'the file was left as it was');
  };

  it('not SQLite at all', () => {
    const file = path.join(work, 'notes.db');
    writeFileSync(file, 'these are my notes, not a database\n'.repeat(200));
    refused(file, /notes\.db: not an m3bench run history \(not an SQLite database, or damaged\); it was left as it is/);
  });

  it("another program's SQLite database", () => {
    const file = path.join(work, 'other.db');
    const other = new Database(file);
    other.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO accounts (name) VALUES (\'x\')');
    other.close();
    refused(file, /an SQLite database of another program/);
  });

  it('written by a newer m3bench', () => {
    const file = path.join(work, 'newer.db');
    openHistory(file).close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    refused(file, /written by a newer m3bench \(schema v99; this one knows up to v1\)/);
  });

  it('a history with damaged pages: db check says so (exit 1), nothing is rewritten', async () => {
    const dir = freshDir();
    const runs = writeSyntheticRuns(dir, { runs: 3, ...PIPE });
    const file = path.join(dir, 'runs.db');
    const db = openHistory(file);
    for (const run of runs) importRun(db, run);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = readFileSync(file);
    bytes.fill(0xa5, 5 * 4096, 9 * 4096); // pages 6–9: b-tree pages of the samples
    writeFileSync(file, bytes);
    const before = sha(file);
    const r = await execa('node', [...CLI, 'db', 'check', '--db', file], { cwd: ROOT, reject: false });
    assert.ok(r.exitCode === 1 ? /DAMAGED/.test(r.stdout) : r.exitCode === 2 && /corrupt|not an m3bench run history/.test(r.stderr), `exit ${r.exitCode}: ${r.stdout}${r.stderr}`);
    assert.equal(sha(file), before);
  });
});

/** Runs committed so far, read by a connection of our own (WAL: it does not block the writer). */
function committedRuns(file: string): number {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT count(*) FROM runs').pluck().get() as number;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created yet
  }
}

describe('concurrent and interrupted imports (child processes)', () => {
  const importer = (file: string, runs: string[]) => spawn(process.execPath, [...CLI, 'db', 'import', '--db', file, ...runs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = (child: ChildProcess) => new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => {
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
  });

  it('two processes importing into one new file at once both succeed, each run stored once', async () => {
    const dir = freshDir();
    const runs = writeSyntheticRuns(dir, { runs: 30, ...PIPE });
    const file = path.join(dir, 'runs.db');
    const [a, b] = await Promise.all([exited(importer(file, runs.slice(0, 20))), exited(importer(file, runs.slice(10)))]);
    assert.equal(a.code, 0, a.output);
    assert.equal(b.code, 0, b.output);
    const db = openHistory(file);
    assert.equal(assertWholeRuns(db), 30);
    db.close();
  });

  it('SIGKILL mid-import leaves only whole runs, and importing again completes the history', async () => {
    const dir = freshDir();
    const runs = writeSyntheticRuns(dir, { runs: 120, ...PIPE });
    const file = path.join(dir, 'runs.db');
    for (const wait of [3, 40]) {
      const child = importer(file, runs);
      const done = exited(child);
      // Kill once the child has committed `wait` more runs than were there (it is then mid-way).
      const start = committedRuns(file);
      for (let i = 0; i < 1500 && committedRuns(file) < start + wait; i++) await sleep(10);
      child.kill('SIGKILL');
      assert.equal((await done).signal, 'SIGKILL');
      const db = openHistory(file);
      const whole = assertWholeRuns(db);
      assert.ok(whole > 0 && whole < runs.length, `${whole} runs after the kill`);
      db.close();
    }
    const again = await exited(importer(file, runs));
    assert.equal(again.code, 0, again.output);
    const db = openHistory(file);
    assert.equal(assertWholeRuns(db), runs.length);
    db.close();
  });
});

// The run-history commands end to end: `db import`, `history` (table, change points, trend chart,
// CSV/JSON export), `check --history`, `report --db`, and a run adding itself when it ends.
// The history is synthetic (fixtures/runs/synthetic-history.ts, in a temporary directory): 40
// paper-suite runs of pipe and eventfd with pipe planted 10 % slower from run 20 on.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { writeSyntheticRuns } from '../fixtures/runs/synthetic-history.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'm3bench.js');
const FAKE_WORKER = path.join(ROOT, 'test', 'fixtures', 'core-fake-worker.mjs');
const work = mkdtempSync(path.join(tmpdir(), 'm3bench-history-cli-'));
const db = path.join(work, 'history.db');
const m3bench = (argv: string[], env: Record<string, string> = {}) =>
  execa('node', [BIN, ...argv], { cwd: work, reject: false, env: { M3BENCH_DB: '', ...env } });

const MECHANISMS = ['pipe', 'eventfd'];
const PLANTED_AT = 20;
let runs: string[];

before(async () => {
  runs = writeSyntheticRuns(path.join(work, 'history'), {
    runs: 40,
    mechanisms: MECHANISMS,
    factor: (i, c) => (c.mechanism === 'pipe' && i >= PLANTED_AT ? 1.1 : 1),
  });
  const r = await m3bench(['db', 'import', '--db', db, ...runs]);
  assert.equal(r.exitCode, 0, r.stderr);
});
after(() => rmSync(work, { recursive: true, force: true }));

/** One more synthetic run after the history, pipe at `pipeFactor` × the level since the change. */
function newRun(name: string, pipeFactor: number): string {
  const [dir] = writeSyntheticRuns(path.join(work, name), {
    runs: 1,
    seed: 99,
    mechanisms: MECHANISMS,
    start: '2026-02-01T00:00:00.000Z',
    factor: (_i, c) => (c.mechanism === 'pipe' ? 1.1 * pipeFactor : 1),
  });
  return dir!;
}

describe('db import', () => {
  it('a second import of the same runs changes nothing', async () => {
    const r = await m3bench(['db', 'import', '--db', db, runs[3]!, runs[4]!]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /synthetic-0003: already in the history, unchanged/);
    const check = await m3bench(['db', 'check', '--db', db]);
    assert.match(check.stdout, /schema v1, 40 runs, 800 results, 28,800 batches, 1 hosts/);
    assert.match(check.stdout, /db: ok/);
  });

  it('a directory that is not a run is named, the others are imported, exit 2', async () => {
    const r = await m3bench(['db', 'import', '--db', path.join(work, 'other.db'), work, runs[0]!]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /not a run directory \(no manifest\.json\)/);
    assert.match(r.stdout, /db: 1 of 2 run\(s\)/);
  });
});

describe('history', () => {
  it('finds the planted change in both pipe IPC1 series, at run 20 with its commit, and draws the trend', async () => {
    const out = path.join(work, 'trend');
    const csv = path.join(work, 'pipe.csv');
    const r = await m3bench(['history', '--db', db, '--mechanism', 'pipe', '--test', 'IPC1', '--out', out, '--export', csv]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /## Run history: 2 series/);
    assert.match(r.stdout, /## Change points: 2/);
    const commit = JSON.parse(readFileSync(path.join(runs[PLANTED_AT]!, 'manifest.json'), 'utf8')).git.revision.slice(0, 10);
    for (const placement of ['same-cpu', 'cross-cpu']) {
      assert.match(r.stdout, new RegExp(`\\| IPC1/pipe/${placement}/36B/1p \\| synthetic-host \\| default \\| synthetic-0020 \\| ${commit} \\| [^|]+ \\| [^|]+ \\| [^|]+ \\| \\+(9|10|11)\\.\\d % \\|`));
    }
    for (const f of ['history-trend.vl.json', 'history-trend.svg', 'history-trend.png', 'history.html']) assert.ok(existsSync(path.join(out, f)), f);
    assert.match(readFileSync(path.join(out, 'history.html'), 'utf8'), /<h1>m3bench run history<\/h1>[\s\S]*<svg[\s\S]*Change points: 2/);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(rows.length, 1 + 2 * 40);
    const changed = rows.filter((l) => /,synthetic-0020,/.test(l));
    assert.equal(changed.length, 2);
    for (const l of changed) assert.match(l, /,(9|10|11)\.\d+,0\.00\d+$/);
  });

  it('reports no change for the mechanism nothing was planted in', async () => {
    const r = await m3bench(['history', '--db', db, '--mechanism', 'eventfd', '--no-chart']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /## Run history: \d+ series/);
    assert.match(r.stdout, /## Change points: none/);
  });

  it('one series: every run is listed, and the JSON export holds the change', async () => {
    const json = path.join(work, 'one.json');
    const r = await m3bench(['history', 'IPC1/pipe/same-cpu/*', '--db', db, '--no-chart', '--export', json]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /## IPC1\/pipe\/same-cpu\/36B\/1p on synthetic-host, configuration default/);
    assert.equal(r.stdout.match(/^\| synthetic-00\d\d \(synthetic\) \|/gm)?.length, 40);
    const body = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(body.series.length, 1);
    assert.deepEqual(body.series[0].changes.map((c: { run: string }) => c.run), ['synthetic-0020']);
  });

  it('--since and --host narrow the query; a missing history is an error, not an empty one', async () => {
    const since = await m3bench(['history', '--db', db, '--mechanism', 'pipe', '--test', 'IPC1', '--placement', 'same-cpu', '--since', '2026-01-02T10:00Z', '--no-chart']);
    assert.match(since.stdout, /\| IPC1\/pipe\/same-cpu\/36B\/1p \| synthetic-host \| default \| 6 \|/, 'runs 34–39 start at 10:00 or later');
    const host = await m3bench(['history', '--db', db, '--host', 'lab9', '--no-chart']);
    assert.match(host.stdout, /history: no measured run in .* matches/);
    const missing = await m3bench(['history', '--db', path.join(work, 'nothing.db')]);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /nothing\.db: no run history there/);
  });
});

describe('check --history', () => {
  it('passes a run like the history since its change point, and then holds it', async () => {
    const r = await m3bench(['check', '--history', '--db', db, '--new', newRun('aa', 1)]);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /check: PASS/);
    assert.match(r.stdout, /Baseline: the run history .*history\.db, per case the newest ≤ 20 runs since its last change point/);
    assert.match(r.stdout, /The new run is now in the history/);
    assert.match((await m3bench(['db', 'check', '--db', db])).stdout, /41 runs/);
  });

  it('fails a run with pipe 15 % slower, naming pipe only', async () => {
    const r = await m3bench(['check', '--history', '--db', db, '--new', newRun('slow', 1.15)]);
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /check: FAIL — \d+ regressed case\(s\), mechanism\(s\): pipe$/m);
  });

  it('wants --baseline or --history, not both', async () => {
    const r = await m3bench(['check', '--history', '--baseline', runs[0]!, '--new', runs[1]!]);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /give either --baseline RUN_DIR or --history/);
  });
});

describe('the history elsewhere', () => {
  it('report --db puts the trend of the run\'s cases into report.html', async () => {
    const out = path.join(work, 'report');
    const r = await m3bench(['report', runs[39]!, '--db', db, '--out', out]);
    assert.equal(r.exitCode, 0, r.stderr);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.match(html, /<figure id="history-trend"/);
    assert.match(html, /Change points: \d+/);
    assert.ok(existsSync(path.join(out, 'history-trend.png')));
  });

  it('a run adds itself to the history when it ends; --no-db leaves no database behind', async () => {
    const runDb = path.join(work, 'mine.db');
    const env = { M3BENCH_WORKER: FAKE_WORKER };
    const args = ['run', '--suite', 'smoke', '--mechanism', 'pipe', '--test', 'IPC1', '--time', '0.05', '--rounds', '1', '--no-report'];
    const r = await m3bench([...args, '--out', path.join(work, 'run1'), '--db', runDb], env);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`history: imported into ${runDb.replace(/[.]/g, '\\.')}`));
    assert.match((await m3bench(['db', 'check', '--db', runDb])).stdout, /1 runs, 1 results/);
    const quiet = await m3bench([...args, '--out', path.join(work, 'run2'), '--no-db'], env);
    assert.equal(quiet.exitCode, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /history:/);
    assert.ok(!existsSync(path.join(work, 'runs.db')), 'no runs.db in the working directory');
  });
});

// `m3bench check` exit codes on recorded runs: A/A passes, a planted slowdown fails naming the
// mechanism, a bad threshold is a usage error; --export writes github-action-benchmark JSON.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { loadRun } from '../reports/load.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BASE = path.join(ROOT, 'fixtures', 'runs', 'synthetic-paper');
let work: string;
let planted: string;

const m3bench = (...argv: string[]) =>
  execa('node', ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), ...argv], { cwd: ROOT, reject: false });

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'm3bench-check-test-'));
  planted = path.join(work, 'planted');
  await cp(BASE, planted, { recursive: true });
  // Plant a 15 % slowdown in pipe: every per-iteration time of its cases × 1.15.
  const { results } = await loadRun(BASE);
  const slowed = results.map((r) => (r.case.mechanism === 'pipe' && r.samples ? { ...r, samples: r.samples.map((s) => s * 1.15) } : r));
  await writeFile(path.join(planted, 'results.jsonl'), slowed.map((r) => JSON.stringify(r)).join('\n') + '\n');
});
after(() => rm(work, { recursive: true, force: true }));

test('A/A: check passes with exit 0', async () => {
  const r = await m3bench('check', '--baseline', BASE, '--new', BASE);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /check: PASS/);
  assert.match(r.stdout, /\| ✅ \| IPC1\/pipe\/same-cpu\/36B\/1p \|/);
});

test('planted 15 % slowdown: exit 1 naming the mechanism, and only that one', async () => {
  const r = await m3bench('check', '--baseline', BASE, '--new', planted, '--threshold', '5%');
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(r.stdout, /check: FAIL — \d+ regressed case\(s\), mechanism\(s\): pipe$/m);
});

test('the same slowdown passes when the threshold tolerates it', async () => {
  const r = await m3bench('check', '--baseline', BASE, '--new', planted, '--threshold', '30%');
  assert.equal(r.exitCode, 0, r.stdout);
});

test('bad --threshold: exit 2 naming the option, nothing compared', async () => {
  const r = await m3bench('check', '--baseline', BASE, '--new', planted, '--threshold', 'lots');
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /--threshold/);
  assert.equal(r.stdout, '');
});

test('bad thresholds file: exit 2 naming the field', async () => {
  const file = path.join(work, 'thresholds.json');
  await writeFile(file, JSON.stringify({ default: 0.05, tests: { IPC9: 0.1 } }));
  const r = await m3bench('check', '--baseline', BASE, '--new', BASE, '--thresholds', file);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /tests\.IPC9/);
});

test('--export writes one github-action-benchmark entry per ok case', async () => {
  const file = path.join(work, 'bench.json');
  const r = await m3bench('check', '--baseline', BASE, '--new', BASE, '--export', file, '--export-format', 'bigger');
  assert.equal(r.exitCode, 0);
  const entries = JSON.parse(await readFile(file, 'utf8'));
  const ok = (await loadRun(BASE)).results.filter((x) => x.status === 'ok');
  assert.equal(entries.length, ok.length);
  const pipe = entries.find((e: { name: string }) => e.name === 'IPC1/pipe/same-cpu/36B/1p');
  assert.equal(pipe.unit, 'msgs/s');
  assert.ok(pipe.value > 0);
});

test('compare on net-ab A and B runs prints Table 1 side by side with ratios', async () => {
  const fx = path.join(ROOT, 'fixtures', 'runs');
  const r = await m3bench('compare', path.join(fx, 'synthetic-net-a'), path.join(fx, 'synthetic-net-b'));
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /Table 1 side by side/);
  assert.match(r.stdout, /\| NET\/tcp\/unpinned\/counters \(A → B\) \| context switches \(cswch\/s\) \| 42\.00 k \| 30\.50 k \| 0\.726× \|/);
});

test('compare on recorded A and B runs: Table 1 side by side from real counters', async () => {
  const fx = path.join(ROOT, 'fixtures', 'runs');
  const r = await m3bench('compare', path.join(fx, 'recorded-net-a'), path.join(fx, 'recorded-net-b'));
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /\(A → B\) \| context switches \(cswch\/s\) \| [\d.]+( k)? \| [\d.]+( k)? \| [\d.]+× \|/);
  assert.match(r.stdout, /\(A → B\) \| interrupts \(intr\/s\) \|/);
});

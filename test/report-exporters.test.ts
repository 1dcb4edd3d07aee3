// Every exporter writes valid files from the synthetic fixture runs.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { compile } from 'vega-lite';
import { writeReport } from '../reports/index.ts';
import { loadRun } from '../reports/load.ts';
import { buildContext } from '../reports/context.ts';
import { figure1 } from '../reports/charts/figure1.ts';
import { profileTables, table1 } from '../reports/net-tables.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'runs');
const RUNS = ['synthetic-paper', 'synthetic-net-a', 'synthetic-net-b'].map((r) => path.join(FIXTURES, r));
let out: string;
let files: string[];

before(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'm3bench-report-test-'));
  ({ files } = await writeReport(RUNS, out));
});
after(() => rm(out, { recursive: true, force: true }));

const read = (name: string) => readFile(path.join(out, name), 'utf8');

test('writes csv, json, markdown, html and three forms of every figure', () => {
  const names = files.map((f) => path.basename(f));
  for (const n of ['results.csv', 'report.json', 'summary.md', 'report.html']) assert.ok(names.includes(n), n);
  for (const fig of ['figure1-linear', 'figure1-log', 'figure2-linear', 'figure2-log', 'scaling']) {
    for (const ext of ['vl.json', 'svg', 'png']) assert.ok(names.includes(`${fig}.${ext}`), `${fig}.${ext}`);
  }
});

test('CSV has a header and one row per case', async () => {
  const runs = await Promise.all(RUNS.map(loadRun));
  const cases = runs.reduce((n, r) => n + r.results.length, 0);
  const lines = (await read('results.csv')).trim().split('\n');
  assert.equal(lines.length, cases + 1);
  assert.match(lines[0], /^id,test,mechanism,/);
  assert.match(lines[0], /msgs_per_s_2x_round_trips/);
});

test('JSON holds every run manifest and every case with statistics', async () => {
  const body = JSON.parse(await read('report.json'));
  assert.equal(body.runs.length, 3);
  assert.ok(body.results.every((r: { status: string; stats?: unknown }) => r.status !== 'ok' || r.stats));
});

test('vega-lite specs compile, SVGs are SVG in DejaVu Sans, PNGs are PNG', async () => {
  for (const fig of ['figure1-linear', 'figure1-log', 'figure2-linear', 'figure2-log', 'scaling']) {
    const spec = JSON.parse(await read(`${fig}.vl.json`));
    assert.equal(spec.config.font, 'DejaVu Sans');
    assert.ok(compile(spec).spec, fig);
    const svg = await read(`${fig}.svg`);
    assert.match(svg, /^<svg/);
    assert.match(svg, /DejaVu Sans/);
    const png = await readFile(path.join(out, `${fig}.png`));
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  }
});

test('Figure 1: skipped m3-kmod is absent with a footnote, and m3 mechanisms come first', async () => {
  const run = await loadRun(RUNS[0]);
  const f = figure1(run.results, false)!;
  const values = (f.spec as unknown as { data: { values: Array<{ mechanism: string }> } }).data.values;
  assert.ok(!values.some((v) => v.mechanism === 'm3-kmod'));
  assert.ok(f.footnotes.some((n) => n.includes('m3-kmod') && n.includes('kernel module not loaded')));
  const domain = JSON.stringify(f.spec).match(/"domain":\["([^"]+)","([^"]+)"/);
  assert.deepEqual(domain?.slice(1), ['m3-kmod', 'm3-sim']);
});

test('Table 1 and Tables 2/3 show ours beside the paper', async () => {
  const results = (await Promise.all(RUNS.map(loadRun))).flatMap((r) => r.results);
  const t1 = table1(results)!;
  assert.deepEqual(t1.columns, ['measure', 'ours A', 'ours B', 'ours B/A', 'paper A', 'paper B', 'paper B/A']);
  assert.deepEqual(t1.rows[0].slice(1, 4), ['42.00 k', '30.50 k', '0.726×']);
  assert.equal(t1.rows[0][4], '157.2 k');
  assert.ok(t1.notes.some((n) => n.includes('Opteron')));
  const [t2, t3] = profileTables(results);
  assert.equal(t2.rows[0][1], 'copy_user_enhanced_fast_string');
  assert.equal(t2.rows[0][3], 'copy_to_user_ll');
  assert.equal(t3.rows[1][3], 'net_rx_action');
});

test('HTML is self-contained: inline SVG per figure, no external resource', async () => {
  const html = await read('report.html');
  assert.equal(html.match(/<figure /g)?.length, 5);
  assert.ok(!/<(script|link|img)[^>]+(src|href)=/i.test(html));
  assert.match(html, /Table 1/);
  assert.match(html, /synthetic fixture, not a measurement/);
});

test('recorded net-ab run: Table 1 and Tables 2/3 filled from real collector output', async () => {
  const run = await loadRun(path.join(FIXTURES, 'recorded-net-ab'));
  const t1 = table1(run.results)!;
  assert.deepEqual(t1.columns.slice(0, 4), ['measure', 'ours A', 'ours B', 'ours B/A']);
  for (const row of t1.rows.slice(0, 2)) assert.match(row[1], /\d/, `${row[0]} has a value for A`);
  const tables = profileTables(run.results);
  assert.deepEqual(
    tables.map((t) => t.title.split(':')[0]),
    ['Table 2', 'Table 2 per CPU', 'Table 3', 'Table 3 per CPU'],
  );
  for (const t of tables.filter((x) => !x.title.includes('per CPU'))) assert.ok(t.rows[0][1] && Number(t.rows[0][2]) > 0, `${t.title}: our top symbol`);
  const perCpu = tables.find((t) => t.title.startsWith('Table 3 per CPU'))!;
  assert.deepEqual(perCpu.columns, ['rank', 'cpu0: symbol', 'cpu0: %', 'cpu1: symbol', 'cpu1: %']);
});

test('net-ab under two kernel configurations: one Table 1 across them, A of the first beside a B that is a boot', async () => {
  const run = await loadRun(path.join(FIXTURES, 'recorded-net-ab'));
  // As config/kernels/rig-isolation.json measures: A under the host's own boot, B under an isolating one.
  const results = run.results.map((r) => ({ ...r, case: { ...r.case, config: r.case.profile === 'A' ? 'own' : 'isolated' } }));
  const t1 = table1(results)!;
  assert.deepEqual(t1.columns.slice(0, 4), ['measure', 'ours A @ own', 'ours B @ isolated', 'ours B @ isolated/A @ own']);
  assert.deepEqual(t1.rows[0].slice(1, 4), table1(run.results)!.rows[0].slice(1, 4), 'the same figures and ratio as the run had under one boot');
  const { tables } = await buildContext([{ ...run, results }]);
  const across = tables.filter((t) => t.title.includes('across kernel configurations'));
  assert.equal(across.length, 1);
  assert.deepEqual(across[0]!.columns, t1.columns);
  assert.equal(tables.filter((t) => t.title.startsWith('Table 1')).length, 3, 'one per configuration, and the one across them');
});

test('a figure without data is explained, not silently absent', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'm3bench-report-smoke-'));
  try {
    const { files: written } = await writeReport([path.join(FIXTURES, 'recorded-smoke')], dir);
    assert.ok(!written.some((f) => f.includes('scaling')));
    assert.match(await readFile(path.join(dir, 'summary.md'), 'utf8'), /not drawn: Scaling chart: no IPC case measured at two or more pair counts/);
    assert.match(await readFile(path.join(dir, 'report.html'), 'utf8'), /Not drawn: Scaling chart/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a case measured in two runs is shown once, from the run listed last', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'm3bench-report-twice-'));
  try {
    await writeReport([RUNS[0], RUNS[0]], dir);
    const run = await loadRun(RUNS[0]);
    const lines = (await readFile(path.join(dir, 'results.csv'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, run.results.length + 1);
    assert.match(await readFile(path.join(dir, 'summary.md'), 'utf8'), new RegExp(`${run.results.length} case\\(s\\) were measured in more than one run`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

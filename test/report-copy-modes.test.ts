// COPY delivery modes in the reports: Figure 2 draws sync and stream apart, old runs (no mode) are
// labelled as such and never merged with sync, one colour per mechanism across figures, linear
// panels keep far-off reference lines out, and the size sweep is drawn when a run has one.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compile } from 'vega-lite';
import { resultsToCsv } from '../core/run-dir.ts';
import { parseWith, ResultSchema } from '../core/schemas.ts';
import { copySweepChart } from '../reports/charts/copy-sweep.ts';
import { figure1 } from '../reports/charts/figure1.ts';
import { figure2 } from '../reports/charts/figure2.ts';
import type { Figure } from '../reports/charts/style.ts';
import { writeReport } from '../reports/index.ts';
import { type LoadedRun, loadRun } from '../reports/load.ts';
import { resultsTable } from '../reports/results-table.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'runs');
let modes: LoadedRun; // synthetic: both modes, a size × offsets sweep
let old: LoadedRun; // synthetic, made before modes: COPY cases without copyMode
let recorded: LoadedRun; // a real run made before modes

before(async () => {
  [modes, old, recorded] = await Promise.all(['synthetic-copy-modes', 'synthetic-paper', 'recorded-paper'].map((r) => loadRun(path.join(FIXTURES, r))));
});

type Row = { kind: string; mechanism?: string; mode?: string; placement?: string; value: number; hi?: number };
const valuesOf = (f: Figure) => (f.spec as unknown as { data: { values: Row[] } }).data.values;

/** Every mechanism → colour pair the figure's colour scales declare. */
function coloursOf(f: Figure): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as { color?: { field?: string; scale?: { domain?: string[]; range?: string[] } } };
    if (n.color?.field === 'mechanism' && n.color.scale?.domain) n.color.scale.domain.forEach((m, i) => out.set(m, n.color!.scale!.range![i]!));
    for (const v of Object.values(node)) visit(v);
  };
  visit(f.spec);
  return out;
}

describe('Figure 2 with COPY modes', () => {
  it('draws sync and stream as separate columns, the footnotes saying what each means', () => {
    const f = figure2(modes.results, false)!;
    const bars = valuesOf(f).filter((v) => v.kind === 'bar');
    assert.deepEqual([...new Set(bars.map((b) => b.mode))], ['sync', 'stream, 64 blocks/ack']);
    const facet = (f.spec as unknown as { facet: { column: { field: string; sort: string[] } } }).facet;
    assert.equal(facet.column.field, 'mode');
    assert.deepEqual(facet.column.sort, ['sync', 'stream, 64 blocks/ack']);
    assert.ok(f.footnotes.some((n) => n.startsWith('sync: every block is delivered and acknowledged')));
    assert.ok(f.footnotes.some((n) => n.startsWith('stream, N blocks/ack: N = 64 blocks, then one acknowledgement')));
    // The paper's setting only: the sweep's other sizes and misaligned offsets are not bars here.
    assert.equal(bars.length, 2 * 2 * 2 * 4, 'placements × tests × modes × (m3-sim, pipe, unix-stream, pvm)');
    assert.ok(compile(f.spec).spec);
  });

  it('labels an old COPY result "mode unrecorded", explained, never as sync', () => {
    for (const run of [old, recorded]) {
      const f = figure2(run.results, true)!;
      assert.deepEqual([...new Set(valuesOf(f).filter((v) => v.kind === 'bar').map((b) => b.mode))], ['mode unrecorded']);
      assert.ok(f.footnotes.some((n) => n.startsWith('mode unrecorded: a run made before COPY modes') && n.includes('m3 sent one reply per batch')));
      assert.ok(!f.footnotes.some((n) => n.startsWith('sync:')));
    }
    const csv = resultsToCsv(old.results).trim().split('\n');
    const header = csv[0]!.split(',');
    const copyRow = csv.find((l) => l.startsWith('COPY1/pipe/same-cpu'))!.split(',');
    assert.equal(copyRow[header.indexOf('copy_mode')], 'unrecorded');
    assert.equal(copyRow[header.indexOf('src_offset')], '');
  });

  it('linear panels: no reference line far above the bars; named in a footnote instead', () => {
    const f = figure2(modes.results, false)!;
    const values = valuesOf(f);
    const panelMax = new Map<string, number>();
    for (const b of values.filter((v) => v.kind === 'bar')) panelMax.set(`${b.placement}/${b.mode}`, Math.max(panelMax.get(`${b.placement}/${b.mode}`) ?? 0, b.hi!));
    for (const ref of values.filter((v) => v.kind === 'ref')) {
      assert.ok(ref.value <= 2 * panelMax.get(`${ref.placement}/${ref.mode}`)!, `${ref.placement}/${ref.mode}: line at ${ref.value} GB/s dominates the bars`);
    }
    // The synthetic memcpy bound (~25 GB/s) is off every linear panel; the sync panels' bars stay under 6 GB/s, below 16.7 / 2.
    assert.ok(!values.some((v) => v.kind === 'ref' && v.mode === 'sync'));
    assert.ok(f.footnotes.some((n) => n.startsWith('Not drawn on this linear scale') && n.includes('paper bw_mem 16.7 GB/s') && n.includes('memcpy bound')));
    // The log figure draws them all.
    assert.equal(valuesOf(figure2(modes.results, true)!).filter((v) => v.kind === 'ref').length, 2 * 2 * 2);
  });

  it('explains the dashed memcpy line only when the run measured memcpy', () => {
    const dashed = (f: ReturnType<typeof figure2>) => f!.footnotes.some((n) => n.includes('Dashed: memcpy'));
    assert.ok(dashed(figure2(modes.results, true)));
    const withoutMemcpy = modes.results.filter((r) => r.case.mechanism !== 'memcpy');
    assert.ok(!dashed(figure2(withoutMemcpy, true)), 'no dashed line drawn, none explained');
    assert.ok(figure2(withoutMemcpy, true)!.footnotes.some((n) => n.startsWith('Dotted: the paper')));
  });
});

describe('one colour per mechanism', () => {
  it('is the same in Figure 1 and Figure 2, from different runs, and legends list only what is drawn', () => {
    const f1 = coloursOf(figure1(old.results, false)!);
    const f2 = coloursOf(figure2(modes.results, false)!);
    const shared = [...f2.keys()].filter((m) => f1.has(m));
    assert.ok(shared.length >= 3, `mechanisms in both: ${shared.join(', ')}`);
    for (const m of shared) assert.equal(f1.get(m), f2.get(m), m);
    assert.ok(!f1.has('m3-kmod') && !f2.has('m3-kmod'), 'm3-kmod was skipped: not in the legend');
    const old2 = coloursOf(figure2(recorded.results, false)!);
    const rec1 = coloursOf(figure1(recorded.results, false)!);
    for (const m of ['node-messagechannel', 'node-atomics', 'futex', 'pvm']) if (rec1.has(m) && old2.has(m)) assert.equal(rec1.get(m), old2.get(m), m);
    assert.equal(new Set(f1.values()).size, f1.size, 'no two mechanisms of a figure share a colour');
  });
});

describe('COPY size sweep chart', () => {
  it('is drawn for a sweep: one panel per mode and offset pair, the L1 threshold at a 16 KiB block', () => {
    const f = copySweepChart(modes.results)!;
    const values = valuesOf(f) as unknown as Array<{ kind: string; panel: string; mode: string; size: number; mechanism: string }>;
    assert.deepEqual([...new Set(values.filter((v) => v.kind === 'point').map((v) => v.panel))].sort(), ['src+0, dst+0', 'src+0, dst+2048', 'src+64, dst+64']);
    const marks = values.filter((v) => v.kind === 'l1');
    assert.equal(marks.length, 3 * 2);
    assert.ok(marks.every((m) => m.size === 16384));
    assert.ok(f.footnotes.some((n) => n.includes('32 kB L1')));
    assert.ok(compile(f.spec).spec);
  });

  it('is not drawn for a run at one block size', () => {
    assert.equal(copySweepChart(old.results), undefined);
    assert.equal(copySweepChart(recorded.results), undefined);
  });
});

describe('reports of runs with and without modes', () => {
  let out: string;
  before(async () => {
    out = await mkdtemp(path.join(tmpdir(), 'm3bench-copy-modes-'));
  });
  after(() => rm(out, { recursive: true, force: true }));

  it('an old run directory and a new one report together; tables and CSV carry mode, burst and offsets', async () => {
    const { files } = await writeReport([path.join(FIXTURES, 'recorded-paper'), path.join(FIXTURES, 'synthetic-copy-modes')], out);
    for (const n of ['copy-sweep.png', 'figure2-linear.png', 'figure1-linear.png']) assert.ok(files.some((f) => f.endsWith(n)), n);
    const csv = (await readFile(path.join(out, 'results.csv'), 'utf8')).trim().split('\n');
    assert.match(csv[0]!, /,copy_mode,burst,src_offset,dst_offset,/);
    assert.ok(csv.some((l) => l.startsWith('"COPY1/pipe/same-cpu/4096B/1p/stream64/o0,2048",') && l.includes(',stream,64,0,2048,')));
    const table = resultsTable([...recorded.results, ...modes.results]);
    assert.deepEqual(table.columns.slice(0, 3), ['case', 'COPY mode', 'block offsets']);
    const row = (id: string) => table.rows.find((r) => r[0] === id)!;
    assert.deepEqual(row('COPY1/pipe/same-cpu/4096B/1p').slice(1, 3), ['mode unrecorded', '']);
    assert.deepEqual(row('COPY1/pipe/same-cpu/4096B/1p/sync').slice(1, 3), ['sync', 'src+0, dst+0']);
    assert.deepEqual(row('COPY1/pipe/same-cpu/4096B/1p/stream64/o0,2048').slice(1, 3), ['stream, 64 blocks/ack', 'src+0, dst+2048']);
    assert.deepEqual(row('IPC1/pipe/same-cpu/36B/1p').slice(1, 3), ['', '']);
    assert.match(await readFile(path.join(out, 'summary.md'), 'utf8'), /mode unrecorded/);
  });

  it('the run-file schema accepts cases with and without modes, and names a bad mode', () => {
    const line = modes.results.find((r) => r.case.copyMode === 'stream' && r.case.offsets)!;
    assert.ok(parseWith(ResultSchema, line, 'new'));
    assert.ok(parseWith(ResultSchema, old.results.find((r) => r.case.test === 'COPY1')!, 'old'));
    assert.throws(() => parseWith(ResultSchema, { ...line, case: { ...line.case, copyMode: 'fast' } }, 'results.jsonl line 1'), /results.jsonl line 1: case.copyMode: expected "sync" \| "stream", got "fast"/);
  });
});

// The COPY size sweep: GB/s against block size (log x), one line per mechanism, one panel per
// delivery mode (columns) and test/placement/offset pair (rows), with the block size at which
// the working set (source + destination = 2 × block) outgrows a 32 kB L1 marked: the paper
// reports throughput halving there.
import { copyModeLabel, offsetsLabel, offsetsOf } from '../../core/copy-mode.ts';
import type { Result } from '../../core/types.ts';
import { isCopyTest } from '../../core/types.ts';
import { rateInterval } from '../rates.ts';
import { modeFootnotes, modeOrder } from './copy-modes.ts';
import { absentBlock } from './skipped-notes.ts';
import { facetedFigure, mechanismColor, placementLabel, type Figure } from './style.ts';

/** The paper's L1 (Core 2: 32 kB of data cache): a block above half of it no longer fits with its copy. */
const L1_BYTES = 32 * 1024;
const L1_BLOCK = L1_BYTES / 2;

interface PointRow {
  kind: 'point';
  panel: string;
  mode: string;
  mechanism: string;
  size: number;
  value: number;
  lo: number;
  hi: number;
}

const offsetsPart = (r: Result) => offsetsLabel(r.case) || 'offsets unrecorded';

/** A row's label: its offsets, after the test and placement when the sweep has several of them. */
function panelLabeller(results: Result[]): (r: Result) => string {
  const several = new Set(results.map((r) => `${r.case.test} ${r.case.placement}`)).size > 1;
  return (r) => (several ? `${r.case.test} ${placementLabel(r.case.placement)} · ${offsetsPart(r)}` : offsetsPart(r));
}

/** Rows in a reading order: test, placement, then offsets aligned first. */
function panelOrder(results: Result[], panelOf: (r: Result) => string): string[] {
  const key = (r: Result) => [r.case.test, r.case.placement, ...offsetsOf(r.case).map((o) => String(o).padStart(5, '0'))].join(' ');
  const byPanel = new Map<string, string>();
  for (const r of results) if (!byPanel.has(panelOf(r))) byPanel.set(panelOf(r), key(r));
  return [...byPanel.entries()].sort((a, b) => a[1].localeCompare(b[1])).map(([p]) => p);
}

export function copySweepChart(results: Result[]): Figure | undefined {
  const copy = results.filter((r) => isCopyTest(r.case.test) && r.case.pairs === 1);
  // A line needs two sizes: a run at one block size has no sweep (Figure 2 shows it).
  const lineOf = (r: Result) => [r.case.test, r.case.placement, offsetsPart(r), copyModeLabel(r.case), r.case.mechanism].join('\u0000');
  const sizes = new Map<string, Set<number>>();
  for (const r of copy) sizes.set(lineOf(r), (sizes.get(lineOf(r)) ?? new Set()).add(r.case.size));
  const swept = copy.filter((r) => (sizes.get(lineOf(r))?.size ?? 0) >= 2);
  const panelOf = panelLabeller(swept);
  const points: PointRow[] = [];
  for (const r of swept) {
    const rate = rateInterval(r);
    if (!rate) continue;
    points.push({ kind: 'point', panel: panelOf(r), mode: copyModeLabel(r.case), mechanism: r.case.mechanism, size: r.case.size, value: rate.point, lo: rate.lo, hi: rate.hi });
  }
  if (points.length === 0) return undefined;
  const measured = swept.filter((r) => r.status === 'ok');
  const panels = [...new Set(points.map((p) => `${p.panel}\u0000${p.mode}`))].map((k) => k.split('\u0000') as [string, string]);
  const marks = panels.map(([panel, mode]) => ({ kind: 'l1', panel, mode, size: L1_BLOCK, label: '2 × block = 32 kB (L1)' }));
  const allSizes = [...new Set(points.map((p) => p.size))].sort((a, b) => a - b);

  const only = (kind: string) => [{ filter: `datum.kind === '${kind}'` }];
  const x = {
    field: 'size',
    type: 'quantitative' as const,
    title: 'block size (KiB)',
    scale: { type: 'log' as const, base: 2 },
    axis: { values: allSizes, labelExpr: 'datum.value / 1024', grid: true },
  };
  // Log y: memcpy and the kernel paths differ by an order of magnitude; a halving is the same step at any height.
  // Not niced to powers of ten: that leaves a decade of empty panel above and below the lines.
  const yScale = { type: 'log' as const, nice: false, padding: 12 };
  const y = { field: 'value', type: 'quantitative' as const, title: 'throughput (GB/s, log scale)', scale: yScale, axis: { format: '~r' } };
  const footnotes = [
    'GB/s = copies/s x block size / 1e9; points: median, whiskers: 95 % bootstrap interval. Offsets: byte offsets of the source and destination blocks within page-aligned buffers.',
    `Vertical line: a ${L1_BLOCK / 1024} KiB block, above which source + destination (2 × block) exceed a 32 kB L1 data cache; the paper reports copy throughput dropping ~50 % there, and offsets that differ within the page doubling the copy cycles.`,
    ...modeFootnotes(measured),
    ...absentBlock(swept),
  ];
  return facetedFigure({
    name: 'copy-sweep',
    title: 'COPY throughput vs block size, by delivery mode and block offsets',
    footnotes,
    values: [...points, ...marks],
    facet: {
      row: { field: 'panel', type: 'nominal', title: null, sort: panelOrder(swept, panelOf), header: { labelFontWeight: 'bold' } },
      column: { field: 'mode', type: 'nominal', title: null, sort: modeOrder(swept), header: { labelFontWeight: 'bold' } },
    },
    // One y scale: the rows (offset pairs) are meant to be compared at a glance.
    sharedY: true,
    spec: {
      width: 420,
      height: 220,
      layer: [
        { transform: only('l1'), mark: { type: 'rule', color: '#666', strokeDash: [4, 3] }, encoding: { x: { field: 'size', type: 'quantitative', scale: x.scale } } },
        {
          transform: only('l1'),
          mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, y: 4, fontSize: 11, color: '#444' },
          encoding: { x: { field: 'size', type: 'quantitative', scale: x.scale }, text: { field: 'label' } },
        },
        { transform: only('point'), mark: { type: 'line', point: true }, encoding: { x, y, color: mechanismColor(points.map((p) => p.mechanism)) } },
        {
          transform: only('point'),
          mark: { type: 'rule', color: 'black' },
          encoding: { x: { field: 'size', type: 'quantitative', scale: x.scale }, y: { field: 'lo', type: 'quantitative', scale: yScale }, y2: { field: 'hi' }, detail: { field: 'mechanism' } },
        },
      ],
    },
  });
}

// Figure 2 of the M3-IPC paper: COPY1/COPY2 throughput per mechanism, one panel per placement
// (rows) and COPY delivery mode (columns), with the memcpy bound measured on this host as a dashed
// line and the paper's bw_mem bound as a dotted one where they fit the panel's scale.
import { offsetsOf } from '../../core/copy-mode.ts';
import type { Result } from '../../core/types.ts';
import { isCopyTest } from '../../core/types.ts';
import { m3ipcPaper } from '../paper.ts';
import { barRows, groupedBarLayers } from './bar-rows.ts';
import { modeFootnotes, modeOrder } from './copy-modes.ts';
import { paperPanels } from './figure1.ts';
import { referenceLayers, type RefRow } from './reference-lines.ts';
import { absentBlock } from './skipped-notes.ts';
import { facetedFigure, PANEL_ORDER, type Figure } from './style.ts';

const BOUND = 'memcpy';
/** The paper's block: Figure 2 shows it when the run measured it. */
const PAPER_BLOCK = 4096;
/**
 * On a linear axis a line more than this many times the panel's highest whisker would squash its
 * bars into the bottom of the panel: it is named in a footnote instead (the log figure draws it).
 */
const LINEAR_HEADROOM = 2;

/** The paper's setting out of a run that may sweep: one block size (4 KiB if measured), page-aligned blocks. */
function paperSetting(results: Result[]): { size: number; cases: Result[] } | undefined {
  const copy = results.filter((r) => isCopyTest(r.case.test) && r.case.pairs === 1);
  const aligned = paperPanels(copy.filter((r) => offsetsOf(r.case).every((o) => o === 0)));
  if (aligned.length === 0) return undefined;
  const sizes = new Set(aligned.map((r) => r.case.size));
  const size = sizes.has(PAPER_BLOCK) ? PAPER_BLOCK : Math.min(...sizes);
  return { size, cases: aligned.filter((r) => r.case.size === size) };
}

const blockLabel = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`);
const panelOf = (x: { placement: string; mode: string }) => `${x.placement}\u0000${x.mode}`;

export function figure2(results: Result[], logScale: boolean): Figure | undefined {
  const setting = paperSetting(results);
  if (!setting) return undefined;
  const { size, cases } = setting;
  const bars = barRows(cases.filter((r) => r.case.mechanism !== BOUND));
  if (bars.length === 0) return undefined;
  const memcpy = barRows(cases.filter((r) => r.case.mechanism === BOUND && r.case.test === 'COPY1'));
  const paperBound = m3ipcPaper.bwMemCopyGBps.value;

  const panelMax = new Map<string, number>();
  for (const b of bars) panelMax.set(panelOf(b), Math.max(panelMax.get(panelOf(b)) ?? 0, b.hi));
  const refs: RefRow[] = [];
  // Lines left off a linear panel, by what they are: "memcpy bound, this host" → ["25.0 GB/s in same CPU / sync", ...].
  const offScale = new Map<string, string[]>();
  for (const key of panelMax.keys()) {
    const [placement, mode] = key.split('\u0000') as [string, string];
    const fits = (value: number) => logScale || value <= LINEAR_HEADROOM * panelMax.get(key)!;
    const lines = [
      ...memcpy
        .filter((m) => m.placement === placement && m.mode === mode)
        .map((m) => ({ what: 'memcpy bound, this host', value: m.value, label: `memcpy bound, this host: ${m.value.toFixed(1)} GB/s`, dashed: true })),
      { what: `paper bw_mem ${paperBound} GB/s`, value: paperBound, label: `paper bw_mem: ${paperBound} GB/s (2012 hardware)`, dashed: false },
    ];
    for (const { what, ...line } of lines) {
      if (fits(line.value)) refs.push({ kind: 'ref', placement, mode, ...line });
      else offScale.set(what, [...(offScale.get(what) ?? []), `${line.dashed ? `${line.value.toFixed(1)} GB/s in ` : ''}${placement} / ${mode}`]);
    }
  }
  const offScaleNote = [...offScale.entries()].map(([what, where]) => `${what} (${where.join('; ')})`).join('; ');

  const modes = modeOrder(cases);
  const title = `Figure 2: COPY1/COPY2 throughput, ${blockLabel(size)} page-aligned blocks, by delivery mode${logScale ? ' (log scale)' : ''}`;
  const footnotes = [
    'GB/s = copies/s x block size / 1e9; bars: median, whiskers: 95 % bootstrap interval. Columns: delivery mode; rows: placement. Each panel has its own y scale: read the values on its axis when comparing panels.',
    ...modeFootnotes(cases),
    // Only what the figure has: a run without the memcpy case has no dashed line to explain.
    `${memcpy.length ? 'Dashed: memcpy of the same block inside one process on this host. ' : ''}Dotted: the paper's lmbench bw_mem bound, ${paperBound} GB/s, measured on ${m3ipcPaper.hardware}.`,
    ...(offScaleNote ? [`Not drawn on this linear scale, more than ${LINEAR_HEADROOM}x the panel's bars (the log-scale figure draws them): ${offScaleNote}.`] : []),
    ...absentBlock(cases),
  ];
  return facetedFigure({
    name: logScale ? 'figure2-log' : 'figure2-linear',
    title,
    footnotes,
    values: [...bars, ...refs],
    facet: {
      row: { field: 'placement', type: 'nominal', title: null, sort: PANEL_ORDER },
      column: { field: 'mode', type: 'nominal', title: null, sort: modes, header: { labelFontWeight: 'bold' } },
    },
    spec: {
      width: modes.length > 1 ? 400 : 560,
      height: 240,
      layer: [
        ...groupedBarLayers('throughput (GB/s)', logScale, bars, cases.map((r) => r.case.mechanism).filter((m) => m !== BOUND), '~r'),
        ...referenceLayers(logScale ? { type: 'log' } : {}),
      ],
    },
  });
}

// Figure 2 of the M3-IPC paper: COPY1/COPY2 throughput per mechanism, with the memcpy bound
// measured on this host as a dashed line and the paper's bw_mem bound as a dotted one.
import type { Result } from '../../core/types.ts';
import { COPY_TESTS } from '../../core/types.ts';
import { m3ipcPaper } from '../paper.ts';
import { barRows, groupedBarLayers } from './bar-rows.ts';
import { paperPanels } from './figure1.ts';
import { referenceLayers, type RefRow } from './reference-lines.ts';
import { absentBlock } from './skipped-notes.ts';
import { facetedFigure, PANEL_ORDER, type Figure } from './style.ts';

const BOUND = 'memcpy';

export function figure2(results: Result[], logScale: boolean): Figure | undefined {
  const cases = paperPanels(results.filter((r) => (COPY_TESTS as readonly string[]).includes(r.case.test) && r.case.pairs === 1));
  const bars = barRows(cases.filter((r) => r.case.mechanism !== BOUND));
  if (bars.length === 0) return undefined;
  const placements = [...new Set(bars.map((b) => b.placement))];
  const memcpy = barRows(cases.filter((r) => r.case.mechanism === BOUND && r.case.test === 'COPY1'));
  const paperBound = m3ipcPaper.bwMemCopyGBps.value;
  // On a linear axis a bound far above every bar would flatten them: name it instead of drawing it.
  const onScale = (value: number) => logScale || value <= 3 * Math.max(paperBound, ...bars.map((b) => b.hi));
  const offScale = memcpy.filter((m) => !onScale(m.value));
  const refs: RefRow[] = placements.flatMap((placement) => [
    ...memcpy
      .filter((m) => m.placement === placement && onScale(m.value))
      .map((m) => ({ kind: 'ref' as const, placement, value: m.value, label: `memcpy bound, this host: ${m.value.toFixed(1)} GB/s`, dashed: true })),
    { kind: 'ref' as const, placement, value: paperBound, label: `paper bw_mem: ${paperBound} GB/s (2012 hardware)`, dashed: false },
  ]);
  const title = `Figure 2: COPY1/COPY2 throughput, 4 KiB blocks${logScale ? ' (log scale)' : ''}`;
  const footnotes = [
    'GB/s = copies/s x block size / 1e9; bars: median, whiskers: 95 % bootstrap interval.',
    `Dashed: memcpy of the same block inside one process on this host. Dotted: the paper's lmbench bw_mem bound, ${paperBound} GB/s, measured on ${m3ipcPaper.hardware}.`,
    ...offScale.map((m) => `memcpy bound (${m.placement}): ${m.value.toFixed(1)} GB/s, off this linear scale (see the log-scale figure).`),
    ...absentBlock(cases),
  ];
  return facetedFigure({
    name: logScale ? 'figure2-log' : 'figure2-linear',
    title,
    footnotes,
    values: [...bars, ...refs],
    facet: { row: { field: 'placement', type: 'nominal', title: null, sort: PANEL_ORDER } },
    spec: {
      width: 560,
      height: 260,
      layer: [
        ...groupedBarLayers('throughput (GB/s)', logScale, cases.filter((r) => r.case.mechanism !== BOUND).map((r) => r.case.mechanism), '~r'),
        ...referenceLayers(logScale ? { type: 'log' } : {}),
      ],
    },
  });
}

// Figure 1 of the M3-IPC paper: messages/s for IPC1-3, one bar per mechanism, one panel per placement.
import type { Result } from '../../core/types.ts';
import { isIpcTest } from '../../core/types.ts';
import { barRows, groupedBarLayers } from './bar-rows.ts';
import { absentBlock } from './skipped-notes.ts';
import { facetedFigure, PANEL_ORDER, type Figure } from './style.ts';

const isFigure1Case = (r: Result) => isIpcTest(r.case.test) && r.case.pairs === 1;

/** The paper's panels are pinned runs; unpinned cases appear only when nothing was pinned. */
export function paperPanels(results: Result[]): Result[] {
  const pinned = results.filter((r) => r.case.placement !== 'unpinned');
  return pinned.length ? pinned : results;
}

export function figure1(results: Result[], logScale: boolean): Figure | undefined {
  const cases = paperPanels(results.filter(isFigure1Case));
  const rows = barRows(cases);
  if (rows.length === 0) return undefined;
  const title = `Figure 1: IPC1-IPC3 messages per second${logScale ? ' (log scale)' : ''}`;
  const footnotes = [
    'msgs/s = 2 x round trips/s as the paper counts; 36-byte messages (IPC3 baselines move 1 byte); bars: median, whiskers: 95 % bootstrap interval.',
    ...absentBlock(cases),
  ];
  return facetedFigure({
    name: logScale ? 'figure1-log' : 'figure1-linear',
    title,
    footnotes,
    values: rows,
    facet: { row: { field: 'placement', type: 'nominal', title: null, sort: PANEL_ORDER } },
    spec: {
      width: 860,
      height: 260,
      layer: groupedBarLayers('messages per second (msgs/s)', logScale, rows, cases.map((r) => r.case.mechanism)),
    },
  });
}

// What the COPY figures say about delivery modes: the column order and the footnotes that define
// each mode shown (core/copy-mode.ts), so Figure 2 and the size sweep explain them the same way.
import { copyModeLabel, DEFAULT_BURST, UNRECORDED_MODE } from '../../core/copy-mode.ts';
import type { Result } from '../../core/types.ts';

/** sync, then stream by burst, then the runs that recorded no mode. */
function rank(r: Result): number {
  if (!r.case.copyMode) return 1e9;
  return r.case.copyMode === 'sync' ? 0 : (r.case.burst ?? DEFAULT_BURST);
}

/** The mode labels (copyModeLabel) of COPY results in column order. */
export function modeOrder(results: Result[]): string[] {
  const first = new Map<string, number>();
  for (const r of results) {
    const label = copyModeLabel(r.case);
    first.set(label, Math.min(first.get(label) ?? Infinity, rank(r)));
  }
  return [...first.entries()].sort((a, b) => a[1] - b[1]).map(([label]) => label);
}

/** One footnote per mode drawn: what an iteration does in it. */
export function modeFootnotes(results: Result[]): string[] {
  const notes: string[] = [];
  if (results.some((r) => r.case.copyMode === 'sync')) {
    notes.push('sync: every block is delivered and acknowledged before the next (m3: one vcopy, then a reply).');
  }
  const bursts = [...new Set(results.filter((r) => r.case.copyMode === 'stream').map((r) => r.case.burst ?? DEFAULT_BURST))].sort((a, b) => a - b);
  if (bursts.length) {
    notes.push(`stream, N blocks/ack: N = ${bursts.join(', ')} blocks, then one acknowledgement (m3: N vcopies while the peer stays blocked, then one reply). An iteration is one block in both modes.`);
  }
  if (results.some((r) => !r.case.copyMode)) {
    notes.push(`${UNRECORDED_MODE}: a run made before COPY modes, whose definition was neither: the baselines acknowledged each block, m3 sent one reply per batch. Not comparable with sync or stream.`);
  }
  return notes;
}

// The COPY delivery mode of a case (Case.copyMode, burst, offsets): its part of the case id and
// its label in tables and figures. One place, so that ids and labels cannot drift apart.
import { type Case, COPY_TESTS } from './types.ts';

/** Blocks per acknowledgement in stream mode when the suite names none (the worker's default too). */
export const DEFAULT_BURST = 64;
/** The worker's bounds of `burst` (docs/protocol.md). */
export const BURST_RANGE = [2, 4096] as const;
/** Offsets are within one page: the buffers are page aligned. */
export const MAX_OFFSET = 4095;

/** What an old COPY result (no copyMode) measured: named, never merged with sync. */
export const UNRECORDED_MODE = 'mode unrecorded';

type CopyFields = Pick<Case, 'copyMode' | 'burst' | 'offsets'>;
const isCopy = (test: string) => (COPY_TESTS as readonly string[]).includes(test);

/** [0, 0] when absent: a case without offsets copied page-aligned blocks. */
export const offsetsOf = (c: CopyFields): [number, number] => c.offsets ?? [0, 0];

/**
 * The id suffix: `/sync`, `/stream<burst>` (the burst always, so an id means the same whatever the
 * default), then `/o<src>,<dst>` when either offset is non-zero. Empty for a case without a mode:
 * IPC cases, and COPY cases of old runs, whose ids therefore stay distinct from new ones.
 */
export function copyIdSuffix(c: CopyFields): string {
  if (!c.copyMode) return '';
  const mode = c.copyMode === 'stream' ? `/stream${c.burst ?? DEFAULT_BURST}` : '/sync';
  const [src, dst] = offsetsOf(c);
  return src || dst ? `${mode}/o${src},${dst}` : mode;
}

/** "sync", "stream, 64 blocks/ack", or UNRECORDED_MODE for a COPY case of an old run; '' for IPC. */
export function copyModeLabel(c: CopyFields & Pick<Case, 'test'>): string {
  if (!isCopy(c.test)) return '';
  if (!c.copyMode) return UNRECORDED_MODE;
  return c.copyMode === 'stream' ? `stream, ${c.burst ?? DEFAULT_BURST} blocks/ack` : 'sync';
}

/** "src+0, dst+2048" for a COPY case, '' otherwise. */
export function offsetsLabel(c: CopyFields & Pick<Case, 'test'>): string {
  if (!isCopy(c.test) || !c.copyMode) return '';
  const [src, dst] = offsetsOf(c);
  return `src+${src}, dst+${dst}`;
}

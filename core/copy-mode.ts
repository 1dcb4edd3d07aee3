// The COPY delivery mode of a case (Case.copyMode, burst, offsets): its part of the case id and
// its label in tables and figures. One place, so that ids and labels cannot drift apart.
import { type Case, type CopyMode, isCopyTest } from './types.ts';

/** Blocks per acknowledgement in stream mode when the suite names none (the worker's default too). */
export const DEFAULT_BURST = 64;
/** The worker's bounds of `burst` (docs/protocol.md). */
export const BURST_RANGE = [2, 4096] as const;
/** Offsets are within one page: the buffers are page aligned. */
export const MAX_OFFSET = 4095;

/** What an old COPY result (no copyMode) measured: named, never merged with sync. */
export const UNRECORDED_MODE = 'mode unrecorded';

type CopyFields = Pick<Case, 'copyMode' | 'burst' | 'offsets'>;

/** [0, 0] when absent: a case without offsets copied page-aligned blocks. */
export const offsetsOf = (c: CopyFields): [number, number] => c.offsets ?? [0, 0];

/**
 * The COPY fields of a case in `copyMode` at `offsets`: burst only in stream mode, offsets only
 * when either is non-zero (absent = [0, 0]: the worker is sent offsets only when they move a block
 * off its page start).
 */
export function copyFields(copyMode: CopyMode, [src, dst]: readonly [number, number], burst = DEFAULT_BURST): CopyFields {
  return { copyMode, ...(copyMode === 'stream' && { burst }), ...(src || dst ? { offsets: [src, dst] as [number, number] } : {}) };
}

/** The offsets of a COPY case that recorded its mode; undefined for IPC and for COPY cases of old runs. */
export function recordedOffsets(c: CopyFields & Pick<Case, 'test'>): [number, number] | undefined {
  return isCopyTest(c.test) && c.copyMode ? offsetsOf(c) : undefined;
}

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
  if (!isCopyTest(c.test)) return '';
  if (!c.copyMode) return UNRECORDED_MODE;
  return c.copyMode === 'stream' ? `stream, ${c.burst ?? DEFAULT_BURST} blocks/ack` : 'sync';
}

/** "src+0, dst+2048" for a COPY case, '' otherwise. */
export function offsetsLabel(c: CopyFields & Pick<Case, 'test'>): string {
  const offsets = recordedOffsets(c);
  return offsets ? `src+${offsets[0]}, dst+${offsets[1]}` : '';
}

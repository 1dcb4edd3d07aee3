// Knobs outside the run's own namespaces (global sysctls, IRQ affinity, real NICs) are shared by
// every run on the host: two runs changing them at once would each journal the other's value as
// "old" and restore in the wrong order. Such runs take this lock, one at a time; a lock left by a
// dead run (kill -9) is stale and taken over.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { JOURNAL_DIR } from './journal.ts';
import { processAlive } from '../../core/process-alive.ts';
import type { Profile } from '../../suites/profile.ts';

export const GLOBAL_LOCK = `${JOURNAL_DIR}/global-knobs.lock`;

/**
 * The lock of the machine whose knobs a run changes: this host's, or one per lab host (runs from
 * this machine against one host take turns; runs from other machines are not seen by it).
 */
export function globalLockPath(target: string): string {
  return target === 'local' ? GLOBAL_LOCK : `${JOURNAL_DIR}/global-knobs-${target.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`;
}

/** Every such lock present: this host's and each lab host's (for `m3bench restore`). */
export function globalLockPaths(): string[] {
  let names: string[];
  try {
    names = readdirSync(JOURNAL_DIR);
  } catch {
    return [];
  }
  return names.filter((n) => /^global-knobs(-[A-Za-z0-9._-]+)?\.lock$/.test(n)).map((n) => `${JOURNAL_DIR}/${n}`);
}

export function touchesHost(profile: Profile): boolean {
  return profile.topology.kind === 'nics' || profile.knobs.some((k) => k.kind === 'irq-affinity' || (k.kind === 'sysctl' && k.scope === 'global'));
}

function tryLock(path: string): number | null {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (clearStaleLock(path) === null) return Number(readFileSync(path, 'utf8').trim());
    return tryLock(path);
  }
}

/** Removes the lock if its holder is dead; returns that holder's pid, or null. */
export function clearStaleLock(path = GLOBAL_LOCK): number | null {
  let holder: number;
  try {
    holder = Number(readFileSync(path, 'utf8').trim());
  } catch {
    return null;
  }
  if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) return null;
  rmSync(path, { force: true });
  return holder;
}

/** Waits up to `timeoutMs` for the lock; returns its release. */
export async function acquireGlobalLock(timeoutMs: number, signal: AbortSignal, path = GLOBAL_LOCK): Promise<() => void> {
  mkdirSync(JOURNAL_DIR, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const holder = tryLock(path);
    if (holder === null) return () => rmSync(path, { force: true });
    if (Date.now() > deadline) throw new Error(`another tests-A/B run (pid ${holder}) is changing host-wide knobs (${path})`);
    signal.throwIfAborted();
    await sleep(200);
  }
}

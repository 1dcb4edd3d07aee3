// Thread pinning for the in-process Node baselines. Node has no affinity API, so we use taskset
// (util-linux) on thread ids: the main thread's tid is the pid, a worker thread learns its own
// from /proc/thread-self.
import { execa } from 'execa';
import { availableParallelism } from 'node:os';
import type { Placement } from '../../../core/types.ts';

export async function getAffinity(tid: number): Promise<string> {
  const { stdout } = await execa('taskset', ['-pc', String(tid)]);
  // "pid 123's current affinity list: 0,1"
  const list = stdout.split(':').pop()?.trim();
  if (!list) throw new Error(`cannot parse taskset output: ${stdout}`);
  return list;
}

export async function setAffinity(tid: number, cpuList: string): Promise<void> {
  await execa('taskset', ['-pc', cpuList, String(tid)]);
}

/** CPUs for [client, server] under a placement, or null when they stay unpinned. */
export function cpusFor(placement: Placement): [number, number] | null {
  if (placement === 'same-cpu') return [0, 0];
  if (placement === 'cross-cpu') return [0, 1];
  return null;
}

/** Why a placement cannot be honoured on this host, or null. */
export function placementUnsupported(placement: Placement): string | null {
  if (placement === 'cross-cpu' && availableParallelism() < 2) return 'cross-cpu needs at least 2 CPUs';
  return null;
}

/**
 * Pins the client (this main thread) and the server thread for the duration of `body`, then gives
 * the main thread its old affinity back so the rest of the run is not pinned.
 */
export async function withPinning<T>(placement: Placement, serverTid: number, body: () => Promise<T>): Promise<T> {
  const cpus = cpusFor(placement);
  if (!cpus) return body();
  const mainTid = process.pid;
  const saved = await getAffinity(mainTid);
  try {
    await setAffinity(mainTid, String(cpus[0]));
    await setAffinity(serverTid, String(cpus[1]));
    return await body();
  } finally {
    await setAffinity(mainTid, saved);
  }
}

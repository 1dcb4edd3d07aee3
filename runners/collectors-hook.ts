// Bridge to the collectors area (collectors/index.ts, written by the collectors engineer),
// imported lazily so that a run without collectors does not depend on it.
import type { RunningCollectors } from './context.ts';

interface CollectorsModule {
  startCollectors(names: string[], ctx: { pids: number[] }): Promise<RunningCollectors>;
}

export async function startCollectors(names: string[], pids: number[]): Promise<RunningCollectors> {
  let mod: CollectorsModule;
  try {
    mod = (await import('../collectors/index.ts')) as CollectorsModule;
  } catch (err) {
    throw new Error(`collectors ${names.join(', ')} requested but collectors/index.ts cannot be loaded: ${(err as Error).message}`);
  }
  return mod.startCollectors(names, { pids });
}

/** Runs `measure` with the case's collectors started around it; no collectors → no overhead. */
export async function withCollectors<T>(
  names: string[],
  pids: number[],
  start: (names: string[], pids: number[]) => Promise<RunningCollectors>,
  measure: () => Promise<T>,
): Promise<{ value: T; collectors?: Record<string, import('../src/types.ts').CollectorOutput> }> {
  if (names.length === 0) return { value: await measure() };
  const running = await start(names, pids);
  let value: T;
  try {
    value = await measure();
  } catch (err) {
    await running.stop().catch(() => {});
    throw err;
  }
  return { value, collectors: await running.stop() };
}

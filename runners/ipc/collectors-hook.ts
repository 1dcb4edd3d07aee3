// Collectors around the measured part of a case: started just before it, stopped just after.
import type { RunningCollectors } from '../../core/runner.ts';

/** Runs `measure` with the case's collectors started around it; no collectors → no overhead. */
export async function withCollectors<T>(
  names: string[],
  pids: number[],
  start: (names: string[], pids: number[]) => Promise<RunningCollectors>,
  measure: () => Promise<T>,
): Promise<{ value: T; collectors?: Record<string, import('../../core/types.ts').CollectorOutput> }> {
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

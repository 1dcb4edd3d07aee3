// The collectors registry: names a case lists in `collectors` → one module each, all sharing the
// sampling interface of sampler.ts. startCollectors starts them together and stops them together.
import type { CollectorOutput } from '../core/types.ts';
import { perfCollector } from './perf.ts';
import { procInterruptsCollector } from './proc-interrupts.ts';
import { procPidCollector } from './proc-pid.ts';
import { procSoftirqsCollector } from './proc-softirqs.ts';
import { procStatCollector } from './proc-stat.ts';
import { schedSwitchesCollector } from './sched-switches.ts';
import type { Collector, CollectorContext, RunningCollector } from './sampler.ts';

export const COLLECTORS: Record<string, Collector> = Object.fromEntries(
  [procStatCollector, procInterruptsCollector, procSoftirqsCollector, procPidCollector, schedSwitchesCollector, perfCollector()].map((c) => [c.name, c]),
);

export function unknownCollectors(names: string[]): string[] {
  return names.filter((n) => !(n in COLLECTORS));
}

export async function startCollectors(
  names: string[],
  ctx: CollectorContext,
): Promise<{ stop(): Promise<Record<string, CollectorOutput>> }> {
  const unknown = unknownCollectors(names);
  if (unknown.length) throw new Error(`unknown collector(s) ${unknown.join(', ')}; known: ${Object.keys(COLLECTORS).join(', ')}`);
  const running: Array<[string, RunningCollector]> = [];
  try {
    for (const name of names) running.push([name, await COLLECTORS[name].start(ctx)]);
  } catch (err) {
    await Promise.allSettled(running.map(([, r]) => r.stop()));
    throw err;
  }
  return {
    async stop() {
      const outputs = await Promise.all(running.map(async ([name, r]) => [name, await r.stop()] as const));
      return Object.fromEntries(outputs);
    },
  };
}

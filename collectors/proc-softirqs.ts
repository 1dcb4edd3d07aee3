// /proc/softirqs: NET_RX, NET_TX, TIMER, SCHED, ... per CPU and second.
import { round } from './counters.ts';
import { cpuTableRates, parseCpuTable, sum, type CpuTable } from './cpu-table.ts';
import { snapshotCollector } from './sampler.ts';

export function parseSoftirqs(text: string): CpuTable {
  return parseCpuTable(text, '/proc/softirqs');
}

/** { NET_RX: { CPU0: n/s, CPU1: n/s, total: n/s }, ... } */
export function softirqRates(prev: CpuTable, cur: CpuTable, seconds: number): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [kind, perCpu] of cpuTableRates(prev, cur, seconds)) {
    out[kind] = { ...Object.fromEntries(Object.entries(perCpu).map(([c, v]) => [c, round(v)])), total: round(sum(perCpu)) };
  }
  return out;
}

export const procSoftirqsCollector = snapshotCollector<CpuTable>({
  name: 'proc-softirqs',
  read: async (ctx) => parseSoftirqs(await ctx.target.readFile('/proc/softirqs')),
  rates: (prev, cur, seconds) => {
    const values: Record<string, number> = {};
    for (const [kind, perCpu] of Object.entries(softirqRates(prev, cur, seconds))) {
      for (const [cpu, v] of Object.entries(perCpu)) values[`${kind}.${cpu}`] = v;
    }
    return values;
  },
  summarize: (first, last, seconds) => ({ perSec: softirqRates(first, last, seconds) }),
});

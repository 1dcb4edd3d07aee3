// /proc/stat: context switches/s (cswch/s as `sar -w`), processes created/s (proc/s), interrupts/s
// (the `intr` total, as `sar -I SUM`) and per-CPU time split in percent (as `sar -P ALL -u ALL`).
import { counterDelta, round } from './counters.ts';
import { snapshotCollector } from './sampler.ts';

/** Columns of a `cpuN` line, in kernel order (guest time is already included in user/nice). */
const CPU_FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
type CpuField = (typeof CPU_FIELDS)[number];
export type CpuTimes = Record<CpuField, number>;

export interface ProcStat {
  ctxt: number;
  intr: number;
  processes: number;
  /** Keyed "all" (the aggregate `cpu` line) and "cpu0", "cpu1", ... */
  cpus: Record<string, CpuTimes>;
}

export function parseProcStat(text: string): ProcStat {
  const out: ProcStat = { ctxt: NaN, intr: NaN, processes: NaN, cpus: {} };
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'ctxt') out.ctxt = Number(rest[0]);
    else if (key === 'intr') out.intr = Number(rest[0]);
    else if (key === 'processes') out.processes = Number(rest[0]);
    else if (key?.startsWith('cpu')) {
      const values = rest.map(Number);
      const times = Object.fromEntries(CPU_FIELDS.map((f, i) => [f, values[i] ?? 0])) as CpuTimes;
      out.cpus[key === 'cpu' ? 'all' : key] = times;
    }
  }
  for (const field of ['ctxt', 'intr', 'processes'] as const) {
    if (Number.isNaN(out[field])) throw new Error(`/proc/stat: no "${field}" line`);
  }
  return out;
}

/** Percent of each CPU state between two snapshots; CPUs present in only one are left out. */
export function cpuPercents(prev: ProcStat, cur: ProcStat): Record<string, Record<CpuField | 'busy', number>> {
  const out: Record<string, Record<CpuField | 'busy', number>> = {};
  for (const [cpu, now] of Object.entries(cur.cpus)) {
    const before = prev.cpus[cpu];
    if (!before) continue;
    const d = Object.fromEntries(CPU_FIELDS.map((f) => [f, counterDelta(before[f], now[f])])) as CpuTimes;
    const total = CPU_FIELDS.reduce((s, f) => s + d[f], 0);
    if (total === 0) continue;
    const pct = Object.fromEntries(CPU_FIELDS.map((f) => [f, round((100 * d[f]) / total)])) as CpuTimes;
    out[cpu] = { ...pct, busy: round((100 * (total - d.idle - d.iowait)) / total) };
  }
  return out;
}

export function procStatRates(prev: ProcStat, cur: ProcStat, seconds: number): Record<string, number> {
  const values: Record<string, number> = {
    'cswch/s': round(counterDelta(prev.ctxt, cur.ctxt) / seconds),
    'intr/s': round(counterDelta(prev.intr, cur.intr) / seconds),
    'proc/s': round(counterDelta(prev.processes, cur.processes) / seconds),
  };
  for (const [cpu, pct] of Object.entries(cpuPercents(prev, cur))) {
    for (const [state, v] of Object.entries(pct)) values[`${cpu}.%${state}`] = v;
  }
  return values;
}

export const procStatCollector = snapshotCollector<ProcStat>({
  name: 'proc-stat',
  read: async (ctx) => parseProcStat(await ctx.target.readFile('/proc/stat')),
  rates: procStatRates,
  summarize: (first, last, seconds) => ({
    ...procStatRates(first, last, seconds),
    cpu: cpuPercents(first, last),
  }),
});

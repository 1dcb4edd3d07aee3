// The shared layout of /proc/interrupts and /proc/softirqs: a header of CPU names, then one row
// per source — "KEY: count count ... [description]". Columns are matched by CPU name, so a CPU
// that appears or disappears between two reads (hotplug) only affects its own column.
import { counterDelta, U32 } from './counters.ts';

export interface CpuTableRow {
  key: string;
  /** Count per CPU name ("CPU0" → n). Rows may have fewer counts than CPUs (e.g. ERR, MIS). */
  counts: Record<string, number>;
  /** Whatever follows the counts: chip, hwirq, trigger and device names, or the description. */
  rest: string;
}

export interface CpuTable {
  cpus: string[];
  rows: CpuTableRow[];
}

export function parseCpuTable(text: string, source: string): CpuTable {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.shift();
  const cpus = header?.trim().split(/\s+/) ?? [];
  if (cpus.length === 0 || !cpus.every((c) => /^CPU\d+$/.test(c))) {
    throw new Error(`${source}: header is not a list of CPUs: ${JSON.stringify(header)}`);
  }
  const rows = lines.map((line) => {
    const m = /^\s*([^:\s]+):(.*)$/.exec(line);
    if (!m) throw new Error(`${source}: cannot parse row ${JSON.stringify(line)}`);
    const fields = m[2].trim().split(/\s+/);
    const counts: Record<string, number> = {};
    let i = 0;
    while (i < cpus.length && i < fields.length && /^\d+$/.test(fields[i])) {
      counts[cpus[i]] = Number(fields[i]);
      i++;
    }
    return { key: m[1], counts, rest: fields.slice(i).join(' ') };
  });
  return { cpus, rows };
}

/**
 * Per-second rate of every row and CPU between two tables (32-bit wrap handled). Rows or CPUs that
 * exist in only one table are skipped: a counter that appeared mid-interval has no defined rate.
 */
export function cpuTableRates(prev: CpuTable, cur: CpuTable, seconds: number): Map<string, Record<string, number>> {
  const before = new Map(prev.rows.map((r) => [r.key, r]));
  const out = new Map<string, Record<string, number>>();
  for (const row of cur.rows) {
    const old = before.get(row.key);
    if (!old) continue;
    const perCpu: Record<string, number> = {};
    for (const [cpu, n] of Object.entries(row.counts)) {
      if (cpu in old.counts) perCpu[cpu] = counterDelta(old.counts[cpu], n, U32) / seconds;
    }
    out.set(row.key, perCpu);
  }
  return out;
}

export function sum(values: Record<string, number>): number {
  return Object.values(values).reduce((s, v) => s + v, 0);
}

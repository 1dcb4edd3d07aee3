// /proc/interrupts: per IRQ and per CPU rates with device names. Numbered rows are device IRQs;
// named rows (LOC, RES, CAL, TLB, NMI, ...) are architecture interrupts and are reported separately,
// because Paper 2's "interrupts" are device interrupts while LOC/RES/CAL are the kernel's own.
import { round } from './counters.ts';
import { cpuTableRates, parseCpuTable, sum, type CpuTable } from './cpu-table.ts';
import { snapshotCollector } from './sampler.ts';

export interface IrqRate {
  irq: string;
  name: string;
  arch: boolean;
  perCpu: Record<string, number>;
  total: number;
}

/** Device name of a numbered row: what follows the trigger ("5-edge", "fasteoi", ...), else the last word. */
export function irqName(rest: string): string {
  const words = rest.split(' ').filter(Boolean);
  const trigger = words.findIndex((w) => /(^|-)(edge|level|fasteoi)$/i.test(w));
  const name = trigger >= 0 ? words.slice(trigger + 1).join(' ') : words.at(-1);
  return name || 'unknown';
}

/**
 * Whether a numbered row of that name is an IRQ line of `dev`: the device itself ("eth1") or one of
 * its queues ("eth1-rx-0", "eth1-TxRx-3"), also on a line shared with other devices ("eth0, eth1").
 */
export function irqOfDevice(name: string, dev: string): boolean {
  return name.split(/,\s*/).some((n) => n === dev || n.startsWith(`${dev}-`));
}

export function parseInterrupts(text: string): CpuTable {
  return parseCpuTable(text, '/proc/interrupts');
}

export function interruptRates(prev: CpuTable, cur: CpuTable, seconds: number): IrqRate[] {
  const rest = new Map(cur.rows.map((r) => [r.key, r.rest]));
  return [...cpuTableRates(prev, cur, seconds)].map(([irq, perCpu]) => {
    const arch = !/^\d+$/.test(irq);
    const r = rest.get(irq) ?? '';
    return {
      irq,
      name: arch ? r || irq : irqName(r),
      arch,
      perCpu: Object.fromEntries(Object.entries(perCpu).map(([c, v]) => [c, round(v)])),
      total: round(sum(perCpu)),
    };
  });
}

function seriesValues(prev: CpuTable, cur: CpuTable, seconds: number): Record<string, number> {
  const values: Record<string, number> = {};
  for (const r of interruptRates(prev, cur, seconds)) {
    if (r.total === 0) continue; // keep the series small: silent IRQs add nothing
    for (const [cpu, v] of Object.entries(r.perCpu)) values[`${r.irq}.${cpu}`] = v;
  }
  return values;
}

export const procInterruptsCollector = snapshotCollector<CpuTable>({
  name: 'proc-interrupts',
  read: async (ctx) => parseInterrupts(await ctx.target.readFile('/proc/interrupts')),
  rates: seriesValues,
  summarize: (first, last, seconds) => {
    const rates = interruptRates(first, last, seconds);
    const device = rates.filter((r) => !r.arch);
    const arch = rates.filter((r) => r.arch);
    const deviceIntrPerSec = round(device.reduce((s, r) => s + r.total, 0));
    const archIntrPerSec = round(arch.reduce((s, r) => s + r.total, 0));
    return {
      // Every row of /proc/interrupts, as `sar -I SUM` counts. The kernel's own total (the intr
      // line of /proc/stat) leaves some architecture counters out (TLB shootdowns on x86 6.x).
      'intr/s': round(deviceIntrPerSec + archIntrPerSec),
      deviceIntrPerSec,
      archIntrPerSec,
      device,
      arch,
    };
  },
  notes: (first, last) =>
    first.cpus.join() === last.cpus.join() ? [] : [`CPU set changed during the window: ${first.cpus} → ${last.cpus}`],
});

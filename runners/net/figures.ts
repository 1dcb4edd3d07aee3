// Table 1 figures of one case from its collectors and the receiver's own count of bytes, each also
// normalised per GB received (so A and B compare even if they did not reach the same rate).
import type { CollectorOutput, Derived } from '../../core/types.ts';
import { irqOfDevice, type IrqRate } from '../../collectors/proc-interrupts.ts';
import type { ReceiverResult } from './workload.ts';

type Summary = Record<string, unknown>;

function archRate(irq: Summary | undefined, name: string): IrqRate | undefined {
  return (irq?.arch as IrqRate[] | undefined)?.find((r) => r.irq === name);
}

/** The processes of one stream, to split the proc-pid collector's per-pid figures. */
export interface StreamPids {
  receiver: number;
  sender?: number;
  napi: number[];
}

/** Switches/s and CPU % of a set of pids, from the proc-pid summary ("<pid>.voluntary/s", ...). */
function pidFigures(summary: Summary, pids: number[]): { switches: number; cpu: number } {
  const get = (pid: number, key: string) => (summary[`${pid}.${key}`] as number | undefined) ?? 0;
  return {
    switches: pids.reduce((s, p) => s + get(p, 'voluntary/s') + get(p, 'involuntary/s'), 0),
    cpu: pids.reduce((s, p) => s + get(p, 'cpu%'), 0),
  };
}

/** `nics`: the receiver's NICs (NIC profiles), whose IRQ lines are Table 1's device interrupts. */
export function netFigures(recv: ReceiverResult, collectors: Record<string, CollectorOutput>, ncpus: number, pids: StreamPids, nics: string[] = []): Derived {
  const gbPerSec = recv.seconds > 0 ? recv.bytes / recv.seconds / 1e9 : 0;
  const d: Derived = { gbitPerSec: gbPerSec * 8, gbReceived: recv.bytes / 1e9 };
  const stat = collectors['proc-stat']?.summary;
  const irq = collectors['proc-interrupts']?.summary;
  const soft = collectors['proc-softirqs']?.summary as { perSec?: Record<string, Record<string, number>> } | undefined;
  const pid = collectors['proc-pid']?.summary;
  const switches = collectors['sched-switches']?.summary;
  if (stat) {
    d.cswchPerSec = stat['cswch/s'] as number;
    // The kernel's intr total; Table 1's intrPerSec is /proc/interrupts' sum below, as sar's.
    d.intrPerSec = stat['intr/s'] as number;
    d.procStatIntrPerSec = stat['intr/s'] as number;
    d.cpuPercent = stat['all.%busy'] as number;
    for (const cpu of Object.keys(stat).filter((k) => /^cpu\d+\.%busy$/.test(k))) d[`cpuPercent.${cpu.split('.')[0]}`] = stat[cpu] as number;
  }
  // Per CPU from the scheduler's own counters (collectors/sched-switches.ts); the total stays /proc/stat's.
  for (const [key, v] of Object.entries(switches ?? {})) {
    const cpu = /^(cpu\d+)\.cswch\/s$/.exec(key)?.[1];
    if (cpu) d[`cswchPerSec.${cpu}`] = v as number;
  }
  if (irq) {
    d.intrPerSec = irq['intr/s'] as number;
    d.deviceIntrPerSec = irq.deviceIntrPerSec as number;
    d.archIntrPerSec = irq.archIntrPerSec as number;
    if (nics.length) {
      // The NIC's own IRQ lines (by name, all its queues), apart from other devices' (e.g. the uplink ssh runs over).
      const mine = ((irq.device as IrqRate[] | undefined) ?? []).filter((r) => nics.some((nic) => irqOfDevice(r.name, nic)));
      d.nicIntrPerSec = mine.reduce((sum, r) => sum + r.total, 0);
      for (const r of mine) for (const [cpu, v] of Object.entries(r.perCpu)) d[`nicIntrPerSec.${cpu.toLowerCase()}`] = (d[`nicIntrPerSec.${cpu.toLowerCase()}`] ?? 0) + v;
    }
    for (const name of ['LOC', 'CAL', 'RES', 'TLB']) {
      const rate = archRate(irq, name);
      const key = `${name.toLowerCase()}PerSec`;
      d[key] = rate?.total;
      for (const [cpu, v] of Object.entries(rate?.perCpu ?? {})) d[`${key}.${cpu.toLowerCase()}`] = v;
    }
  }
  for (const [kind, key] of [['NET_RX', 'netRxPerSec'], ['NET_TX', 'netTxPerSec']] as const) {
    for (const [cpu, v] of Object.entries(soft?.perSec?.[kind] ?? {})) d[`${key}.${cpu === 'total' ? 'total' : cpu.toLowerCase()}`] = v;
  }
  const ru = recv.rusage;
  if (ru && ru.seconds > 0) {
    // The application's own count (m3net's getrusage): exact, and needs no reading of a remote /proc mid-stream.
    d.receiverVoluntaryPerSec = ru.voluntary / ru.seconds;
    d.receiverInvoluntaryPerSec = ru.involuntary / ru.seconds;
    d.receiverSwitchesPerSec = (ru.voluntary + ru.involuntary) / ru.seconds;
    d.receiverCpuPercent = (100 * ru.cpuSeconds) / ru.seconds;
  }
  if (pid) {
    // Our own processes' switches: unlike the machine-wide cswch/s, other people's load is not in them.
    if (!ru) {
      d.receiverVoluntaryPerSec = pid[`${pids.receiver}.voluntary/s`] as number | undefined;
      d.receiverInvoluntaryPerSec = pid[`${pids.receiver}.involuntary/s`] as number | undefined;
      d.receiverCpuPercent = pid[`${pids.receiver}.cpu%`] as number | undefined;
      d.receiverSwitchesPerSec = pidFigures(pid, [pids.receiver]).switches;
    }
    if (pids.sender !== undefined) d.senderSwitchesPerSec = pidFigures(pid, [pids.sender]).switches;
    if (pids.napi.length) {
      const napi = pidFigures(pid, pids.napi);
      d.napiThreadSwitchesPerSec = napi.switches;
      d.napiThreadCpuPercent = napi.cpu;
    }
  }
  if (gbPerSec > 0) {
    for (const key of ['cswchPerSec', 'intrPerSec', 'deviceIntrPerSec', 'nicIntrPerSec', 'locPerSec', 'calPerSec', 'resPerSec', 'netRxPerSec.total', 'napiThreadSwitchesPerSec']) {
      const v = d[key];
      if (v !== undefined) d[`${key.replace(/PerSec(\.total)?$/, '')}PerGB`] = v / gbPerSec;
    }
    // CPU-seconds spent per GB: busy fraction of the whole machine × CPUs ÷ GB/s.
    if (d.cpuPercent !== undefined) d.cpuSecondsPerGB = ((d.cpuPercent / 100) * ncpus) / gbPerSec;
  }
  return Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined && Number.isFinite(v)));
}

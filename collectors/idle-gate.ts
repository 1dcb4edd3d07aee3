// The idle-machine gate: before a case, measure for a moment how busy the machine already is and
// which other processes use it. A busy machine is waited for (a few retries), then the case runs
// anyway flagged `noisy`, with the culprits recorded — other people's load must not pass as ours.
// The machine is the case's target: everything is read through it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Target } from '../core/target.ts';
import { cpuPercents, parseProcStat } from './proc-stat.ts';

export interface IdleGateOptions {
  /** Machine busy percent (all CPUs) above which the machine counts as noisy. */
  maxBusyPercent: number;
  retries: number;
  windowMs: number;
}

export interface ProcessCpu {
  pid: number;
  comm: string;
  cpuPercent: number;
}

export interface IdleGateResult {
  noisy: boolean;
  busyPercent: number;
  attempts: number;
  /** The busiest processes during the last window (percent of one CPU). */
  top: ProcessCpu[];
}

/** CPU ticks of every process, from one `cat` of every /proc/PID/stat (one command, not one read per process, on a remote target). */
async function processTimes(target: Target): Promise<Map<number, { comm: string; ticks: number }>> {
  const out = new Map<number, { comm: string; ticks: number }>();
  // A process that exits mid-cat fails only its own file.
  const all = await target.exec(['sh', '-c', 'cat /proc/[0-9]*/stat 2>/dev/null; true']);
  for (const stat of all.stdout.split('\n')) {
    const open = stat.indexOf(' (');
    const close = stat.lastIndexOf(')');
    if (open < 0 || close < open) continue;
    // Fields after "(comm)": state is [0]; utime and stime are fields 14 and 15 of the line.
    const fields = stat.slice(close + 2).split(' ');
    out.set(Number(stat.slice(0, open)), { comm: stat.slice(open + 2, close), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  return out;
}

/** USER_HZ: the unit of /proc/PID/stat times; 100 on every Linux ABI m3bench targets. */
const CLOCK_TICKS = 100;

async function measure(target: Target, windowMs: number): Promise<{ busyPercent: number; top: ProcessCpu[] }> {
  const [stat0, procs0] = [parseProcStat(await target.readFile('/proc/stat')), await processTimes(target)];
  await sleep(windowMs);
  const [stat1, procs1] = [parseProcStat(await target.readFile('/proc/stat')), await processTimes(target)];
  // This process is m3bench, not load, when the target is this host.
  const self = target.kind === 'local' ? process.pid : null;
  const top = [...procs1]
    .map(([pid, p]) => ({ pid, comm: p.comm, cpuPercent: (100 * (p.ticks - (procs0.get(pid)?.ticks ?? p.ticks))) / CLOCK_TICKS / (windowMs / 1000) }))
    .filter((p) => p.cpuPercent > 0 && p.pid !== self)
    .sort((a, b) => b.cpuPercent - a.cpuPercent)
    .slice(0, 5)
    .map((p) => ({ ...p, cpuPercent: Math.round(p.cpuPercent * 10) / 10 }));
  return { busyPercent: cpuPercents(stat0, stat1).all?.busy ?? 0, top };
}

export async function idleGate(target: Target, o: IdleGateOptions): Promise<IdleGateResult> {
  let last = await measure(target, o.windowMs);
  let attempts = 1;
  while (last.busyPercent > o.maxBusyPercent && attempts <= o.retries) {
    last = await measure(target, o.windowMs);
    attempts++;
  }
  return { noisy: last.busyPercent > o.maxBusyPercent, busyPercent: last.busyPercent, attempts, top: last.top };
}

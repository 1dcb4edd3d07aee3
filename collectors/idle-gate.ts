// The idle-machine gate: before a case, measure for a moment how busy the machine already is and
// which other processes use it. A busy machine is waited for (a few retries), then the case runs
// anyway flagged `noisy`, with the culprits recorded — other people's load must not pass as ours.
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
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

async function processTimes(): Promise<Map<number, { comm: string; ticks: number }>> {
  const out = new Map<number, { comm: string; ticks: number }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    // Fields after "(comm)": state is [0]; utime and stime are fields 14 and 15 of the line.
    const fields = stat.slice(close + 2).split(' ');
    out.set(Number(entry), { comm: stat.slice(stat.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  return out;
}

/** USER_HZ: the unit of /proc/PID/stat times; 100 on every Linux ABI m3bench targets. */
const CLOCK_TICKS = 100;

async function measure(windowMs: number): Promise<{ busyPercent: number; top: ProcessCpu[] }> {
  const [stat0, procs0] = [parseProcStat(await readFile('/proc/stat', 'utf8')), await processTimes()];
  await sleep(windowMs);
  const [stat1, procs1] = [parseProcStat(await readFile('/proc/stat', 'utf8')), await processTimes()];
  const top = [...procs1]
    .map(([pid, p]) => ({ pid, comm: p.comm, cpuPercent: (100 * (p.ticks - (procs0.get(pid)?.ticks ?? p.ticks))) / CLOCK_TICKS / (windowMs / 1000) }))
    .filter((p) => p.cpuPercent > 0 && p.pid !== process.pid)
    .sort((a, b) => b.cpuPercent - a.cpuPercent)
    .slice(0, 5)
    .map((p) => ({ ...p, cpuPercent: Math.round(p.cpuPercent * 10) / 10 }));
  return { busyPercent: cpuPercents(stat0, stat1).all?.busy ?? 0, top };
}

export async function idleGate(o: IdleGateOptions): Promise<IdleGateResult> {
  let last = await measure(o.windowMs);
  let attempts = 1;
  while (last.busyPercent > o.maxBusyPercent && attempts <= o.retries) {
    last = await measure(o.windowMs);
    attempts++;
  }
  return { noisy: last.busyPercent > o.maxBusyPercent, busyPercent: last.busyPercent, attempts, top: last.top };
}

// Per-process voluntary / involuntary context switches and CPU time of the benchmark's own
// processes (every thread: /proc/PID/task/TID/status and schedstat). A process that exits before
// the collector stops keeps its last reading, so short-lived workers are still counted.
import type { Target } from '../core/target.ts';
import { counterDelta, round } from './counters.ts';
import { snapshotCollector, type CollectorContext } from './sampler.ts';

export interface TaskCounters {
  voluntary: number;
  involuntary: number;
  /** On-CPU time in ns (first field of schedstat). */
  runNs: number;
}

/** Keyed "pid/tid". */
export type PidSnapshot = Record<string, TaskCounters>;

export function parseSwitches(statusText: string): { voluntary: number; involuntary: number } {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(statusText);
    if (!m) throw new Error(`/proc/PID/status: no ${name} line`);
    return Number(m[1]);
  };
  return { voluntary: field('voluntary_ctxt_switches'), involuntary: field('nonvoluntary_ctxt_switches') };
}

async function readTask(target: Target, dir: string): Promise<TaskCounters | undefined> {
  try {
    const [status, schedstat] = await Promise.all([target.readFile(`${dir}/status`), target.readFile(`${dir}/schedstat`)]);
    return { ...parseSwitches(status), runNs: Number(schedstat.split(' ')[0]) };
  } catch {
    return undefined; // the task exited between readdir and read
  }
}

export async function readPids(target: Target, pids: number[]): Promise<PidSnapshot> {
  const out: PidSnapshot = {};
  for (const pid of pids) {
    const tids = await target.listDir(`/proc/${pid}/task`).catch(() => [] as string[]);
    for (const tid of tids) {
      const t = await readTask(target, `/proc/${pid}/task/${tid}`);
      if (t) out[`${pid}/${tid}`] = t;
    }
  }
  return out;
}

/** Totals per pid between two snapshots, plus the all-pids total; rates are per second. */
export function pidRates(prev: PidSnapshot, cur: PidSnapshot, seconds: number): Record<string, number> {
  const values: Record<string, number> = {};
  const add = (key: string, v: number) => (values[key] = (values[key] ?? 0) + v);
  for (const [task, now] of Object.entries(cur)) {
    const before = prev[task] ?? { voluntary: 0, involuntary: 0, runNs: 0 };
    const pid = task.split('/')[0];
    for (const scope of [pid, 'all']) {
      add(`${scope}.voluntary/s`, counterDelta(before.voluntary, now.voluntary) / seconds);
      add(`${scope}.involuntary/s`, counterDelta(before.involuntary, now.involuntary) / seconds);
      add(`${scope}.cpu%`, (100 * counterDelta(before.runNs, now.runNs)) / 1e9 / seconds);
    }
  }
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v)]));
}

// Last reading of every task seen since the collector started (keyed by the start's context).
const seen = new WeakMap<CollectorContext, PidSnapshot>();

export const procPidCollector = snapshotCollector<PidSnapshot>({
  name: 'proc-pid',
  read: async (ctx) => {
    const merged = { ...(seen.get(ctx) ?? {}), ...(await readPids(ctx.target, ctx.pids)) };
    seen.set(ctx, merged);
    return merged;
  },
  rates: pidRates,
  summarize: (first, last, seconds) => ({ ...pidRates(first, last, seconds), tasks: Object.keys(last).length }),
});

// Context switches per CPU: /proc/stat has only the machine's total (ctxt, the sum of every run
// queue's nr_switches); the scheduler's debug file prints each CPU's own (`cpu#N` ... `.nr_switches`)
// — /sys/kernel/debug/sched/debug since Linux 5.13 (debugfs, root), /proc/sched_debug before.
// Where neither can be read the summary says why, and the case still runs: it is one figure of
// Table 1, not the case.
import { counterDelta, round } from './counters.ts';
import { snapshotCollector } from './sampler.ts';

const SCHED_DEBUG_FILES = ['/sys/kernel/debug/sched/debug', '/proc/sched_debug'];

/** nr_switches per CPU ("cpu0" → n), or why it could not be read. */
type SwitchSnapshot = { perCpu: Record<string, number> } | { unavailable: string };

export function parseSchedDebug(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  let cpu: string | null = null;
  for (const line of text.split('\n')) {
    const header = /^cpu#(\d+)/.exec(line);
    if (header) cpu = `cpu${header[1]}`;
    const m = /^\s+\.nr_switches\s+:\s+(\d+)/.exec(line);
    if (m && cpu) {
      out[cpu] = Number(m[1]);
      cpu = null; // the next .nr_switches before a new header belongs to no CPU
    }
  }
  return out;
}

function rates(prev: SwitchSnapshot, cur: SwitchSnapshot, seconds: number): Record<string, number> {
  if (!('perCpu' in prev) || !('perCpu' in cur)) return {};
  const values: Record<string, number> = {};
  for (const [cpu, n] of Object.entries(cur.perCpu)) {
    if (cpu in prev.perCpu) values[`${cpu}.cswch/s`] = round(counterDelta(prev.perCpu[cpu]!, n) / seconds);
  }
  values['cswch/s'] = round(Object.values(values).reduce((a, b) => a + b, 0));
  return values;
}

export const schedSwitchesCollector = snapshotCollector<SwitchSnapshot>({
  name: 'sched-switches',
  read: async (ctx) => {
    const why: string[] = [];
    for (const file of SCHED_DEBUG_FILES) {
      try {
        const perCpu = parseSchedDebug(await ctx.target.readFile(file));
        if (Object.keys(perCpu).length) return { perCpu };
        why.push(`${file}: no per-CPU nr_switches`);
      } catch (err) {
        why.push((err as Error).message.split('\n')[0]!);
      }
    }
    return { unavailable: `per-CPU context switches need the scheduler's debug file (CONFIG_SCHED_DEBUG, debugfs mounted, root): ${why.join('; ')}` };
  },
  rates,
  summarize: (first, last, seconds) => ('unavailable' in last ? { unavailable: last.unavailable } : rates(first, last, seconds)),
});

// perf: what it can do on this host (detectPerf, also used by `m3bench doctor`) and the profile
// collector — `perf record -a -g` system-wide for the window, then `perf report` restricted to
// the kernel, parsed into the paper's profile tables (all CPUs and per CPU).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { CollectorOutput } from '../core/types.ts';
import { groupShares, parsePerfReport, profileTables } from './perf-report.ts';
import type { Collector, CollectorContext } from './sampler.ts';

export interface PerfCaps {
  /** perf is installed and can record system-wide here. */
  usable: boolean;
  binary: string | null;
  version: string | null;
  /** The event used: "cycles" with hardware counters, else the "cpu-clock" software timer. */
  event: 'cycles' | 'cpu-clock';
  hardwareCounters: boolean;
  /** kernel.perf_event_paranoid (> 1 forbids kernel profiling without root/CAP_PERFMON). */
  paranoid: number | null;
  /** kernel.kptr_restrict (2 hides kernel symbol addresses even from root). */
  kptrRestrict: number | null;
  root: boolean;
  kernelSymbols: boolean;
  reasons: string[];
}

async function readNumber(path: string): Promise<number | null> {
  try {
    return Number((await readFile(path, 'utf8')).trim());
  } catch {
    return null;
  }
}

export async function detectPerf(): Promise<PerfCaps> {
  const reasons: string[] = [];
  const paranoid = await readNumber('/proc/sys/kernel/perf_event_paranoid');
  const kptrRestrict = await readNumber('/proc/sys/kernel/kptr_restrict');
  const root = process.getuid?.() === 0;
  const version = await execa('perf', ['--version'], { reject: false });
  const binary = version.exitCode === 0 ? 'perf' : null;
  if (!binary) reasons.push('perf is not installed (Debian: apt-get install linux-perf)');
  // A KVM guest without a virtual PMU answers "<not supported>" for cycles.
  const stat = binary ? await execa('perf', ['stat', '-x,', '-e', 'cycles', '--', 'true'], { reject: false }) : null;
  const hardwareCounters = !!stat && stat.exitCode === 0 && !/not supported|not counted/.test(String(stat.stderr));
  if (binary && !hardwareCounters) reasons.push('no hardware counters (virtual machine without PMU?): sampling on cpu-clock');
  const systemWideAllowed = root || (paranoid !== null && paranoid <= 0);
  if (binary && !systemWideAllowed) reasons.push(`perf_event_paranoid=${paranoid} forbids system-wide kernel sampling without root`);
  const kernelSymbols = root ? kptrRestrict !== 2 : kptrRestrict === 0;
  if (!kernelSymbols) reasons.push(`kptr_restrict=${kptrRestrict} hides kernel symbols`);
  return {
    usable: !!binary && systemWideAllowed && kernelSymbols,
    binary,
    version: binary ? String(version.stdout).trim() : null,
    event: hardwareCounters ? 'cycles' : 'cpu-clock',
    hardwareCounters,
    paranoid,
    kptrRestrict,
    root,
    kernelSymbols,
    reasons,
  };
}

export interface PerfOptions {
  /** Rows kept per table. */
  top?: number;
}

export const DEFAULT_PERF_FREQUENCY = 999;

/** `perf report` of a recorded file, kernel symbols only, one row per (CPU, symbol). */
export async function reportKernelProfile(dataFile: string, top: number, groups?: Record<string, string[]>) {
  const report = await execa(
    'perf',
    ['report', '-i', dataFile, '--stdio', '--no-children', '-F', 'sample,cpu,sym', '--dsos', '[kernel.kallsyms]', '-g', 'none'],
    { reject: false },
  );
  if (report.exitCode !== 0) throw new Error(`perf report failed: ${String(report.stderr).trim()}`);
  const parsed = parsePerfReport(String(report.stdout));
  return {
    event: parsed.event,
    totalSamples: parsed.totalSamples,
    ...profileTables(parsed, top),
    ...(groups ? { groups: groupShares(parsed, groups) } : {}),
  };
}

export function perfCollector(options: PerfOptions = {}): Collector {
  return {
    name: 'perf',
    async start(ctx: CollectorContext) {
      // perf record runs until it is interrupted; that needs a process of ours beside it.
      if (ctx.target.kind !== 'local') throw new Error(`perf profiles this host only; target ${ctx.target.name} is not this host`);
      const frequency = ctx.perfFrequency ?? DEFAULT_PERF_FREQUENCY;
      const caps = await detectPerf();
      if (!caps.usable) throw new Error(`perf cannot profile the kernel here: ${caps.reasons.join('; ')}`);
      const dir = await mkdtemp(join(tmpdir(), 'm3bench-perf-'));
      const dataFile = join(dir, 'perf.data');
      const args = ['record', '-a', '-g', '-F', String(frequency), '-e', caps.event, '-o', dataFile, '--quiet'];
      const recorder: ResultPromise = execa('perf', args, { reject: false, stdin: 'ignore' });
      const startedAt = Date.now();
      // perf needs a moment to open its per-CPU buffers; a window that starts before it would be lost.
      await new Promise((r) => setTimeout(r, 300));
      return {
        async stop(): Promise<CollectorOutput> {
          try {
            recorder.kill('SIGINT');
            const rec = await recorder;
            if (rec.exitCode !== 0 && rec.signal !== 'SIGINT') throw new Error(`perf record failed: ${String(rec.stderr).trim()}`);
            const profile = await reportKernelProfile(dataFile, options.top ?? 25, ctx.perfSymbolGroups);
            return {
              name: 'perf',
              intervalMs: Date.now() - startedAt,
              series: [],
              summary: { frequency, caps, ...profile },
              notes: caps.reasons,
            };
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        },
      };
    },
  };
}

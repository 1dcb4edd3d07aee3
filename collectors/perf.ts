// perf: what it can do on a target (detectPerf, also used by `m3bench doctor`) and the profile
// collector — `perf record -a -g` system-wide for the window on the case's target (this host, a
// lab host over ssh), then `perf report` there, restricted to the kernel, parsed here into the
// paper's profile tables (all CPUs and per CPU; busy samples apart from the idle loop).
import type { Target } from '../core/target.ts';
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

/** What detectPerf and the recorder need of the machine perf runs on: a Target, here or remote. */
export type PerfHost = Pick<Target, 'exec' | 'readFile'>;

async function readNumber(host: PerfHost, path: string): Promise<number | null> {
  return host.readFile(path).then((text) => Number(text.trim()), () => null);
}

/** What perf can do on `host`, read there; every perf command runs as root when root (or sudo -n) can be had. */
export async function detectPerf(host: PerfHost): Promise<PerfCaps> {
  const reasons: string[] = [];
  const paranoid = await readNumber(host, '/proc/sys/kernel/perf_event_paranoid');
  const kptrRestrict = await readNumber(host, '/proc/sys/kernel/kptr_restrict');
  const id = await host.exec(['id', '-u'], { root: true, timeoutMs: 30_000 }).catch(() => null);
  const root = id?.exitCode === 0 && id.stdout.trim() === '0';
  const version = await host.exec(['perf', '--version'], { timeoutMs: 30_000 }).catch(() => null);
  const versionLine = version?.exitCode === 0 ? version.stdout.trim() : null;
  const binary = versionLine === null ? null : 'perf';
  if (!binary) reasons.push('perf is not installed (Debian: apt-get install linux-perf)');
  // A KVM guest without a virtual PMU answers "<not supported>" for cycles.
  const stat = binary ? await host.exec(['perf', 'stat', '-x,', '-e', 'cycles', '--', 'true'], { root, timeoutMs: 60_000 }) : null;
  const hardwareCounters = !!stat && stat.exitCode === 0 && !/not supported|not counted/.test(stat.stderr);
  if (binary && !hardwareCounters) reasons.push('no hardware counters (virtual machine without PMU?): sampling on cpu-clock');
  const systemWideAllowed = root || (paranoid !== null && paranoid <= 0);
  if (binary && !systemWideAllowed) reasons.push(`perf_event_paranoid=${paranoid} forbids system-wide kernel sampling without root`);
  const kernelSymbols = root ? kptrRestrict !== 2 : kptrRestrict === 0;
  if (!kernelSymbols) reasons.push(`kptr_restrict=${kptrRestrict} hides kernel symbols`);
  return {
    usable: !!binary && systemWideAllowed && kernelSymbols,
    binary,
    version: versionLine,
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
/** A recording nobody stops (m3bench killed) ends by itself after this long: perf records while `sleep` runs. */
const DEFAULT_MAX_RECORD_SECONDS = 600;
/** How long perf gets to write its file after SIGINT. */
const STOP_TIMEOUT_MS = 60_000;

/** `perf report` of a file on `host`, kernel symbols only, one row per (CPU, symbol): reported there, where the kernel's symbols are. */
export async function reportKernelProfile(host: PerfHost, dataFile: string, top: number, groups?: Record<string, string[]>, root = false) {
  const report = await host.exec(
    ['perf', 'report', '-i', dataFile, '--stdio', '--no-children', '-F', 'sample,cpu,sym', '--dsos', '[kernel.kallsyms]', '-g', 'none'],
    { root, timeoutMs: 300_000 },
  );
  if (report.exitCode !== 0) throw new Error(`perf report failed: ${report.stderr.trim()}`);
  const parsed = parsePerfReport(report.stdout);
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
      const host = ctx.target;
      const frequency = ctx.perfFrequency ?? DEFAULT_PERF_FREQUENCY;
      const caps = await detectPerf(host);
      if (!caps.usable) throw new Error(`perf cannot profile the kernel on ${host.name}: ${caps.reasons.join('; ')}`);
      const made = await host.exec(['mktemp', '-d', '/tmp/m3bench-perf.XXXXXX'], { root: caps.root, timeoutMs: 30_000 });
      if (made.exitCode !== 0) throw new Error(`perf: no temporary directory on ${host.name}: ${made.stderr.trim()}`);
      const dir = made.stdout.trim();
      const removeDir = () => host.exec(['rm', '-rf', dir], { root: caps.root, timeoutMs: 30_000 }).catch(() => undefined);
      const dataFile = `${dir}/perf.data`;
      const maxSeconds = Math.ceil(ctx.maxSeconds ?? DEFAULT_MAX_RECORD_SECONDS);
            // -N: no build-id cache in the target user's home (nothing of ours outside the temporary directory).
      const args = ['perf', 'record', '-N', '-a', '-g', '-F', String(frequency), '-e', caps.event, '-o', dataFile, '--quiet', '--', 'sleep', String(maxSeconds)];
      const recorder = await host.spawn(args, { root: caps.root }).catch(async (err: Error) => {
        await removeDir();
        throw err;
      });
      const startedAt = Date.now();
      // perf needs a moment to open its per-CPU buffers; a window that starts before it would be lost.
      await new Promise((r) => setTimeout(r, 300));
      return {
        async stop(): Promise<CollectorOutput> {
          try {
            // SIGINT: perf stops its workload and writes the file; a kill -9 would leave it unreadable.
            const pid = await recorder.pid;
            await host.exec(['kill', '-INT', String(pid)], { root: caps.root, timeoutMs: 30_000 });
            const ended = await Promise.race([recorder.done, new Promise<null>((r) => setTimeout(() => r(null), STOP_TIMEOUT_MS).unref())]);
            if (ended === null) throw new Error(`perf record on ${host.name} did not end within ${STOP_TIMEOUT_MS / 1000} s of SIGINT`);
            const profile = await reportKernelProfile(host, dataFile, options.top ?? 25, ctx.perfSymbolGroups, caps.root).catch((err: Error) => {
              throw new Error(`${err.message}${ended.stderr.trim() ? ` (perf record: ${ended.stderr.trim()})` : ''}`);
            });
            return {
              name: 'perf',
              intervalMs: Date.now() - startedAt,
              series: [],
              summary: { frequency, caps, ...profile },
              notes: caps.reasons,
            };
          } finally {
            await recorder.kill().catch(() => undefined);
            await removeDir();
          }
        },
      };
    },
  };
}

// The one sampling interface every collector shares: take a snapshot at start, one per interval,
// one at stop; each interval's difference becomes a point of the time series, and the first→last
// difference becomes the summary (so the summary is exact over the whole window, like sar's Average).
import type { Target } from '../core/target.ts';
import type { CollectorOutput } from '../core/types.ts';

export interface CollectorContext {
  /** Where the case runs: every read goes through it. */
  target: Target;
  /** Processes of the case, as pids on the target. */
  pids: number[];
  intervalMs?: number;
  /** perf record -F (Hz); the perf collector's default otherwise. */
  perfFrequency?: number;
  /** perf: named groups of kernel symbols to total (summary.groups), e.g. a 2.6 name → today's names. */
  perfSymbolGroups?: Record<string, string[]>;
  /** The window ends within this many seconds: a recorder on the target (perf) stops by itself after it, should nobody stop it. */
  maxSeconds?: number;
}

export interface RunningCollector {
  stop(): Promise<CollectorOutput>;
}

export interface Collector {
  name: string;
  start(ctx: CollectorContext): Promise<RunningCollector>;
}

/** What a snapshot-based collector provides: how to read and how to turn two reads into rates. */
export interface SnapshotSource<S> {
  name: string;
  read(ctx: CollectorContext): Promise<S>;
  /** Per-second values between two snapshots `seconds` apart. */
  rates(prev: S, cur: S, seconds: number): Record<string, number>;
  /** Summary over the whole window (first and last snapshot). */
  summarize(first: S, last: S, seconds: number): Record<string, unknown>;
  notes?(first: S, last: S): string[];
}

export const DEFAULT_INTERVAL_MS = 1000;

function monotonicSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

export function snapshotCollector<S>(source: SnapshotSource<S>): Collector {
  return {
    name: source.name,
    async start(ctx) {
      const intervalMs = ctx.intervalMs ?? DEFAULT_INTERVAL_MS;
      const t0 = monotonicSeconds();
      const first = { s: await source.read(ctx), t: t0 };
      let prev = first;
      const series: CollectorOutput['series'] = [];
      const take = async () => {
        const cur = { s: await source.read(ctx), t: monotonicSeconds() };
        series.push({ t: +(cur.t - t0).toFixed(6), values: source.rates(prev.s, cur.s, cur.t - prev.t) });
        prev = cur;
      };
      // Chain reads so two samples never overlap on a slow /proc read.
      let pending: Promise<void> = Promise.resolve();
      let failure: unknown;
      const timer = setInterval(() => {
        pending = pending.then(take).catch((err) => {
          failure ??= err;
        });
      }, intervalMs);
      return {
        async stop() {
          clearInterval(timer);
          await pending;
          if (failure) throw failure;
          await take();
          const seconds = prev.t - first.t;
          return {
            name: source.name,
            intervalMs,
            series,
            summary: { seconds, ...source.summarize(first.s, prev.s, seconds) },
            ...(source.notes ? { notes: source.notes(first.s, prev.s) } : {}),
          };
        },
      };
    },
  };
}

// Runs IPC and COPY cases on the native worker. The worker is long-lived across cases; if it dies
// or stops answering mid-case, that case fails and the next case gets a fresh worker.
import type { Case, Result } from '../../core/types.ts';
import { COPY_TESTS, IPC_TESTS } from '../../core/types.ts';
import { withCollectors } from './collectors-hook.ts';
import { descendants } from '../targets/process-tree.ts';
import type { CaseRunner, RunContext } from '../../core/runner.ts';
import { failedResult, okResult, skippedResult } from '../../core/result.ts';
import { sample } from './sampling.ts';
import type { Target } from '../../core/target.ts';
import type { WorkerTransport } from '../targets/transport.ts';
import { Worker, WorkerCommandError } from './worker.ts';

export type TransportFactory = () => Promise<WorkerTransport>;

export interface WorkerRunnerOptions {
  /**
   * Each round (pass over the plan, core/rounds.ts) gets a new worker process: a new address-space
   * layout, like JMH's forks. True where a start is cheap (local); a VM worker's start is a boot.
   */
  freshWorkerPerRound?: boolean;
}

const WORKER_TESTS: readonly string[] = [...IPC_TESTS, ...COPY_TESTS];

/**
 * The processes of a set-up case on its target, for the collectors: the worker and its servers, as
 * the worker's setup detail lists them (`worker_pid`, `pids`). Only for a local worker that lists
 * none does this host's /proc say which they are; a remote worker's pids are the target's.
 */
function pidsOf(worker: Worker, detail: Record<string, unknown>, target: Target): number[] {
  const listed = Array.isArray(detail.pids) ? detail.pids.filter((p): p is number => typeof p === 'number') : [];
  const own = typeof detail.worker_pid === 'number' ? detail.worker_pid : target.kind === 'local' ? worker.pid : undefined;
  if (own === undefined) return listed;
  if (listed.length || target.kind !== 'local') return [own, ...listed];
  return [own, ...descendants(own)];
}

export class WorkerRunner implements CaseRunner {
  readonly name = 'worker';
  private worker: Worker | null;
  /** The round the current worker has served. */
  private workerRound = 1;

  constructor(
    private readonly openTransport: TransportFactory,
    /** Mechanisms served elsewhere (Node baselines) are not the worker's. */
    private readonly foreignMechanisms: ReadonlySet<string> = new Set(),
    /** A worker already started (e.g. to read the catalogue): saves a start, which is a boot on a VM. */
    initialWorker?: Worker,
    private readonly options: WorkerRunnerOptions = {},
  ) {
    this.worker = initialWorker ?? null;
  }

  accepts(c: Case): boolean {
    return WORKER_TESTS.includes(c.test) && !this.foreignMechanisms.has(c.mechanism);
  }

  private async ensureWorker(): Promise<Worker> {
    this.worker ??= await Worker.start(await this.openTransport());
    return this.worker;
  }

  /** Drops a worker that died or wedged; quit() kills it if it does not leave by itself. */
  private async discardWorker(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.quit();
  }

  async run(c: Case, ctx: RunContext): Promise<Result> {
    const startedAt = new Date().toISOString();
    let detail: Record<string, unknown> | undefined;
    try {
      if (this.options.freshWorkerPerRound && ctx.round !== this.workerRound) await this.discardWorker();
      this.workerRound = ctx.round;
      const worker = await this.ensureWorker();
      const setup = await worker.setup({
        mechanism: c.mechanism,
        test: c.test,
        size: c.size,
        placement: c.placement,
        pairs: c.pairs,
        spin: c.spin,
        // Only what the case has: a worker without COPY modes refuses copy_mode rather than run the
        // pre-mode definition under a mode's name; offsets go only when a block is off its page start.
        ...(c.copyMode && { copy_mode: c.copyMode }),
        ...(c.burst !== undefined && { burst: c.burst }),
        ...(c.offsets && { src_offset: c.offsets[0], dst_offset: c.offsets[1] }),
      });
      if (setup.kind === 'skipped') return skippedResult(c, setup.reason, startedAt);
      const ready = (detail = setup.detail);
      try {
        const { value, collectors } = await withCollectors(c.collectors, pidsOf(worker, ready, ctx.target), ctx.startCollectors, () =>
          sample(
            async (n) => {
              // The answer counts iterations over all pairs; sampling counts per pair, as it asks.
              const timing = await worker.run(n);
              return { ...timing, iterations: timing.iterations / c.pairs };
            },
            { timeSec: c.time, signal: ctx.signal, rounds: c.rounds },
          ),
        );
        return okResult(c, value, startedAt, ready, collectors);
      } finally {
        // Only a live worker can tear down; a dead one is replaced below.
        if (this.worker === worker) await worker.teardown().catch(() => this.discardWorker());
      }
    } catch (err) {
      // A command the worker refused leaves it usable; anything else (EOF, timeout, bad line) does not.
      if (!(err instanceof WorkerCommandError)) await this.discardWorker();
      return failedResult(c, err, startedAt, detail);
    }
  }

  async close(): Promise<void> {
    await this.discardWorker();
  }
}

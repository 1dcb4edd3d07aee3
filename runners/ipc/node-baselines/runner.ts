// Case runner of the in-process Node baselines. They express IPC1 only (a Node user's ping-pong);
// the other tests are skipped with the reason, like the paper's zeros.
import { availableParallelism } from 'node:os';
import type { Case, Result } from '../../../core/types.ts';
import { withCollectors } from '../collectors-hook.ts';
import type { CaseRunner, RunContext } from '../../../core/runner.ts';
import type { MechanismInfo } from '../worker.ts';
import { failedResult, okResult, skippedResult } from '../../../core/result.ts';
import { sample } from '../sampling.ts';
import { placementUnsupported, withPinning } from './affinity.ts';
import { NODE_BASELINES, type NodeBaseline } from './baselines.ts';

const SUPPORTED_TEST = 'IPC1';

function whyNot(test: string): string {
  return test === SUPPORTED_TEST ? 'ok' : 'Node baseline: IPC1 ping-pong only';
}

/** The baselines as `list` entries, in the same shape as the worker's mechanisms. */
export function nodeBaselineInfo(tests: readonly string[]): MechanismInfo[] {
  return NODE_BASELINES.map((b) => ({
    name: b.name,
    description: b.description,
    family: 'node',
    tests: Object.fromEntries(tests.map((t) => [t, whyNot(t)])),
  }));
}

export const NODE_BASELINE_NAMES: ReadonlySet<string> = new Set(NODE_BASELINES.map((b) => b.name));

export class NodeBaselineRunner implements CaseRunner {
  readonly name = 'node-baseline';

  accepts(c: Case): boolean {
    return NODE_BASELINE_NAMES.has(c.mechanism);
  }

  async run(c: Case, ctx: RunContext): Promise<Result> {
    const startedAt = new Date().toISOString();
    const baseline = NODE_BASELINES.find((b) => b.name === c.mechanism) as NodeBaseline;
    if (c.test !== SUPPORTED_TEST) return skippedResult(c, whyNot(c.test), startedAt);
    // They are measured inside this Node process, so only where the case runs is this host.
    if (ctx.target.kind !== 'local') return skippedResult(c, `Node baseline: measured in m3bench's own Node process, which does not run on target ${ctx.target.name}`, startedAt);
    if (c.pairs !== 1) return skippedResult(c, 'Node baseline: one client/server pair only', startedAt);
    const unsupported = placementUnsupported(c.placement);
    if (unsupported) return skippedResult(c, unsupported, startedAt);
    const opened = await baseline.open(c.size).catch((err: unknown) => err as Error);
    if (opened instanceof Error) return failedResult(c, opened, startedAt);
    const detail = { serverTid: opened.serverTid, ncpus: availableParallelism(), mainThreadIsClient: true };
    try {
      const { value, collectors } = await withPinning(c.placement, opened.serverTid, () =>
        withCollectors(c.collectors, [process.pid], ctx.startCollectors, () =>
          sample(opened.runBatch, { timeSec: c.time, signal: ctx.signal, rounds: c.rounds }),
        ),
      );
      return okResult(c, value, startedAt, detail, collectors);
    } catch (err) {
      return failedResult(c, err, startedAt, detail);
    } finally {
      await opened.close();
    }
  }
}

// Which runner runs which case. The first runner that accepts a case runs it.
import type { Case } from '../core/types.ts';
import type { CaseRunner } from '../core/runner.ts';
import { NODE_BASELINE_NAMES, NodeBaselineRunner } from './ipc/node-baselines/runner.ts';
import { WorkerRunner, type TransportFactory, type WorkerRunnerOptions } from './ipc/worker-runner.ts';
import type { Worker } from './ipc/worker.ts';

export type { CaseRunner, RunContext } from '../core/runner.ts';

/** `worker`: an already started worker (the one the catalogue was read from), used for the first cases. */
export async function createRunners(openTransport: TransportFactory, worker?: Worker, options: WorkerRunnerOptions = {}): Promise<CaseRunner[]> {
  return [
    new NodeBaselineRunner(),
    new WorkerRunner(openTransport, NODE_BASELINE_NAMES, worker, options),
    // ---- other case runners register here (one line each) ----
    (await import('./net/index.ts')).netRunner,
  ];
}

export function runnerFor(runners: CaseRunner[], c: Case): CaseRunner | undefined {
  return runners.find((r) => r.accepts(c));
}

// Which runner runs which case. The first runner that accepts a case runs it.
import type { Case } from '../src/types.ts';
import type { CaseRunner } from './context.ts';
import { NODE_BASELINE_NAMES, NodeBaselineRunner } from './node-baselines/runner.ts';
import { WorkerRunner, type TransportFactory } from './worker-runner.ts';

export type { CaseRunner, RunContext } from './context.ts';

export async function createRunners(openTransport: TransportFactory): Promise<CaseRunner[]> {
  return [
    new NodeBaselineRunner(),
    new WorkerRunner(openTransport, NODE_BASELINE_NAMES),
    // ---- other case runners register here (one line each) ----
    (await import('./net/index.ts')).netRunner,
  ];
}

export function runnerFor(runners: CaseRunner[], c: Case): CaseRunner | undefined {
  return runners.find((r) => r.accepts(c));
}

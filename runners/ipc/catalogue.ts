// The mechanisms a target offers and, per test, ok or why not: the worker's `list` plus the Node
// baselines. Both `list` and plan expansion read it, so a new worker mechanism needs no TS change.
import type { CatalogueEntry } from '../../suites/types.ts';
import { TESTS } from '../../core/types.ts';
import { nodeBaselineInfo } from './node-baselines/runner.ts';
import type { MechanismInfo, Worker, WorkerHello } from './worker.ts';

export interface Catalogue {
  hello: WorkerHello;
  mechanisms: Array<MechanismInfo & CatalogueEntry>;
}

/** Asks a started worker; the caller keeps it (a run hands it on to the worker runner). */
export async function readCatalogue(worker: Worker): Promise<Catalogue> {
  const fromWorker = await worker.list();
  const tests = TESTS.filter((t) => t !== 'NET');
  return { hello: worker.hello, mechanisms: [...fromWorker, ...nodeBaselineInfo(tests)] };
}

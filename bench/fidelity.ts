// Fidelity: does the harness add anything measurable? Alternates m3bench's same-CPU IPC1 (worker +
// tinybench, the full measurement path) with the control, a minimal hand-written C ping-pong of the
// same mechanism (native/build/pingpong, sharing no code with the worker), and prints both medians
// and their ratio. Target: within 10 %. A script, not a unit test: the machine is noisy.
//
//   npx tsx bench/fidelity.ts [--rounds 5] [--time 1] [--mechanisms pipe,unix-stream,tcp]
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { caseId } from '../suites/ipc.ts';
import { REPO_ROOT } from '../core/paths.ts';
import { localWorkerCommand } from '../runners/targets/index.ts';
import { LocalTransport } from '../runners/targets/transport.ts';
import { WorkerRunner } from '../runners/ipc/worker-runner.ts';
import { median } from '../core/median.ts';
import type { Case } from '../core/types.ts';
import { LocalTarget } from '../runners/targets/local.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    time: { type: 'string', default: '1' },
    mechanisms: { type: 'string', default: 'pipe,unix-stream,tcp' },
  },
});
const rounds = Number(values.rounds);
const timeSec = Number(values.time);
const PINGPONG = path.join(REPO_ROOT, 'native', 'build', 'pingpong');
if (!existsSync(PINGPONG)) {
  console.error(`${PINGPONG} is not built: run \`npm run build\``);
  process.exit(2);
}

/** The control prints the mean ns per round trip as one number, timed with CLOCK_MONOTONIC around its loop. */
async function control(mechanism: string, iterations: number): Promise<number> {
  const { stdout } = await execa(PINGPONG, [mechanism, 'same-cpu', String(iterations)]);
  const ns = Number(stdout.trim().split('\n').pop());
  if (!Number.isFinite(ns) || ns <= 0) throw new Error(`pingpong ${mechanism}: unexpected output ${JSON.stringify(stdout)}`);
  return ns;
}

const runner = new WorkerRunner(async () => new LocalTransport({ command: localWorkerCommand() }));
/** A fresh signal per case: tinybench leaves a listener on every signal it is given. */
const context = () => ({
  runDir: REPO_ROOT,
  log: { info: console.error, warn: console.error },
  signal: new AbortController().signal,
  target: new LocalTarget(),
  round: 1,
  startCollectors: async () => {
    throw new Error('the fidelity benchmark attaches no collectors');
  },
});

/** m3bench's per-batch ns per round trip (tinybench's samples) and its batch size. */
async function m3bench(mechanism: string): Promise<{ samples: number[]; iterationsPerBatch: number }> {
  const c = { test: 'IPC1', mechanism, placement: 'same-cpu', size: 36, pairs: 1 } as const;
  const kase: Case = { id: caseId(c), ...c, spin: 1000, target: 'local', time: timeSec, collectors: [] };
  const result = await runner.run(kase, context());
  if (result.status !== 'ok') throw new Error(`${kase.id}: ${result.status}: ${result.reason ?? result.error}`);
  return { samples: result.samples!, iterationsPerBatch: result.stats!.iterationsPerBatch };
}

// Both sides are compared on the same statistic: the median of per-batch means over equally long
// batches. (A single long control run would give a mean, which a shared machine's preemptions
// inflate while a median shrugs them off.)
console.log(`same-cpu IPC1, 36-byte messages, ${rounds} alternations of ${timeSec} s each; median of per-batch ns per round trip`);
console.log(['mechanism', 'm3bench', 'control', 'ratio m3bench/control', 'verdict'].join('\t'));
let allWithin = true;
try {
  for (const mechanism of values.mechanisms.split(',')) {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const { samples, iterationsPerBatch } = await m3bench(mechanism);
      ours.push(...samples);
      for (let b = 0; b < samples.length; b++) theirs.push(await control(mechanism, iterationsPerBatch));
    }
    const ratio = median(ours) / median(theirs);
    const within = Math.abs(ratio - 1) <= 0.1;
    allWithin &&= within;
    console.log([mechanism, median(ours).toFixed(0), median(theirs).toFixed(0), ratio.toFixed(3), within ? 'within 10 %' : 'OUTSIDE 10 %'].join('\t'));
  }
} finally {
  await runner.close();
}
process.exitCode = allWithin ? 0 : 1;

// One whole run: validate the suite, ask the target what it offers, expand the plan, run every
// case (a failing case never stops the run), append each result as it ends, write the manifest
// and the CSV. Used by `m3bench run` and by the reports engineer's `check`.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { readCatalogue, type Catalogue } from '../runners/catalogue.ts';
import { startCollectors } from '../runners/collectors-hook.ts';
import type { CaseRunner, RunContext, RunLogger } from '../runners/context.ts';
import { failedResult, skippedResult } from '../runners/result.ts';
import { createRunners, runnerFor } from '../runners/registry.ts';
import { openTarget, REPO_ROOT } from '../runners/targets.ts';
import { Worker } from '../runners/worker.ts';
import { ConfigError, expandPlan, loadSuite, type PlanOverrides } from '../suites/index.ts';
import { buildManifest } from './manifest.ts';
import { appendResult, writeCsv, writeManifest } from './results-store.ts';
import { mergeRounds } from './rounds.ts';
import type { Case, Manifest, Result, TargetName } from './types.ts';

export interface RunProgress {
  /** The plan is known: `steps` case-rounds will run (a case of 3 rounds is 3 steps). */
  planned?(cases: Case[], runDir: string, steps: number): void;
  /** `step`: 0-based over all steps; `r.round` says which round of its case a step was. */
  caseStarted?(c: Case, step: number): void;
  caseEnded?(r: Result, step: number): void;
}

export interface RunOptions {
  /** A suite name in config/ (paper, smoke, ...) or a path to a config file. */
  suite: string;
  overrides?: PlanOverrides;
  target?: TargetName;
  /** Run directory; default runs/<UTC timestamp>-<suite>/. */
  out?: string;
  argv?: string[];
  workerCommand?: string[];
  vm?: Record<string, unknown>;
  signal?: AbortSignal;
  log?: RunLogger;
  progress?: RunProgress;
}

const silentLog: RunLogger = { info() {}, warn() {} };

/** 2026-11-23T12:51:00.123Z → 20261123T125100Z: sortable and safe in a path. */
function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Unknown collector names are a config error, found before anything runs. */
async function checkCollectorNames(source: string, plan: Case[]): Promise<void> {
  const names = [...new Set(plan.flatMap((c) => c.collectors))];
  if (names.length === 0) return;
  const { unknownCollectors, COLLECTORS } = await import('../collectors/index.ts');
  const unknown = unknownCollectors(names);
  if (unknown.length) {
    throw new ConfigError([`${source}: collectors: unknown ${unknown.map((n) => JSON.stringify(n)).join(', ')} (known: ${Object.keys(COLLECTORS).join(', ')})`]);
  }
}

/**
 * Runs one case with its own AbortSignal relayed from the run's: tinybench attaches a listener to
 * the signal of every Bench and never removes it, so sharing the run's signal would pile them up.
 */
async function runCase(runner: CaseRunner, c: Case, ctx: RunContext): Promise<Result> {
  const startedAt = new Date().toISOString();
  const caseAbort = new AbortController();
  const relay = () => caseAbort.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', relay, { once: true });
  try {
    return await runner.run(c, { ...ctx, signal: caseAbort.signal });
  } catch (err) {
    return failedResult(c, err, startedAt);
  } finally {
    ctx.signal.removeEventListener('abort', relay);
  }
}

export async function executeRun(opts: RunOptions): Promise<{ runDir: string; results: Result[] }> {
  const started = new Date();
  const target = opts.target ?? 'local';
  const signal = opts.signal ?? new AbortController().signal;
  const log = opts.log ?? silentLog;

  // Everything that can reject the run happens before the run directory exists.
  const suite = await loadSuite(opts.suite);
  const opened = await openTarget({ target, workerCommand: opts.workerCommand, vm: opts.vm });
  const worker = await Worker.start(await opened.openTransport());
  let catalogue: Catalogue;
  let plan: Case[];
  try {
    catalogue = await readCatalogue(worker);
    plan = expandPlan(suite, catalogue.mechanisms, opts.overrides ?? {}, target);
    await checkCollectorNames(suite.source, plan);
  } catch (err) {
    await worker.quit();
    throw err;
  }

  // From here the runners own the worker: every exit path closes them.
  const runners = await createRunners(opened.openTransport, worker, { freshWorkerPerRound: opened.cheapWorkerStart });
  const closeRunners = async () => {
    for (const runner of runners) await runner.close?.().catch((err: unknown) => log.warn(`closing ${runner.name}: ${String(err)}`));
  };
  const runDir = path.resolve(opts.out ?? path.join(REPO_ROOT, 'runs', `${stamp(started)}-${suite.name}`));
  let manifest: Manifest;
  try {
    // Appending to another run's results would mix two runs under one manifest.
    if (existsSync(path.join(runDir, 'results.jsonl'))) {
      throw new ConfigError([`--out ${runDir} already holds a run (results.jsonl): choose a new directory or remove it`]);
    }
    mkdirSync(runDir, { recursive: true });
    manifest = await buildManifest({
      id: path.basename(runDir),
      suite: suite.name,
      startedAt: started.toISOString(),
      argv: opts.argv ?? process.argv,
      config: { source: suite.source, ...suite.config, overrides: opts.overrides ?? {} },
      target: await opened.describe(),
      workerProtocol: catalogue.hello.protocol,
    });
    writeManifest(runDir, manifest);
  } catch (err) {
    await closeRunners();
    throw err;
  }
  const roundCount = (c: Case) => c.rounds ?? 1;
  const passes = Math.max(1, ...plan.map(roundCount));
  opts.progress?.planned?.(plan, runDir, plan.reduce((sum, c) => sum + roundCount(c), 0));

  // One pass over the plan per round (src/rounds.ts): a case's rounds are a whole pass apart.
  const lines: Result[] = [];
  const settled = new Set<string>(); // cases that ended skipped or failed: no further rounds
  let step = 0;
  let results: Result[] = [];
  try {
    passes: for (let round = 1; round <= passes; round++) {
      for (const c of plan) {
        if (roundCount(c) < round || settled.has(c.id)) continue;
        if (signal.aborted) break passes;
        opts.progress?.caseStarted?.(c, step);
        const runner = runnerFor(runners, c);
        const result = runner
          ? await runCase(runner, c, { runDir, log, signal, target, round, startCollectors })
          : skippedResult(c, `no runner for test ${c.test} on target ${target}`, new Date().toISOString());
        // A case cut short by SIGINT/SIGTERM measured nothing worth keeping.
        if (signal.aborted && result.status !== 'ok') break passes;
        const line = roundCount(c) > 1 ? { ...result, round } : result;
        if (result.status !== 'ok') settled.add(c.id);
        appendResult(runDir, line);
        lines.push(line);
        opts.progress?.caseEnded?.(line, step++);
      }
    }
  } finally {
    await closeRunners();
    for (const line of opened.finish?.(runDir) ?? []) log.info(line);
    results = await mergeRounds(lines);
    writeCsv(runDir, results);
    writeManifest(runDir, { ...manifest, endedAt: new Date().toISOString() });
  }
  return { runDir, results };
}

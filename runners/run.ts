// One whole run: validate the suite, ask each target what it offers, expand one plan per target,
// measure the targets in parallel (each its own cases serially; a failing case never stops the
// run), append each result as it ends, write the manifest and the CSV. `resume` measures only what
// a run directory is missing. Used by `m3bench run` and by `check`.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { readCatalogue } from './ipc/catalogue.ts';
import { COLLECTORS, startCollectors, unknownCollectors } from '../collectors/index.ts';
import type { CaseRunner, RunContext, RunLogger } from '../core/runner.ts';
import { failedResult, skippedResult } from '../core/result.ts';
import { createRunners, runnerFor } from './registry.ts';
import { REPO_ROOT } from '../core/paths.ts';
import { openTarget } from './targets/index.ts';
import type { InventoryHost } from './targets/inventory.ts';
import { PROTOCOL_VERSION, Worker } from './ipc/worker.ts';
import { ConfigError, expandPlan, loadSuite, type PlanOverrides } from '../suites/index.ts';
import { buildManifest } from './manifest.ts';
import { appendResult, readManifest, readResultLines, RESULTS_JSONL, writeCsv, writeManifest } from '../core/run-dir.ts';
import { mergeRounds } from '../core/rounds.ts';
import type { Target } from '../core/target.ts';
import type { Case, Manifest, Result, TargetName } from '../core/types.ts';

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
  /** Where the cases run (default ['local']); several targets are measured in parallel. */
  targets?: TargetName[];
  /** A run directory to complete: its ok and skipped case-rounds are kept, the rest measured. */
  resume?: string;
  /** Run directory; default runs/<UTC timestamp>-<suite>/. */
  out?: string;
  argv?: string[];
  workerCommand?: string[];
  vm?: Record<string, unknown>;
  /** ssh targets: `-F FILE` and the hosts of an inventory (runners/targets/index.ts). */
  sshConfig?: string;
  inventory?: InventoryHost[];
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

/** One target of a run: its worker (the one the catalogue came from), its plan and its runners. */
interface Session {
  target: Target;
  plan: Case[];
  runners: CaseRunner[];
}

const roundCount = (c: Case) => c.rounds ?? 1;
const lineKey = (id: string, round: number) => `${id}#${round}`;

/** Opens a target and expands its plan; a target that cannot be reached fails the run before it starts. */
async function openSession(name: TargetName, suite: Awaited<ReturnType<typeof loadSuite>>, opts: RunOptions, multi: boolean): Promise<Session> {
  const target = await openTarget(name, { workerCommand: opts.workerCommand, vm: opts.vm, sshConfig: opts.sshConfig, inventory: opts.inventory });
  let worker: Worker | undefined;
  try {
    worker = await Worker.start(await target.startWorker());
    const catalogue = await readCatalogue(worker);
    const plan = expandPlan(suite, catalogue.mechanisms, opts.overrides ?? {}, name, { qualifyIds: multi || target.kind === 'ssh' });
    await checkCollectorNames(suite.source, plan);
    // From here the runners own the worker.
    const runners = await createRunners(() => target.startWorker(), worker, { freshWorkerPerRound: target.cheapWorkerStart });
    return { target, plan, runners };
  } catch (err) {
    await worker?.quit();
    await target.close();
    // A config error is the same on every target: it stays one, so the CLI says "invalid config".
    if (err instanceof ConfigError) throw err;
    throw new Error(`target ${name}: ${(err as Error).message}`, { cause: err });
  }
}

async function closeSession(s: Session, runDir: string | undefined, log: RunLogger): Promise<void> {
  for (const runner of s.runners) await runner.close?.().catch((err: unknown) => log.warn(`${s.target.name}: closing ${runner.name}: ${String(err)}`));
  const lines = await s.target.close(runDir).catch((err: unknown) => [`closing target ${s.target.name}: ${String(err)}`]);
  for (const line of lines) log.info(line);
}

/** The case-rounds a resumed run keeps: ok and skipped ones. Failed lines move aside, to be measured again. */
function keptLines(runDir: string): Result[] {
  const lines = readResultLines(runDir);
  const kept = lines.filter((r) => r.status !== 'failed');
  if (kept.length !== lines.length) {
    renameSync(path.join(runDir, RESULTS_JSONL), path.join(runDir, `results.before-resume-${stamp(new Date())}.jsonl`));
    for (const line of kept) appendResult(runDir, line);
  }
  return kept;
}

export async function executeRun(opts: RunOptions): Promise<{ runDir: string; results: Result[] }> {
  const started = new Date();
  const targetNames = [...new Set(opts.targets?.length ? opts.targets : ['local'])];
  const signal = opts.signal ?? new AbortController().signal;
  const log = opts.log ?? silentLog;

  // Everything that can reject the run happens before the run directory exists.
  const suite = await loadSuite(opts.suite);
  const opened = await Promise.allSettled(targetNames.map((name) => openSession(name, suite, opts, targetNames.length > 1)));
  const sessions = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const refused = opened.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
  if (refused.length) {
    for (const s of sessions) await closeSession(s, undefined, log);
    throw refused.length === 1 ? refused[0]! : new Error(refused.map((e) => e.message).join('\n'));
  }

  const runDir = path.resolve(opts.resume ?? opts.out ?? path.join(REPO_ROOT, 'runs', `${stamp(started)}-${suite.name}`));
  let manifest: Manifest;
  let previous: Result[] = [];
  try {
    if (opts.resume) {
      if (!existsSync(path.join(runDir, RESULTS_JSONL))) throw new ConfigError([`--resume ${runDir}: no ${RESULTS_JSONL} there`]);
      previous = keptLines(runDir);
    } else if (existsSync(path.join(runDir, RESULTS_JSONL))) {
      // Appending to another run's results would mix two runs under one manifest.
      throw new ConfigError([`--out ${runDir} already holds a run (results.jsonl): choose a new directory, or --resume it`]);
    }
    mkdirSync(runDir, { recursive: true });
    const before = opts.resume ? readManifest(runDir) : undefined;
    const targets = await Promise.all(sessions.map(async (s) => ({ ...(await s.target.describe()), fingerprint: await s.target.fingerprint() })));
    manifest = await buildManifest({
      id: path.basename(runDir),
      suite: suite.name,
      startedAt: before?.startedAt ?? started.toISOString(),
      argv: before?.argv ?? opts.argv ?? process.argv,
      config: { source: suite.source, ...suite.config, overrides: opts.overrides ?? {}, targets: targetNames },
      target: targets[0]!,
      ...(targets.length > 1 ? { targets } : {}),
      ...(before ? { resumedAt: [...(before.resumedAt ?? []), started.toISOString()] } : {}),
      workerProtocol: PROTOCOL_VERSION,
    });
    writeManifest(runDir, manifest);
  } catch (err) {
    for (const s of sessions) await closeSession(s, undefined, log);
    throw err;
  }
  const done = new Set(previous.map((r) => lineKey(r.case.id, r.round ?? 1)));
  const settledBefore = new Set(previous.filter((r) => r.status !== 'ok').map((r) => r.case.id));
  const todo = (c: Case, round: number) => roundCount(c) >= round && !done.has(lineKey(c.id, round)) && !settledBefore.has(c.id);
  const allCases = sessions.flatMap((s) => s.plan);
  const steps = sessions.reduce((sum, s) => sum + s.plan.reduce((n, c) => n + [...Array(roundCount(c)).keys()].filter((i) => todo(c, i + 1)).length, 0), 0);
  opts.progress?.planned?.(allCases, runDir, steps);

  const lines: Result[] = [...previous];
  let step = 0;
  // One pass over a target's plan per round (core/rounds.ts): a case's rounds are a whole pass apart.
  const measure = async (s: Session) => {
    const settled = new Set<string>(); // cases that ended skipped or failed: no further rounds
    const passes = Math.max(1, ...s.plan.map(roundCount));
    const ctx = { runDir, log, signal, target: s.target, startCollectors: (names: string[], pids: number[]) => startCollectors(names, { pids, target: s.target }) };
    for (let round = 1; round <= passes; round++) {
      for (const c of s.plan) {
        if (!todo(c, round) || settled.has(c.id)) continue;
        if (signal.aborted) return;
        const mine = step++;
        opts.progress?.caseStarted?.(c, mine);
        const runner = runnerFor(s.runners, c);
        const result = runner
          ? await runCase(runner, c, { ...ctx, round })
          : skippedResult(c, `no runner for test ${c.test} on target ${s.target.name}`, new Date().toISOString());
        // A case cut short by SIGINT/SIGTERM measured nothing worth keeping.
        if (signal.aborted && result.status !== 'ok') return;
        const line = roundCount(c) > 1 ? { ...result, round } : result;
        if (result.status !== 'ok') settled.add(c.id);
        appendResult(runDir, line);
        lines.push(line);
        opts.progress?.caseEnded?.(line, mine);
      }
    }
  };
  let results: Result[] = [];
  try {
    await Promise.all(sessions.map(measure));
  } finally {
    await Promise.all(sessions.map((s) => closeSession(s, runDir, log)));
    results = await mergeRounds(lines);
    writeCsv(runDir, results);
    writeManifest(runDir, { ...manifest, endedAt: new Date().toISOString() });
  }
  return { runDir, results };
}

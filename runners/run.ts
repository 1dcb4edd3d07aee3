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
import { ConfigError, expandPlan, type LoadedSuite, loadSuite, type PlanOverrides } from '../suites/index.ts';
import { buildManifest } from './manifest.ts';
import { openSender, type OpenedSender } from './sender.ts';
import { appendResult, readManifest, readResultLines, RESULTS_JSONL, writeCsv, writeManifest } from '../core/run-dir.ts';
import { mergeRounds } from '../core/rounds.ts';
import type { Target, TargetDescription } from '../core/target.ts';
import { CONFIG_ID_SEPARATOR, type ConfigurationRecord, type KernelConfiguration } from '../core/kernel-config.ts';
import { applyConfiguration } from './kernel/configurations.ts';
import { checkRuntimeProfiles } from '../suites/configurations.ts';
import type { CatalogueEntry } from '../suites/index.ts';
import type { Case, Manifest, Result, TargetName } from '../core/types.ts';

export interface RunProgress {
  /** The plan is known: `steps` case-rounds will run (a case of 3 rounds is 3 steps), `perTarget` of them on each target. */
  planned?(cases: Case[], runDir: string, steps: number, perTarget: Record<TargetName, number>): void;
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
  /** Tests A/B across two machines: the target that sends the paced stream to the receiver's NICs (one receiver). */
  sender?: TargetName;
  /** Kernel configurations each target is rebooted into and verified under, in turn (core/kernel-config.ts). */
  configurations?: KernelConfiguration[];
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

/** One configuration of a target's run (or the target's own boot, when the run has none) and its cases. */
interface Part {
  config?: KernelConfiguration;
  plan: Case[];
}

/** One target of a run: the worker its catalogue came from (handed to the first part's runners) and its parts. */
interface Session {
  target: Target;
  parts: Part[];
  firstWorker?: Worker;
  /** The verification of parts[0], made while opening (its boot gave the catalogue). */
  firstRecord?: ConfigurationRecord;
  /** What its worker's hello line announced (tests only), for the manifest. */
  plantedSlowdown?: string;
}

/** A planted slowdown is part of what was measured: the manifest says so, and its note is shown on every report. */
function withSlowdown(d: TargetDescription, planted: string | undefined): TargetDescription {
  if (!planted) return d;
  const warning = `planted slowdown ${planted} (M3BENCH_SLOWDOWN, a test): these results are slowed on purpose`;
  return { ...d, plantedSlowdown: planted, note: d.note ? `${d.note}; ${warning}` : warning };
}

const roundCount = (c: Case) => c.rounds ?? 1;
const lineKey = (id: string, round: number) => `${id}#${round}`;

/** The plan of one configuration: its cases carry its name, in the field and at the end of the id. */
function partPlan(suite: LoadedSuite, catalogue: CatalogueEntry[], opts: RunOptions, target: Target, multi: boolean, config?: KernelConfiguration): Part {
  const overrides = config?.runtimeProfile ? { ...opts.overrides, profiles: config.runtimeProfile } : (opts.overrides ?? {});
  const plan = expandPlan(suite, catalogue, overrides, target.name, { qualifyIds: multi || target.kind === 'ssh' });
  if (!config) return { plan };
  return { config, plan: plan.map((c) => ({ ...c, id: `${c.id}${CONFIG_ID_SEPARATOR}${config.name}`, config: config.name })) };
}

/**
 * Opens a target, boots its first configuration (if any) and expands its plan from the worker's
 * catalogue; a target that cannot be reached fails the run before it starts. A first configuration
 * that does not boot is recorded as not applied and the catalogue comes from the default boot.
 */
async function openSession(name: TargetName, suite: LoadedSuite, opts: RunOptions, multi: boolean): Promise<Session> {
  const target = await openTarget(name, { workerCommand: opts.workerCommand, vm: opts.vm, sshConfig: opts.sshConfig, inventory: opts.inventory });
  const configs = opts.configurations ?? [];
  let worker: Worker | undefined;
  try {
    let firstRecord: ConfigurationRecord | undefined;
    if (configs[0]) {
      firstRecord = await applyConfiguration(target, configs[0]);
      if (!firstRecord.booted) await target.boot(null);
    }
    worker = await Worker.start(await target.startWorker());
    const catalogue = await readCatalogue(worker);
    const parts = configs.length ? configs.map((c) => partPlan(suite, catalogue.mechanisms, opts, target, multi, c)) : [partPlan(suite, catalogue.mechanisms, opts, target, multi)];
    await checkCollectorNames(suite.source, parts.flatMap((p) => p.plan));
    return { target, parts, firstWorker: worker, firstRecord, plantedSlowdown: catalogue.hello.planted_slowdown };
  } catch (err) {
    await worker?.quit();
    await target.close();
    // A config error is the same on every target: it stays one, so the CLI says "invalid config".
    if (err instanceof ConfigError) throw err;
    throw new Error(`target ${name}: ${(err as Error).message}`, { cause: err });
  }
}

async function closeRunners(s: Session, runners: CaseRunner[], log: RunLogger): Promise<void> {
  for (const runner of runners) await runner.close?.().catch((err: unknown) => log.warn(`${s.target.name}: closing ${runner.name}: ${String(err)}`));
}

async function closeSession(s: Session, runDir: string | undefined, log: RunLogger): Promise<void> {
  await s.firstWorker?.quit().catch(() => {});
  if (s.parts.some((p) => p.config)) {
    // Back to the target's own kernel and command line (a lab host reboots; a VM just ends).
    await s.target.boot(null).catch((err: unknown) => log.warn(`${s.target.name}: returning to its default boot: ${(err as Error).message}`));
  }
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
  checkRuntimeProfiles(opts.configurations ?? [], suite.kind, suite.source);
  const opened = await Promise.allSettled(targetNames.map((name) => openSession(name, suite, opts, targetNames.length > 1)));
  const sessions = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const refused = opened.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
  if (refused.length) {
    for (const s of sessions) await closeSession(s, undefined, log);
    throw refused.length === 1 ? refused[0]! : new Error(refused.map((e) => e.message).join('\n'));
  }
  let sender: OpenedSender | undefined;
  try {
    sender = opts.sender ? await openSender(opts.sender, targetNames, { sshConfig: opts.sshConfig, inventory: opts.inventory }) : undefined;
  } catch (err) {
    for (const s of sessions) await closeSession(s, undefined, log);
    throw err;
  }
  const closeSender = async () => {
    for (const line of (await sender?.target.close().catch((err: unknown) => [`closing sender ${opts.sender}: ${String(err)}`])) ?? []) log.info(line);
  };

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
    const targets = await Promise.all(sessions.map(async (s) => ({ ...withSlowdown(await s.target.describe(), s.plantedSlowdown), fingerprint: await s.target.fingerprint() })));
    manifest = await buildManifest({
      id: path.basename(runDir),
      suite: suite.name,
      startedAt: before?.startedAt ?? started.toISOString(),
      argv: before?.argv ?? opts.argv ?? process.argv,
      config: {
        source: suite.source,
        ...suite.config,
        overrides: opts.overrides ?? {},
        targets: targetNames,
        ...(opts.sender ? { sender: opts.sender } : {}),
        ...(opts.configurations?.length ? { configurations: opts.configurations } : {}),
      },
      target: targets[0]!,
      ...(targets.length > 1 ? { targets } : {}),
      ...(sender ? { sender: sender.entry } : {}),
      ...(before?.configurations ? { configurations: before.configurations } : {}),
      ...(before ? { resumedAt: [...(before.resumedAt ?? []), started.toISOString()] } : {}),
      workerProtocol: PROTOCOL_VERSION,
    });
    writeManifest(runDir, manifest);
  } catch (err) {
    for (const s of sessions) await closeSession(s, undefined, log);
    await closeSender();
    throw err;
  }
  const done = new Set(previous.map((r) => lineKey(r.case.id, r.round ?? 1)));
  const settledBefore = new Set(previous.filter((r) => r.status !== 'ok').map((r) => r.case.id));
  const todo = (c: Case, round: number) => roundCount(c) >= round && !done.has(lineKey(c.id, round)) && !settledBefore.has(c.id);
  const stepsOf = (plan: Case[]) => plan.reduce((n, c) => n + [...Array(roundCount(c)).keys()].filter((i) => todo(c, i + 1)).length, 0);
  const allCases = sessions.flatMap((s) => s.parts.flatMap((p) => p.plan));
  const perTarget = Object.fromEntries(sessions.map((s) => [s.target.name, s.parts.reduce((n, p) => n + stepsOf(p.plan), 0)]));
  const steps = Object.values(perTarget).reduce((a, b) => a + b, 0);
  opts.progress?.planned?.(allCases, runDir, steps, perTarget);

  const lines: Result[] = [...previous];
  let step = 0;
  const record = (line: Result) => {
    appendResult(runDir, line);
    lines.push(line);
  };
  const recordConfiguration = (r: ConfigurationRecord) => {
    manifest = { ...manifest, configurations: [...(manifest.configurations ?? []), r] };
    writeManifest(runDir, manifest);
    log.info(`${r.target}: configuration ${r.name} ${r.status}${r.reasons.length ? `: ${r.reasons.join('; ')}` : ` (${r.observed?.release ?? '?'}: ${r.observed?.cmdline ?? ''})`}`);
  };
  // One pass over a part's plan per round (core/rounds.ts): a case's rounds are a whole pass apart.
  const measurePart = async (s: Session, part: Part, runners: CaseRunner[]) => {
    const settled = new Set<string>(); // cases that ended skipped or failed: no further rounds
    const passes = Math.max(1, ...part.plan.map(roundCount));
    const ctx = { runDir, log, signal, target: s.target, ...(sender ? { sender: sender.target } : {}), startCollectors: (names: string[], pids: number[]) => startCollectors(names, { pids, target: s.target }) };
    for (let round = 1; round <= passes; round++) {
      for (const c of part.plan) {
        if (!todo(c, round) || settled.has(c.id)) continue;
        if (signal.aborted) return;
        const mine = step++;
        opts.progress?.caseStarted?.(c, mine);
        const runner = runnerFor(runners, c);
        const result = runner
          ? await runCase(runner, c, { ...ctx, round })
          : skippedResult(c, `no runner for test ${c.test} on target ${s.target.name}`, new Date().toISOString());
        // A case cut short by SIGINT/SIGTERM measured nothing worth keeping.
        if (signal.aborted && result.status !== 'ok') return;
        const line = roundCount(c) > 1 ? { ...result, round } : result;
        if (result.status !== 'ok') settled.add(c.id);
        record(line);
        opts.progress?.caseEnded?.(line, mine);
      }
    }
  };
  /** Nothing is measured under a configuration that is not applied: its cases say why. */
  const skipPart = (part: Part, why: string) => {
    for (const c of part.plan) {
      if (!todo(c, 1)) continue;
      const mine = step;
      step += stepsOf([c]);
      opts.progress?.caseStarted?.(c, mine);
      const line = skippedResult(c, why, new Date().toISOString());
      record(line);
      opts.progress?.caseEnded?.(line, mine);
    }
  };
  // A target's parts run in turn (one boot each); targets run in parallel.
  const measure = async (s: Session) => {
    for (const [i, part] of s.parts.entries()) {
      // The worker of the opening boot serves part 0 only: it goes before any other boot.
      const opening = s.firstWorker;
      s.firstWorker = undefined;
      if (signal.aborted || stepsOf(part.plan) === 0) {
        // Aborted, or a resumed run that has all of this part.
        await opening?.quit();
        if (signal.aborted) return;
        continue;
      }
      if (part.config) {
        const verified = i === 0 && s.firstRecord ? s.firstRecord : await applyConfiguration(s.target, part.config);
        recordConfiguration(verified);
        if (verified.status !== 'verified') {
          await opening?.quit();
          skipPart(part, `configuration ${part.config.name} not applied on ${s.target.name}: ${verified.reasons.join('; ')}`);
          continue;
        }
      }
      // From here the runners own the worker.
      const runners = await createRunners(() => s.target.startWorker(), opening, { freshWorkerPerRound: s.target.cheapWorkerStart });
      try {
        await measurePart(s, part, runners);
      } finally {
        await closeRunners(s, runners, log);
      }
    }
  };
  let results: Result[] = [];
  try {
    await Promise.all(sessions.map(measure));
  } finally {
    await Promise.all(sessions.map((s) => closeSession(s, runDir, log)));
    await closeSender();
    results = await mergeRounds(lines);
    writeCsv(runDir, results);
    writeManifest(runDir, { ...manifest, endedAt: new Date().toISOString() });
  }
  return { runDir, results };
}

// The NET case runner (tests A/B): apply a kernel-configuration profile, stream paced TCP over its
// topology, collect Table 1 counters or the Table 2/3 kernel profile, verify the profile took
// effect, and always put the machine back (journal replayed in `finally`, on SIGINT/SIGTERM, or by
// `m3bench restore` after a crash).
import { cpus } from 'node:os';
import { startCollectors } from '../../collectors/index.ts';
import { detectPerf } from '../../collectors/perf.ts';
import type { Case, CollectorOutput, Result } from '../../core/types.ts';
import type { CaseRunner, RunContext } from '../../core/runner.ts';
import { failedResult, skippedResult } from '../../core/result.ts';
import { applyKnobs, restoreJournal, type KnobReport } from '../kernel/apply.ts';
import { netFigures, type StreamPids } from './figures.ts';
import { acquireGlobalLock, touchesHost } from '../kernel/global-lock.ts';
import { idleGate } from '../../collectors/idle-gate.ts';
import { Journal } from '../kernel/journal.ts';
import { netParamsSchema, type NetParams } from '../../suites/net-params.ts';
import { paperReference, symbolGroups } from './paper.ts';
import { loadProfile, type Profile } from '../../suites/profile.ts';
import { napiThreadsOf } from '../kernel/resolve.ts';
import { createTopology, type Topology } from '../kernel/topology.ts';
import { threadRunNs, verifyRun } from './verify.ts';
import { m3netBuilt, M3NET, remoteSenderCommand, startReceiver, startSender, type Receiver, type Sender } from './workload.ts';
import { run } from '../targets/netns-exec.ts';

/** Seconds a stream may run past its duration: local sender / remote senders (lab, started by hand). */
const LOCAL_MARGIN_S = 30;
const REMOTE_MARGIN_S = 300;

/** How long a run waits for another run to finish with host-wide knobs. */
const GLOBAL_LOCK_WAIT_MS = 120_000;

/** Why this host cannot run a NET case, or null. */
async function missingCapability(c: Case): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'tests A/B need root (network namespaces, sysfs and IRQ knobs)';
  if (!m3netBuilt()) return `${M3NET} is not built (npm run build)`;
  for (const tool of ['ip', 'ethtool', 'taskset']) {
    if (!(await run(null, 'sh', ['-c', `command -v ${tool}`]).then(() => true, () => false))) return `${tool} is not installed (Debian: iproute2, ethtool, util-linux)`;
  }
  if (c.repetition === 'profile') {
    const caps = await detectPerf();
    if (!caps.usable) return `perf cannot profile the kernel here: ${caps.reasons.join('; ')}`;
  }
  return null;
}

/**
 * SIGINT/SIGTERM while knobs are applied. When `m3bench run` handles the signal it aborts the case
 * (synchronously, from its own listener), and the abort path kills the workload and `finally`
 * restores. When nobody does (a bare runner; execa's signal-exit hook alone would re-raise the
 * signal and kill the process before `finally`), restore here and exit with the signal's status.
 */
function guardSignals(caseSignal: AbortSignal, onSignal: () => Promise<void>): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((sig) => {
    const handler = () =>
      setImmediate(() => {
        if (caseSignal.aborted) return;
        void onSignal().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
      });
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return () => handlers.forEach(([sig, h]) => process.off(sig, h));
}

interface Stream {
  recv: Awaited<Receiver['done']>;
  pids: StreamPids;
  collectors: Record<string, CollectorOutput>;
  napiBefore: Map<number, number>;
  napiAfter: Map<number, number>;
}

async function stream(c: Case, ctx: RunContext, profile: Profile, params: NetParams, topo: Topology, children: Array<Receiver | Sender>): Promise<Stream> {
  ctx.signal.throwIfAborted();
  const receiver = await startReceiver({ netns: topo.rxNetns, port: params.port, flows: params.flows, cpu: profile.receiverCpu, busyPollUs: profile.busyPollUs });
  children.push(receiver);
  const napiPids = (await napiThreadsOf(topo)).map((t) => t.pid);
  const napiBefore = await threadRunNs(napiPids);
  let sender: Sender | undefined;
  ctx.signal.throwIfAborted(); // an abort that came while the receiver started found no child to kill
  if (topo.txNetns !== null) {
    const addrs = topo.rx.map((ep) => ep.address!);
    sender = startSender({ netns: topo.txNetns, addrs, port: params.port, flows: params.flows, rateMbit: params.rateMbit, duration: params.duration, cpu: profile.senderCpu });
    children.push(sender);
  } else {
    ctx.log.info(`waiting for ${params.flows} remote flow(s); on each sender run: ${remoteSenderCommand(params)}`);
  }
  const pids: StreamPids = { receiver: receiver.pid, sender: sender?.pid, napi: napiPids };
  // A stream that never ends (remote senders that never connect, a wedged flow) must not hold the
  // machine's knobs forever: past its time plus a margin, the workload is killed.
  const limitS = params.duration + (sender ? LOCAL_MARGIN_S : REMOTE_MARGIN_S);
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    children.forEach((ch) => ch.kill());
  }, limitS * 1000);
  let running: Awaited<ReturnType<typeof startCollectors>> | undefined;
  let recv;
  try {
    await receiver.connected; // sample the stream, not the wait for remote senders
    running = await startCollectors(c.collectors, {
      target: ctx.target,
      // NAPI kthreads are ours too: in B they do the receive work that softirqs do in A.
      pids: [receiver.pid, ...(sender ? [sender.pid] : []), ...napiPids],
      perfFrequency: params.perfFrequency,
      perfSymbolGroups: symbolGroups(),
    });
    [recv] = await Promise.all([receiver.done, sender?.done]);
  } catch (err) {
    await running?.stop().catch(() => {});
    throw timedOut ? new Error(`no complete stream within ${limitS} s${sender ? '' : ' (did the remote senders connect?)'}`) : err;
  } finally {
    clearTimeout(watchdog);
  }
  const collectors = await running.stop();
  return { recv, pids, collectors, napiBefore, napiAfter: await threadRunNs(napiPids) };
}

interface Prepared {
  params: NetParams;
  profile: Profile;
  journal: Journal;
}

/** Parameters, profile and capabilities: a case that cannot run here ends before anything changes. */
async function prepare(c: Case, startedAt: string): Promise<Prepared | Result> {
  const parsed = netParamsSchema.safeParse(c.params ?? {});
  if (!parsed.success) return failedResult(c, new Error(`params: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`), startedAt);
  const params = parsed.data;
  if (!c.profile) return failedResult(c, new Error('a NET case needs case.profile'), startedAt);
  let profile: Profile;
  try {
    profile = await loadProfile(c.profile);
  } catch (err) {
    return failedResult(c, err, startedAt);
  }
  if (params.nics && profile.topology.kind === 'nics') profile = { ...profile, topology: { kind: 'nics', nics: params.nics } };
  const missing = await missingCapability(c);
  if (missing) return skippedResult(c, missing, startedAt);
  const journal = new Journal();
  if (journal.exists()) return failedResult(c, new Error(`${journal.path} exists: a previous run did not restore; run \`m3bench restore\` first`), startedAt);
  return { params, profile, journal };
}

/** Everything that changes the machine, always undone: topology, knobs, the stream. */
async function measure(c: Case, ctx: RunContext, { params, profile, journal }: Prepared, startedAt: string): Promise<Result> {
  const gate = await idleGate(params.idleGate);
  if (gate.noisy) ctx.log.warn(`${c.id}: machine busy ${gate.busyPercent} % before the case (top: ${gate.top.map((p) => `${p.comm} ${p.cpuPercent}%`).join(', ')}); flagged noisy`);
  const children: Array<Receiver | Sender> = [];
  const killChildren = () => children.forEach((ch) => ch.kill());
  const unguard = guardSignals(ctx.signal, async () => {
    killChildren();
    await restoreJournal(journal);
  });
  ctx.signal.addEventListener('abort', killChildren, { once: true });
  let knobs: KnobReport[] = [];
  try {
    const topo = await createTopology(profile.topology, journal, `${process.pid}`);
    knobs = await applyKnobs(profile.knobs, topo, journal);
    const s = await stream(c, ctx, profile, params, topo, children);
    const checks = verifyRun({ profile, ...s });
    for (const ch of checks.filter((x) => !x.ok)) ctx.log.warn(`${c.id}: not verified: ${ch.check}: ${ch.detail}`);
    return {
      case: c,
      status: 'ok',
      derived: netFigures(s.recv, s.collectors, cpus().length, s.pids),
      detail: {
        profile: profile.name,
        repetition: c.repetition,
        receiver: s.recv,
        knobs,
        verification: checks,
        verified: checks.every((x) => x.ok),
        idleGate: gate,
        noisy: gate.noisy,
        paper: paperReference(profile.name, s.collectors.perf),
      },
      collectors: s.collectors,
      startedAt,
      endedAt: new Date().toISOString(),
    };
  } catch (err) {
    killChildren();
    return failedResult(c, err, startedAt, { profile: profile.name, knobs });
  } finally {
    ctx.signal.removeEventListener('abort', killChildren);
    const restored = await restoreJournal(journal);
    unguard();
    if (restored.failed.length) ctx.log.warn(`${c.id}: could not restore: ${restored.failed.join('; ')} (journal kept: ${journal.path})`);
  }
}

export const netRunner: CaseRunner = {
  name: 'net',
  accepts: (c) => c.test === 'NET',
  async run(c, ctx): Promise<Result> {
    const startedAt = new Date().toISOString();
    // The namespaces, veths and knobs of this runner are made on the host m3bench runs on.
    if (ctx.target.kind !== 'local') return skippedResult(c, `tests A/B over veth pairs run on this host; target ${ctx.target.name} is not this host`, startedAt);
    const prepared = await prepare(c, startedAt);
    if ('status' in prepared) return prepared;
    let release: (() => void) | undefined;
    try {
      if (touchesHost(prepared.profile)) {
        release = await acquireGlobalLock(GLOBAL_LOCK_WAIT_MS, ctx.signal);
        process.once('exit', release); // the signal guard exits without unwinding to `finally`
      }
      return await measure(c, ctx, prepared, startedAt);
    } catch (err) {
      return failedResult(c, err, startedAt);
    } finally {
      if (release) {
        process.off('exit', release);
        release();
      }
    }
  },
};

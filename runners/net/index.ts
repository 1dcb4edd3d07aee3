// The NET case runner (tests A/B): apply a kernel-configuration profile on the case's target (the
// receiver), stream paced TCP over its topology — veth pairs inside it, or its NICs fed by a
// sender target — collect Table 1 counters or the Table 2/3 kernel profile there, verify the
// profile took effect, and always put the receiver back (journal replayed in `finally`, on
// SIGINT/SIGTERM, or by `m3bench restore` after a crash).
import { startCollectors } from '../../collectors/index.ts';
import { detectPerf } from '../../collectors/perf.ts';
import type { Case, CollectorOutput, Result } from '../../core/types.ts';
import type { CaseRunner, RunContext } from '../../core/runner.ts';
import type { Target } from '../../core/target.ts';
import { failedResult, skippedResult } from '../../core/result.ts';
import { applyKnobs, restoreJournal, type KnobReport } from '../kernel/apply.ts';
import { netFigures, type StreamPids } from './figures.ts';
import { acquireGlobalLock, globalLockPath, touchesHost } from '../kernel/global-lock.ts';
import { idleGate } from '../../collectors/idle-gate.ts';
import { bootId, type Journal, journalFor } from '../kernel/journal.ts';
import { netParamsSchema, type NetParams } from '../../suites/net-params.ts';
import { paperReference, symbolGroups } from './paper.ts';
import { loadProfile, type Profile } from '../../suites/profile.ts';
import { napiThreadsOf } from '../kernel/resolve.ts';
import { probeM3net } from '../kernel/napi.ts';
import { createTopology, type Topology } from '../kernel/topology.ts';
import { threadRunNs, verifyRun } from './verify.ts';
import { remoteSenderCommand, startReceiver, startSender, type Place, type Receiver, type Sender } from './workload.ts';
import { KernelShell } from '../targets/kernel-shell.ts';

/**
 * Seconds a stream may run past its duration: a sender on this host, a sender target reached over
 * ssh (its start and end cross the network; TCG guests are slow), remote senders started by hand.
 */
const LOCAL_MARGIN_S = 30;
const TARGET_MARGIN_S = 120;
const REMOTE_MARGIN_S = 300;

/** How long a run waits for another run to finish with host-wide knobs. */
const GLOBAL_LOCK_WAIT_MS = 120_000;

/** The tools a profile needs on the receiver, with the package that has them. */
function toolsFor(profile: Profile): Array<[string, string]> {
  const tools: Array<[string, string]> = [['ip', 'iproute2']];
  if (profile.knobs.some((k) => k.kind === 'ethtool')) tools.push(['ethtool', 'ethtool']);
  if (profile.knobs.some((k) => k.kind === 'napi-affinity')) tools.push(['taskset', 'util-linux']);
  return tools;
}

/** Why `ctx.target` cannot run this NET case (or `ctx.sender` cannot feed it), or null. */
async function missingCapability(c: Case, ctx: RunContext, sh: KernelShell, profile: Profile): Promise<string | null> {
  const where = ctx.target.kind === 'local' ? '' : ` on ${ctx.target.name}`;
  const uid = await sh.run(null, 'id', ['-u']).then((o) => o.trim(), (err: Error) => err);
  if (uid instanceof Error) return `tests A/B run commands on the receiver: ${uid.message}`;
  if (uid !== '0') return `tests A/B need root${where} (network namespaces, sysfs and IRQ knobs)`;
  const m3net = await ctx.target.program('m3net').then(() => null, (err: Error) => err.message);
  if (m3net) return m3net;
  if (profile.preferBusyPoll) {
    // Without EPIOCSPARAMS the receiver would busy-poll without prefer_busy_poll: another test.
    const probe = await probeM3net(sh).catch((err: Error) => err);
    if (probe instanceof Error) return `m3net probe${where}: ${probe.message}`;
    if (!probe.epollParams) return `profile ${profile.name} busy-polls epoll with prefer_busy_poll (EPIOCSPARAMS, Linux >= 6.9); the kernel${where} refuses it (${probe.epollParamsErrno ?? '?'})`;
  }
  for (const [tool, pkg] of toolsFor(profile)) {
    if (!(await sh.has(tool))) return `${tool} is not installed${where} (Debian: ${pkg})`;
  }
  if (profile.topology.kind === 'veth') {
    if (ctx.sender) return `profile ${profile.name} streams over veth pairs inside the receiver; --sender feeds NIC profiles (topology "nics")`;
    const netns = await sh.run(null, 'ip', ['netns', 'list']).then(() => null, (err: Error) => err.message);
    if (netns) return `ip${where} cannot make network namespaces (a busybox ip?): ${netns}`;
  }
  if (ctx.sender) {
    const m3netThere = await ctx.sender.program('m3net').then(() => null, (err: Error) => err.message);
    if (m3netThere) return `sender ${ctx.sender.name}: ${m3netThere}`;
  }
  if (c.repetition === 'profile') return perfMissing(ctx.target);
  return null;
}

/** Why perf cannot profile the kernel of `target` (the profile repetition), or null. */
async function perfMissing(target: Target): Promise<string | null> {
  const caps = await detectPerf(target);
  return caps.usable ? null : `perf cannot profile the kernel on ${target.name}: ${caps.reasons.join('; ')}`;
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

/** Where the sender runs: the send namespace of the receiver's target (veth), a sender target (NICs), or nowhere of ours (lab senders by hand). */
async function senderPlace(ctx: RunContext, receiver: Place, topo: Topology): Promise<Place | null> {
  if (topo.txNetns !== null) return { ...receiver, netns: topo.txNetns };
  if (!ctx.sender) return null;
  const missing = topo.rx.filter((ep) => ep.address === null);
  if (missing.length) throw new Error(`${missing.map((ep) => ep.name).join(', ')}: no IPv4 address on ${ctx.target.name} for the sender to reach`);
  return { sh: new KernelShell(ctx.sender), m3net: await ctx.sender.program('m3net'), netns: null };
}

async function stream(c: Case, ctx: RunContext, sh: KernelShell, profile: Profile, params: NetParams, topo: Topology, children: Array<Receiver | Sender>): Promise<Stream> {
  ctx.signal.throwIfAborted();
  const at: Place = { sh, m3net: await ctx.target.program('m3net'), netns: topo.rxNetns };
  const receiver = await startReceiver(at, { port: params.port, flows: params.flows, cpu: profile.receiverCpu, busyPollUs: profile.busyPollUs, preferBusyPoll: profile.preferBusyPoll });
  children.push(receiver);
  const napiPids = (await napiThreadsOf(sh, topo)).map((t) => t.pid);
  const napiBefore = await threadRunNs(ctx.target, napiPids);
  let sender: Sender | undefined;
  ctx.signal.throwIfAborted(); // an abort that came while the receiver started found no child to kill
  const from = await senderPlace(ctx, at, topo);
  if (from) {
    const addrs = topo.rx.map((ep) => ep.address!);
    sender = await startSender(from, { addrs, port: params.port, flows: params.flows, rateMbit: params.rateMbit, duration: params.duration, cpu: profile.senderCpu });
    children.push(sender);
  } else {
    ctx.log.info(`waiting for ${params.flows} remote flow(s); on each sender run: ${remoteSenderCommand(params, topo.rx.map((ep) => ep.address))}`);
  }
  // A sender on another machine is not among the receiver's processes.
  const localSender = sender && from?.sh === sh ? sender.pid : undefined;
  const pids: StreamPids = { receiver: receiver.pid, sender: localSender, napi: napiPids };
  // A stream that never ends (remote senders that never connect, a wedged flow) must not hold the
  // machine's knobs forever: past its time plus a margin, the workload is killed.
  const margin = !from ? REMOTE_MARGIN_S : from.sh.target.kind === 'local' ? LOCAL_MARGIN_S : TARGET_MARGIN_S;
  const limitS = params.duration + margin;
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    children.forEach((ch) => void ch.kill());
  }, limitS * 1000);
  let running: Awaited<ReturnType<typeof startCollectors>> | undefined;
  let recv;
  try {
    await receiver.connected; // sample the stream, not the wait for remote senders
    running = await startCollectors(c.collectors, {
      target: ctx.target,
      // NAPI kthreads are ours too: in B they do the receive work that softirqs do in A.
      pids: [receiver.pid, ...(localSender !== undefined ? [localSender] : []), ...napiPids],
      intervalMs: params.sampleIntervalMs,
      perfFrequency: params.perfFrequency,
      perfSymbolGroups: symbolGroups(),
      maxSeconds: limitS,
    });
    [recv] = await Promise.all([receiver.done, sender?.done]);
  } catch (err) {
    await running?.stop().catch(() => {});
    throw timedOut ? new Error(`no complete stream within ${limitS} s${from ? '' : ' (did the remote senders connect?)'}`) : err;
  } finally {
    clearTimeout(watchdog);
  }
  const collectors = await running.stop();
  return { recv, pids, collectors, napiBefore, napiAfter: await threadRunNs(ctx.target, napiPids) };
}

interface Prepared {
  params: NetParams;
  profile: Profile;
  sh: KernelShell;
  journal: Journal;
}

/** Parameters, profile and capabilities: a case that cannot run here ends before anything changes. */
async function prepare(c: Case, ctx: RunContext, startedAt: string): Promise<Prepared | Result> {
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
  const sh = new KernelShell(ctx.target);
  const missing = await missingCapability(c, ctx, sh, profile);
  if (missing) return skippedResult(c, missing, startedAt);
  const journal = journalFor(ctx.target);
  if (journal.exists()) return failedResult(c, new Error(`${journal.path} exists: a previous run did not restore ${ctx.target.name}; run \`m3bench restore\` first`), startedAt);
  return { params, profile, sh, journal };
}

/** Everything that changes the receiver, always undone: topology, knobs, the stream. */
async function measure(c: Case, ctx: RunContext, { params, profile, sh, journal }: Prepared, startedAt: string): Promise<Result> {
  const gate = await idleGate(ctx.target, params.idleGate);
  if (gate.noisy) ctx.log.warn(`${c.id}: ${ctx.target.name} busy ${gate.busyPercent} % before the case (top: ${gate.top.map((p) => `${p.comm} ${p.cpuPercent}%`).join(', ')}); flagged noisy`);
  const children: Array<Receiver | Sender> = [];
  const killChildren = () => Promise.all(children.map((ch) => ch.kill()));
  // One restore, whoever asks first: a signal's handler and this case's `finally` (reached when the
  // killed stream ends) would otherwise replay the journal at once, and the one that lost a race
  // (a namespace the other deleted) keeps the journal while the handler exits.
  let restoring: ReturnType<typeof restoreJournal> | undefined;
  const restoreOnce = () => (restoring ??= restoreJournal(sh, journal));
  const unguard = guardSignals(ctx.signal, async () => {
    await killChildren();
    await restoreOnce();
  });
  const onAbort = () => void killChildren();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let knobs: KnobReport[] = [];
  try {
    // First: a replay after a reboot of the receiver must know the journal's state is gone.
    journal.record({ op: 'boot', bootId: await bootId(sh) });
    const topo = await createTopology(sh, profile.topology, journal, `${process.pid}`);
    knobs = await applyKnobs(sh, profile.knobs, topo, journal);
    const s = await stream(c, ctx, sh, profile, params, topo, children);
    const checks = verifyRun({ profile, ...s });
    for (const ch of checks.filter((x) => !x.ok)) ctx.log.warn(`${c.id}: not verified: ${ch.check}: ${ch.detail}`);
    const nics = profile.topology.kind === 'nics' ? topo.rx.map((ep) => ep.name) : [];
    return {
      case: c,
      status: 'ok',
      derived: netFigures(s.recv, s.collectors, (await ctx.target.fingerprint()).cores, s.pids, nics),
      detail: {
        profile: profile.name,
        repetition: c.repetition,
        receiver: s.recv,
        ...(ctx.sender ? { sender: ctx.sender.name } : {}),
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
    await killChildren();
    return failedResult(c, err, startedAt, { profile: profile.name, knobs });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    const restored = await restoreOnce().catch((err: Error) => ({ failed: [err.message] }));
    unguard();
    if (restored.failed.length) ctx.log.warn(`${c.id}: could not restore ${ctx.target.name}: ${restored.failed.join('; ')} (journal kept: ${journal.path})`);
  }
}

export const netRunner: CaseRunner = {
  name: 'net',
  accepts: (c) => c.test === 'NET',
  async run(c, ctx): Promise<Result> {
    const startedAt = new Date().toISOString();
    const prepared = await prepare(c, ctx, startedAt);
    if ('status' in prepared) return prepared;
    let release: (() => void) | undefined;
    try {
      if (touchesHost(prepared.profile)) {
        release = await acquireGlobalLock(GLOBAL_LOCK_WAIT_MS, ctx.signal, globalLockPath(ctx.target.name));
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

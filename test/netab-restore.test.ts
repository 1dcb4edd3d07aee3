// Tests A/B leave the machine as they found it: after a short A and B run, and after `kill -9` of a
// runner mid-stream followed by `m3bench restore`, every sysctl, IRQ affinity, RPS mask and NAPI
// setting of the host reads back as before, and no namespace, veth or workload process remains.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Case, Result } from '../core/types.ts';
import type { RunContext } from '../core/runner.ts';
import { LocalTarget } from '../runners/targets/local.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'netab-restore-'));
// A journal of our own, so that this test never touches a real run's.
process.env.M3BENCH_JOURNAL = path.join(dir, 'journal.jsonl');
const { netRunner } = await import('../runners/net/index.ts');
const { M3NET } = await import('../core/paths.ts');
const { GLOBAL_LOCK } = await import('../runners/kernel/global-lock.ts');

function whyNot(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (namespaces, sysfs, IRQ knobs)';
  if (!existsSync(M3NET)) return 'native/build/m3net is not built (npm run build)';
  return null;
}

/**
 * The runner's own reason when this host lacks a tool it needs (`ethtool is not installed (Debian:
 * ...)`): such a test skips with it (scripts/install-test-deps.sh installs the tools). Any other
 * skip is not excused.
 */
function missingTool(r: Pick<Result, 'status' | 'reason'>): string | null {
  return r.status === 'skipped' && / is not installed\b/.test(r.reason ?? '') ? r.reason! : null;
}

/** `ip`'s output; none without iproute2 (the runner then skips before it makes any namespace). */
async function ip(args: string[]): Promise<string> {
  try {
    return (await execa('ip', args)).stdout;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return '';
    throw err;
  }
}

/** Command lines of every process (from /proc: a minimal machine may have no `ps`). */
function processArgs(): string[] {
  return list('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()];
    } catch {
      return []; // exited meanwhile
    }
  });
}

function readAll(paths: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of paths) {
    try {
      out[p] = readFileSync(p, 'utf8').trim();
    } catch {
      // write-only or vanished entries are not state we can compare
    }
  }
  return out;
}

const list = (d: string) => (existsSync(d) ? readdirSync(d) : []);

/** Runner pids of this test (itself and the kill -9 victim): other people's runs are not ours to judge. */
const ours = new Set([process.pid]);
// A port of this test process's own: its workload is told apart from a concurrent run's by it.
const PORT = 20000 + (process.pid % 20000);

/** Every host-side knob a profile may touch, plus what this test's runs may leave behind. */
async function hostState() {
  const netCore = list('/proc/sys/net/core').map((f) => `/proc/sys/net/core/${f}`);
  const irqs = list('/proc/irq').filter((d) => /^\d+$/.test(d)).map((d) => `/proc/irq/${d}/smp_affinity_list`);
  const devs = list('/sys/class/net').flatMap((dev) => [
    ...['threaded', 'napi_defer_hard_irqs', 'gro_flush_timeout'].map((a) => `/sys/class/net/${dev}/${a}`),
    ...list(`/sys/class/net/${dev}/queues`).filter((q) => q.startsWith('rx-')).map((q) => `/sys/class/net/${dev}/queues/${q}/rps_cpus`),
  ]);
  const netns = (await ip(['netns', 'list'])).split('\n').filter((l) => ours.has(Number(/^m3b-(\d+)-/.exec(l)?.[1])));
  // veth ends are created inside the namespaces; one in the host's would be a leak.
  const links = (await ip(['-o', 'link'])).split('\n').filter((l) => /: m3[0-9a-z]{2}[tr]\d/.test(l));
  const procs = processArgs().filter((a) => a.includes('m3net') && a.includes(`--port ${PORT}`));
  return { knobs: readAll([...netCore, ...irqs, ...devs]), leftovers: { netns, links, procs } };
}

function netCase(profile: string, duration: number): Case {
  return {
    id: `NET/${profile}/counters`,
    test: 'NET',
    mechanism: 'tcp-paced',
    size: 0,
    placement: 'unpinned',
    pairs: 3,
    spin: 0,
    target: 'local',
    time: duration,
    collectors: ['proc-stat', 'proc-interrupts', 'proc-softirqs', 'proc-pid'],
    profile,
    repetition: 'counters',
    params: { duration, rateMbit: 300, port: PORT, idleGate: { retries: 0, windowMs: 200 } },
  };
}

const ctx: RunContext = {
  runDir: dir,
  log: { info: () => {}, warn: () => {} },
  signal: new AbortController().signal,
  target: new LocalTarget(),
  round: 1,
  startCollectors: () => Promise.reject(new Error('the net runner starts its own collectors')),
};

describe('tests A/B restore the machine', { skip: whyNot() ?? false }, () => {
  let baseline: Awaited<ReturnType<typeof hostState>>;
  before(async () => {
    baseline = await hostState();
    assert.deepEqual(baseline.leftovers, { netns: [], links: [], procs: [] }, 'leftovers from an earlier run: run m3bench restore');
  });

  it('a short A and B run reports every knob, verifies B, and leaves nothing behind', async (t) => {
    for (const profile of ['A', 'B']) {
      const r = await netRunner.run(netCase(profile, 1), ctx);
      const missing = missingTool(r);
      if (missing) return t.skip(missing);
      assert.equal(r.status, 'ok', `${profile}: ${r.error}`);
      const knobs = r.detail!.knobs as Array<{ status: string }>;
      assert.ok(knobs.length > 0 && knobs.every((k) => ['applied', 'unsupported', 'ineffective'].includes(k.status)));
      assert.ok(r.derived!.gbitPerSec! > 0 && r.derived!.cswchPerSec! > 0);
      if (profile === 'B') {
        // NET_RX counts are machine-wide: other people's loopback traffic on CPU1 can fail that
        // check (it is covered on fixed data in netab-verify); the NAPI evidence is ours alone.
        const checks = r.detail!.verification as Array<{ check: string; ok: boolean }>;
        assert.equal(checks.length, 3);
        for (const ch of checks.filter((x) => !x.check.startsWith('NET_RX'))) assert.ok(ch.ok, JSON.stringify(ch));
      }
    }
    assert.deepEqual(await hostState(), baseline);
    assert.equal(existsSync(process.env.M3BENCH_JOURNAL!), false, 'journal removed after a clean restore');
  });

  it('an abort mid-stream (SIGINT/SIGTERM in `m3bench run`) stops the workload and restores', async (t) => {
    const abort = new AbortController();
    const running = netRunner.run(netCase('B', 30), { ...ctx, signal: abort.signal });
    const ended: { r?: Result } = {}; // set when the runner ends, e.g. before its stream started
    void running.then((r) => (ended.r = r));
    const deadline = Date.now() + 30000;
    while ((await hostState()).leftovers.procs.length < 2) {
      if (ended.r) {
        const missing = missingTool(ended.r);
        if (missing) return t.skip(missing);
        assert.fail(`the runner ended before streaming: ${ended.r.status} ${ended.r.reason ?? ended.r.error ?? ''}`);
      }
      assert.ok(Date.now() < deadline, 'the stream never started');
      await new Promise((r) => setTimeout(r, 200));
    }
    abort.abort(new Error('SIGINT'));
    const r = await running;
    assert.equal(r.status, 'failed');
    assert.match(r.error!, /killed by SIGKILL/);
    assert.deepEqual(await hostState(), baseline);
  });

  /** B plus one host-global knob, so that a crash leaves something outside the namespaces too. */
  const budgetPath = '/proc/sys/net/core/netdev_budget';
  function globalKnobProfile(budget: number): string {
    const b = JSON.parse(readFileSync(path.join(ROOT, 'config/profiles/B.json'), 'utf8'));
    b.knobs.unshift({ kind: 'sysctl', scope: 'global', key: 'net.core.netdev_budget', value: String(budget + 7) });
    const profileFile = path.join(dir, 'B-global.json');
    writeFileSync(profileFile, JSON.stringify(b));
    return profileFile;
  }

  /**
   * A runner in its own process with no signal handlers of its own, stopped once it streams; or,
   * when the runner skips for a missing tool before streaming, that reason (`skip`).
   */
  async function startVictim(profileFile: string) {
    const script = path.join(dir, 'victim.mts');
    writeFileSync(
      script,
      `import { netRunner } from ${JSON.stringify(path.join(ROOT, 'runners/net/index.ts'))};\n` +
        `import { LocalTarget } from ${JSON.stringify(path.join(ROOT, 'runners/targets/local.ts'))};\n` +
        `const c = ${JSON.stringify({ ...netCase(profileFile, 30), collectors: ['proc-stat'] })};\n` +
        `const r = await netRunner.run(c, { runDir: '/tmp', log: { info() {}, warn() {} }, signal: new AbortController().signal, target: new LocalTarget(), round: 1, startCollectors: null });\n` +
        `console.log(JSON.stringify({ status: r.status, reason: r.reason, error: r.error }));\n`,
    );
    // The victim journals where a real run does, so that `m3bench restore` has to find it by itself.
    const { M3BENCH_JOURNAL: _own, ...env } = process.env;
    const victim = execa('node', ['--import', 'tsx', script], { cwd: ROOT, reject: false, env, extendEnv: false });
    ours.add(victim.pid!);
    const journal = `/run/m3bench/net-journal-${victim.pid}.jsonl`;
    // Mid-run = the receiver is streaming: a m3net process exists and the last knob is journaled.
    const exit: { ended?: { stdout?: unknown; stderr?: unknown; exitCode?: number } } = {};
    void victim.then((res) => (exit.ended = res));
    const deadline = Date.now() + 30000;
    for (;;) {
      const ended = exit.ended;
      if (ended) {
        const line = String(ended.stdout ?? '').trim().split('\n').at(-1) ?? '';
        let r: Pick<Result, 'status' | 'reason' | 'error'> | undefined;
        try {
          r = JSON.parse(line);
        } catch {
          // no result line: the victim crashed
        }
        const missing = r && missingTool(r);
        if (missing) return { skip: missing };
        assert.fail(`the victim ended before streaming (exit ${ended.exitCode}): ${r ? `${r.status} ${r.reason ?? r.error ?? ''}` : String(ended.stderr)}`);
      }
      const text = existsSync(journal) ? readFileSync(journal, 'utf8') : '';
      const streaming = (await hostState()).leftovers.procs.length > 0;
      if (streaming && text.includes('gro_flush_timeout')) break;
      assert.ok(Date.now() < deadline, 'the victim never started streaming');
      await new Promise((r) => setTimeout(r, 200));
    }
    return { victim, journal };
  }

  /** The kernel frees a namespace (and its veths) once its last process has exited. */
  async function settledState() {
    for (let i = 0; i < 50 && JSON.stringify((await hostState()).leftovers) !== JSON.stringify(baseline.leftovers); i++) await new Promise((r) => setTimeout(r, 100));
    return hostState();
  }

  it('SIGTERM to a runner nobody else handles signals for: it restores, then exits', async (t) => {
    const budget = Number(readFileSync(budgetPath, 'utf8'));
    const started = await startVictim(globalKnobProfile(budget));
    if (started.skip !== undefined) return t.skip(started.skip);
    const { victim, journal } = started;
    assert.equal(Number(readFileSync(budgetPath, 'utf8')), budget + 7, 'the global knob was applied');
    victim.kill('SIGTERM');
    assert.equal((await victim).exitCode, 143);
    assert.deepEqual(await settledState(), baseline);
    assert.equal(existsSync(journal), false);
    assert.ok(!existsSync(GLOBAL_LOCK) || readFileSync(GLOBAL_LOCK, 'utf8') !== String(victim.pid), 'host-wide lock released');
  });

  it('after kill -9 mid-run, m3bench restore puts every knob back and removes the namespaces', async (t) => {
    const budget = Number(readFileSync(budgetPath, 'utf8'));
    const started = await startVictim(globalKnobProfile(budget));
    if (started.skip !== undefined) return t.skip(started.skip);
    const { victim, journal } = started;
    assert.equal(Number(readFileSync(budgetPath, 'utf8')), budget + 7, 'the global knob was applied');
    victim.kill('SIGKILL');
    await victim;
    const dirty = await hostState();
    assert.ok(dirty.leftovers.netns.length > 0, 'kill -9 left the namespaces (nothing restored them)');

    const restore = await execa('node', [path.join(ROOT, 'bin/m3bench.js'), 'restore'], { cwd: ROOT, reject: false });
    // A lab host another person's dead run left (its line names that run) is not this test's to judge.
    const othersRun = (line: string) => /\(run (\d+)\)/.test(line) && !ours.has(Number(/\(run (\d+)\)/.exec(line)![1]));
    assert.deepEqual(restore.stderr.split('\n').filter((l) => l.startsWith('FAILED') && !othersRun(l)), [], restore.stderr);
    assert.match(restore.stdout, /restored\s+sysctl\(global\) net\.core\.netdev_budget/);
    assert.match(restore.stdout, new RegExp(`stale lock .* of dead run ${victim.pid} removed`));
    assert.deepEqual(await settledState(), baseline);
    assert.equal(existsSync(journal), false, 'journal removed once replayed');
  });
});

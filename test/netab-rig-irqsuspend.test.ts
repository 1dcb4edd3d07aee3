// IRQ suspension (Linux >= 6.13) on the rig booted with Debian sid's 7.2 kernel: A-rig and
// B-rig-irqsuspend from m3rig-b to m3rig-a over the emulated e1000 link. The irq-suspend knob is
// applied and read back per NAPI through `m3net napi` (not "unsupported"), the receiver's epoll
// busy-polls with prefer_busy_poll (EPIOCSPARAMS read back), every knob of the receiver —
// irq_suspend_timeout of each NAPI included — reads back as before after the run, and Table 1's
// receiver NIC interrupts/s, cswch/s and intr/s of both are reported with their B/A ratios.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { REPO_ROOT } from '../core/paths.ts';
import type { Result } from '../core/types.ts';
import { executeRun } from '../runners/run.ts';
import type { KnobReport } from '../runners/kernel/apply.ts';
import { killMidStreamAndRestore, rigSuite, useRig } from './rig-fixture.ts';

const RECEIVER = 'ssh:m3rig-a';
const SENDER = 'ssh:m3rig-b';
const dir = mkdtempSync(path.join(tmpdir(), 'netab-rig-irqsuspend-'));
const fixture = useRig({ kernel: '7.2' });

const ssh = (command: string, input?: string) =>
  execa('ssh', ['-F', fixture.rig!.sshConfig, 'm3rig-a', command], { reject: false, timeout: 60_000, ...(input ? { inputFile: input } : {}) });

/**
 * The receiver's knobs: the sysfs/proc files rig profiles touch and each NAPI's netlink settings
 * of eth1, read with this host's static m3net (the run's copy goes with its run directory).
 */
async function receiverKnobs(m3net: string): Promise<Record<string, string>> {
  const script = [
    'for f in /proc/irq/*/smp_affinity_list /proc/sys/net/core/busy_poll /proc/sys/net/core/busy_read /sys/class/net/*/threaded /sys/class/net/*/napi_defer_hard_irqs /sys/class/net/*/gro_flush_timeout; do',
    '  [ -r "$f" ] && echo "$f=$(cat "$f")";',
    'done',
    `echo "napi=$(${m3net} napi get --dev eth1)"`,
  ].join('\n');
  const r = await ssh(script);
  assert.equal(r.exitCode, 0, r.stderr);
  return Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => [l.split('=')[0]!, l.slice(l.indexOf('=') + 1)]));
}

/** A probe copy of m3net on the receiver guest, built static here as the runner's is. */
async function probeM3net(): Promise<string> {
  const local = path.join(dir, 'm3net');
  if (!existsSync(local)) await execa('make', ['-C', path.join(REPO_ROOT, 'native', 'net'), `BUILD=${dir}`, 'CC=cc -static', local]);
  const probe = '/root/m3net-probe';
  assert.equal((await ssh(`cat > ${probe} && chmod 755 ${probe}`, local)).exitCode, 0);
  return probe;
}

/** m3net processes of a run (its run directory /tmp/m3bench-*) still on the receiver guest. */
async function runProcesses(): Promise<string> {
  const r = await ssh('for p in /proc/[0-9]*; do case "$(readlink "$p/exe" 2>/dev/null)" in /tmp/m3bench-*) echo "$p $(readlink "$p/exe")";; esac; done; true');
  return r.stdout.trim();
}

const figure = (r: Result | undefined, key: string) => r?.derived?.[key];
const ratio = (b: number | undefined, a: number | undefined) => (a && b !== undefined ? (b / a).toFixed(2) : '?');

describe('IRQ suspension on the rig with the 7.2 kernel', () => {
  it('B-rig-irqsuspend applies and verifies irq_suspend_timeout per NAPI, busy-polls with prefer_busy_poll, and the receiver is restored', async (t) => {
    const { rig, unavailable } = fixture;
    if (unavailable || !rig) return t.skip(unavailable);
    assert.match(rig.kernelVersion, /^7\.2/);
    const probe = await probeM3net();
    const baseline = await receiverKnobs(probe);
    assert.match(baseline.napi ?? '', /"irqSuspendTimeout":0\b/, `eth1's NAPI before the run: ${baseline.napi}`);
    // Counters only (Table 1): perf's own interrupts would be in intr/s, and time is short.
    const suite = rigSuite(dir, 'irqsuspend-7.2', ['A-rig', 'B-rig-irqsuspend'], 10, { idleGate: { maxBusyPercent: 25, retries: 2, windowMs: 1000 } });
    const started = Date.now();
    const { results } = await executeRun({ suite, targets: [RECEIVER], sender: SENDER, sshConfig: rig.sshConfig, out: path.join(dir, 'out') });
    t.diagnostic(`run: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const [a, b] = ['A-rig', 'B-rig-irqsuspend'].map((p) => results.find((r) => r.case.profile === p));
    for (const r of [a, b]) assert.equal(r?.status, 'ok', `${r?.case.id}: ${r?.error ?? r?.reason}`);
    const knobs = (b!.detail as { knobs: KnobReport[] }).knobs;
    t.diagnostic(`B knobs: ${knobs.map((k) => `${k.knob}: ${k.status}${k.before !== undefined ? ` ${k.before} → ${k.after}` : ''}${k.reason ? ` (${k.reason})` : ''}`).join('; ')}`);
    const suspend = knobs.filter((k) => k.knob.startsWith('irq-suspend'));
    assert.ok(suspend.length > 0, 'one irq-suspend knob per NAPI of eth1');
    for (const k of suspend) {
      assert.equal(k.status, 'applied', `${k.knob}: ${k.reason}`);
      assert.match(k.knob, /napi \d+$/);
      assert.equal(k.after, '20000000', `${k.knob} read back`);
    }
    for (const k of knobs) assert.equal(k.status, 'applied', `${k.knob}: ${k.status} ${k.reason ?? ''}`);
    const verification = (b!.detail as { verification: Array<{ check: string; ok: boolean; detail: string }> }).verification;
    const epoll = verification.find((c) => c.check.includes('prefer_busy_poll'));
    assert.ok(epoll?.ok, `epoll busy-poll parameters: ${epoll?.detail}`);
    assert.deepEqual((b!.detail as { receiver: { epollParams?: unknown } }).receiver.epollParams, { busyPollUsecs: 50, busyPollBudget: 64, preferBusyPoll: 1 });
    for (const key of ['gbitPerSec', 'nicIntrPerSec', 'cswchPerSec', 'intrPerSec', 'procStatIntrPerSec', 'receiverSwitchesPerSec', 'receiverCpuPercent']) {
      t.diagnostic(`${key}: A ${figure(a, key)} B ${figure(b, key)} (B/A ${ratio(figure(b, key), figure(a, key))})`);
    }
    for (const cpu of ['cpu0', 'cpu1']) {
      for (const key of ['nicIntrPerSec', 'cswchPerSec', 'locPerSec', 'netRxPerSec', 'cpuPercent']) {
        t.diagnostic(`${key}.${cpu}: A ${figure(a, `${key}.${cpu}`)} B ${figure(b, `${key}.${cpu}`)}`);
      }
    }
    for (const r of [a, b]) assert.ok(figure(r, 'gbitPerSec')! > 0, `${r!.case.id}: data arrived`);
    assert.ok(figure(a, 'nicIntrPerSec')! > 0, 'A: the NIC interrupts the receiver');
    assert.deepEqual(await receiverKnobs(probe), baseline, 'every knob of the receiver, irq_suspend_timeout included, reads back as before');
  });

  it('after kill -9 of m3bench mid-stream, m3bench restore puts irq_suspend_timeout back', async (t) => {
    const { rig, unavailable } = fixture;
    if (unavailable || !rig) return t.skip(unavailable);
    const probe = await probeM3net();
    const baseline = await receiverKnobs(probe);
    const suite = rigSuite(dir, 'long', ['B-rig-irqsuspend'], 120);
    const killed = await killMidStreamAndRestore(rig, {
      suite,
      receiver: RECEIVER,
      sender: SENDER,
      out: path.join(dir, 'killed'),
      // Mid-stream: the irq-suspend knob journaled (the last knob) and the receiver running.
      midStream: async (journal) => journal.includes('"kind":"napi"') && /m3net/.test(await runProcesses()),
      afterKill: async () => {
        const left = await receiverKnobs(probe);
        assert.match(left.napi ?? '', /"irqSuspendTimeout":20000000\b/, `kill -9 left irq_suspend_timeout set: ${left.napi}`);
      },
    });
    const { restore, journal } = killed;
    t.diagnostic(restore.stdout);
    assert.deepEqual(killed.failed, [], restore.stderr);
    assert.match(restore.stdout, /restored\s+ssh:m3rig-a: irq-suspend\(device\) rx0=20000000 \[eth1\] napi \d+ ← 0/);
    assert.deepEqual(await receiverKnobs(probe), baseline, 'every knob of the receiver, irq_suspend_timeout included, reads back as before');
    assert.equal(existsSync(journal), false, 'the knob journal is gone once replayed');
    assert.equal(await runProcesses(), '', 'no m3net of the dead run left on the receiver');
    await ssh(`rm -f ${probe}`);
  });
});

// The SSH target end to end on the rig (runners/targets/rig/): two qemu TCG guests with sshd,
// reached only through the ssh configuration the rig writes. One run measures m3-kmod, m3-sim and
// pipe on both guests (the module built, put, loaded and unloaded by the SSH target's own path),
// the fingerprint and collectors of an ssh case come from the guest, host-vs-host comparison works,
// a guest powered off mid-run fails only its own cases, and --resume completes it after a reboot.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import type { Manifest, Result } from '../core/types.ts';
import { compareAlong } from '../reports/compare.ts';
import { loadRun } from '../reports/load.ts';
import { executeRun } from '../runners/run.ts';
import { useRig } from './rig-fixture.ts';

const MECHANISMS = ['m3-kmod', 'm3-sim', 'pipe'];
const overrides = { mechanisms: MECHANISMS, tests: ['IPC2' as const, 'COPY1' as const], placements: ['same-cpu' as const], time: 0.3, rounds: 1 };
const HOSTS = ['ssh:m3rig-a', 'ssh:m3rig-b'];

const fixture = useRig();
const dir = mkdtempSync(path.join(tmpdir(), 'rig-e2e-'));

const byTarget = (results: Result[], target: string) => results.filter((r) => r.case.target === target);

describe('the SSH target on the two-guest rig', () => {
  it('measures the short suite on both guests into one run, m3-kmod included, and the figures are the guests\'', async (t) => {
    const { rig, unavailable } = fixture;
    if (unavailable || !rig) return t.skip(unavailable);
    const out = path.join(dir, 'both');
    const { results } = await executeRun({ suite: 'smoke', overrides, targets: HOSTS, sshConfig: rig.sshConfig, out });
    for (const host of HOSTS) {
      const mine = byTarget(results, host);
      assert.equal(mine.length, MECHANISMS.length * 2, `${host}: ${mine.map((r) => r.case.id).join(', ')}`);
      for (const r of mine) assert.equal(r.status, 'ok', `${r.case.id}: ${r.reason ?? r.error}`);
      assert.ok(mine.every((r) => r.case.id.endsWith(`@${host}`)), 'a lab host is part of the case id');
    }
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    assert.deepEqual(manifest.targets?.map((d) => d.name), HOSTS);
    for (const d of manifest.targets ?? []) {
      // Read on the guest: its packaged kernel and the command line the rig booted it with.
      assert.equal(d.fingerprint?.kernel, rig.kernelVersion);
      assert.match(d.fingerprint?.cmdline ?? '', new RegExp(`m3rig_name=${d.name.slice(4)}`));
      assert.notEqual(d.fingerprint?.kernel, manifest.host.kernel, 'not this host\'s kernel');
      assert.equal(d.emulated, true, 'a TCG guest is said to be emulated');
    }
    const [cmp] = compareAlong([await loadRun(out)], 'host');
    assert.equal(cmp?.base, HOSTS[0]);
    assert.equal(cmp?.next, HOSTS[1]);
    assert.equal(cmp?.rows.filter((row) => row.ratio !== undefined).length, MECHANISMS.length * 2, 'every case paired host with host');
    // Nothing left on the guests: no module, no run directory of ours.
    for (const host of rig.hosts) {
      const left: { stdout: string } = await execa('ssh', ['-F', rig.sshConfig, host, 'ls -d /tmp/m3bench-* 2>/dev/null; test -d /sys/module/m3ipc && echo m3ipc-loaded; true'], { reject: false });
      assert.equal(left.stdout.trim(), '', `${host} keeps: ${left.stdout}`);
    }
  });

  it('reads collector figures through the guest', async (t) => {
    const { rig, unavailable } = fixture;
    if (unavailable || !rig) return t.skip(unavailable);
    const { openTarget } = await import('../runners/targets/index.ts');
    const { startCollectors } = await import('../collectors/index.ts');
    const target = await openTarget('ssh:m3rig-a', { sshConfig: rig.sshConfig });
    try {
      const running = await startCollectors(['proc-stat'], { target, pids: [], intervalMs: 500 });
      await new Promise((r) => setTimeout(r, 1200));
      const out = (await running.stop())['proc-stat']!;
      const cpus = Object.keys((out.summary as { cpu?: Record<string, unknown> }).cpu ?? {}).filter((k) => k.startsWith('cpu'));
      const guestCpus = Number((await target.exec(['nproc'])).stdout.trim());
      assert.equal(cpus.length, guestCpus, `per-CPU figures of the guest's ${guestCpus} CPUs: ${cpus.join(', ')}`);
      assert.ok(out.series.length >= 1);
    } finally {
      await target.close();
    }
  });

  it('a guest powered off mid-run fails only its own cases, and --resume completes them after a reboot', async (t) => {
    const { rig, unavailable } = fixture;
    if (unavailable || !rig) return t.skip(unavailable);
    const out = path.join(dir, 'fault');
    let killed = false;
    const run = await executeRun({
      suite: 'smoke',
      overrides,
      targets: HOSTS,
      sshConfig: rig.sshConfig,
      out,
      progress: {
        caseEnded: (r) => {
          if (!killed && r.case.target === HOSTS[1]) {
            killed = true;
            void rig!.powerOff('m3rig-b');
          }
        },
      },
    });
    assert.ok(byTarget(run.results, HOSTS[0]).every((r) => r.status === 'ok'), 'the other guest completes');
    const dead = byTarget(run.results, HOSTS[1]).filter((r) => r.status === 'failed');
    assert.ok(dead.length >= 1, 'the powered-off guest has failed cases');
    for (const r of dead) assert.ok(r.error && r.error.length > 0, `${r.case.id} says why`);
    await rig.boot('m3rig-b');
    const resumed = await executeRun({ suite: 'smoke', overrides, targets: HOSTS, sshConfig: rig.sshConfig, resume: out });
    assert.ok(resumed.results.every((r) => r.status === 'ok'), resumed.results.filter((r) => r.status !== 'ok').map((r) => `${r.case.id}: ${r.error}`).join('; '));
    assert.ok(existsSync(path.join(out, 'manifest.json')));
  });
});

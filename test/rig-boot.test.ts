// The SSH test rig (runners/targets/rig): two qemu TCG guests from Debian's packaged kernel with
// dropbear, reachable on 127.0.0.1 and linked to each other. Skipped (not failed) where qemu, the
// kernel or dropbear cannot be installed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { execa } from 'execa';
import { RigUnavailableError, startRig, type Rig } from '../runners/targets/rig/rig.ts';

let rig: Rig | undefined;
let unavailable: string | undefined;
const started = Date.now();

function need(t: TestContext): Rig | undefined {
  if (unavailable) t.skip(unavailable);
  return rig;
}

function ssh(r: Rig, host: string, cmd: string, timeout = 60_000) {
  return execa('ssh', ['-F', r.sshConfig, host, cmd], { reject: false, stdin: 'ignore', timeout });
}

/** qemu processes whose arguments name the rig's directory (pid files, console logs). */
function rigQemus(dir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes('qemu-system') && l.includes(dir));
}

describe('SSH test rig', { timeout: 600_000 }, () => {
  before(async () => {
    try {
      rig = await startRig();
    } catch (err) {
      if (err instanceof RigUnavailableError) unavailable = err.message;
      else throw err;
    }
  });
  after(async () => {
    await rig?.stop();
  });

  it('boots both guests to ssh', (t) => {
    const r = need(t);
    if (!r) return;
    assert.deepEqual(r.hosts, ['m3rig-a', 'm3rig-b']);
    for (const g of r.guests) t.diagnostic(`${g.name}: ${JSON.stringify(g.timings)}`);
    t.diagnostic(`startRig total: ${Date.now() - started} ms`);
  });

  it('runs the packaged kernel with 2 CPUs', async (t) => {
    const r = need(t);
    if (!r) return;
    const t0 = Date.now();
    const u = await ssh(r, 'm3rig-a', 'uname -r');
    t.diagnostic(`ssh uname -r: ${Date.now() - t0} ms`);
    assert.equal(u.exitCode, 0, u.stderr);
    assert.equal(u.stdout.trim(), r.kernelVersion);
    const n = await ssh(r, 'm3rig-b', 'nproc; touch /tmp/w && echo tmp-ok');
    assert.equal(n.exitCode, 0, n.stderr);
    assert.deepEqual(n.stdout.trim().split('\n'), ['2', 'tmp-ok']);
  });

  it('has its own kernel installed in /boot, as a lab host (a configuration of it is a kexec)', async (t) => {
    const r = need(t);
    if (!r) return;
    const sizes = await ssh(r, 'm3rig-a', `wc -c < /boot/vmlinuz-${r.kernelVersion}; wc -c < /boot/initrd.img-${r.kernelVersion}`);
    assert.equal(sizes.exitCode, 0, sizes.stderr);
    const [kernel, initrd] = ['vmlinuz', 'initrd.img'].map((f) => statSync(path.join(r.dir, 'boot', f)).size);
    assert.deepEqual(sizes.stdout.trim().split('\n').map(Number), [kernel, initrd], 'whole copies of what the rig boots');
  });

  it('links the guests to each other', async (t) => {
    const r = need(t);
    if (!r) return;
    const b = r.guests.find((g) => g.name === 'm3rig-b')!;
    const p = await ssh(r, 'm3rig-a', `ping -c 3 -W 5 ${b.linkAddress}`);
    assert.equal(p.exitCode, 0, `${p.stdout}\n${p.stderr}`);
    assert.match(p.stdout, /3 packets received/);
  });

  it('powers a guest off hard and boots it again', async (t) => {
    const r = need(t);
    if (!r) return;
    await r.powerOff('m3rig-b');
    const t0 = Date.now();
    const dead = await ssh(r, 'm3rig-b', 'true', 15_000);
    const ms = Date.now() - t0;
    t.diagnostic(`ssh to powered-off guest failed in ${ms} ms (exit ${dead.exitCode})`);
    assert.notEqual(dead.exitCode, 0);
    assert.ok(ms < 5000, `ssh to a powered-off guest took ${ms} ms to fail`);
    const t1 = Date.now();
    await r.boot('m3rig-b');
    t.diagnostic(`reboot of m3rig-b to ssh: ${Date.now() - t1} ms ${JSON.stringify(r.guests[1]!.timings)}`);
    const p = await ssh(r, 'm3rig-a', `ping -c 3 -W 5 ${r.guests[1]!.linkAddress}`);
    assert.equal(p.exitCode, 0, `link after reboot: ${p.stdout}\n${p.stderr}`);
  });

  it('stops without leaving qemu or its directory', async (t) => {
    const r = need(t);
    if (!r) return;
    await r.stop();
    await r.stop();
    assert.deepEqual(rigQemus(r.dir), []);
    assert.equal(existsSync(r.dir), false);
    t.diagnostic(`total: ${Date.now() - started} ms`);
  });
});

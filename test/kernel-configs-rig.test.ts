// A kernel configuration on a lab host, through the SSH target, on a rig guest: the guest has a
// second kernel "installed" (/boot/vmlinuz-RELEASE and its initrd, put there as a lab admin would),
// the run kexecs it into that kernel with isolation parameters, verifies the boot, measures, and
// reboots it back into its own kernel and command line. Then a run killed (SIGKILL) while the guest
// is away is undone by `m3bench restore`. Skipped with the reason where the rig or the second
// kernel cannot be had here.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { REPO_ROOT } from '../core/paths.ts';
import { readManifest, readResultLines } from '../core/run-dir.ts';
import { HOST_JOURNAL_DIR } from '../runners/targets/host-journal.ts';
import { prepareRig } from '../runners/targets/rig/rig.ts';
import { useRig } from './rig-fixture.ts';

const OTHER_KERNEL = '6.12';
const HOST = 'm3rig-a';

let other: { kver: string; kernel: string; initrd: string } | undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'rig-kexec-'));

const ssh = (command: string) => execa('ssh', ['-F', fixture.rig!.sshConfig, HOST, command], { reject: false });
const bootOfGuest = async () => {
  const r = await ssh('uname -r; cat /proc/cmdline; cat /proc/sys/kernel/random/boot_id');
  const [release, cmdline, bootId] = r.stdout.split('\n');
  return { release: release ?? '', cmdline: cmdline ?? '', bootId: bootId ?? '' };
};
// node itself, not npx: a SIGKILL must hit the m3bench process, not a wrapper around it.
const M3BENCH = ['--import', 'tsx', 'src/cli.ts'];
const cli = (args: string[]) => execa('node', [...M3BENCH, ...args], { cwd: REPO_ROOT, reject: false, timeout: 900_000 });

/**
 * What a lab admin would have done: another kernel installed, with its initrd. The rig's guests
 * live in RAM, so it is installed again after each reboot. (The guest's own kernel comes back by a
 * plain reboot: qemu boots it again, as firmware boots a host's default.)
 */
async function installOtherKernel(): Promise<void> {
  const k = other!;
  await ssh('mkdir -p /boot');
  for (const [local, remote] of [[k.kernel, `/boot/vmlinuz-${k.kver}`], [k.initrd, `/boot/initrd.img-${k.kver}`]] as const) {
    const put: { exitCode?: number; stderr: string } = await execa('ssh', ['-F', fixture.rig!.sshConfig, HOST, `cat > ${remote}`], { inputFile: local, reject: false });
    assert.equal(put.exitCode, 0, `putting ${remote}: ${put.stderr}`);
  }
}

const fixture = useRig({
  guests: 1,
  prepare: async () => {
    other = await prepareRig(OTHER_KERNEL);
  },
});

describe('a kernel configuration on an SSH lab host (kexec)', { timeout: 1_800_000 }, () => {
  it('reboots the guest into another kernel with isolation, verifies, measures, and returns it', async (t) => {
    const { rig, unavailable } = fixture;
    if (unavailable || !rig || !other) return t.skip(unavailable);
    await installOtherKernel();
    const home = await bootOfGuest();
    const set = path.join(dir, 'set.json');
    writeFileSync(set, JSON.stringify({ configurations: [{ name: 'other-isolated', kernel: other.kver, cmdline: ['isolcpus=1', 'nohz_full=1'] }] }));
    const out = path.join(dir, 'run');
    const proc = cli(['run', '--suite', 'smoke', '--mechanism', 'm3-kmod', '--mechanism', 'm3-sim', '--mechanism', 'pipe', '--test', 'IPC2', '--rounds', '1', '--target', `ssh:${HOST}`, '--ssh-config', rig.sshConfig, '--config-set', set, '--out', out, '--no-report']);
    const r = await proc;
    assert.equal(r.exitCode, 0, r.stderr);
    const [record] = readManifest(out).configurations ?? [];
    assert.equal(record?.status, 'verified', record?.reasons.join('; '));
    assert.equal(record?.observed?.release, other.kver);
    assert.equal(record?.observed?.isolated, '1');
    assert.notEqual(record?.observed?.release, home.release);
    for (const line of readResultLines(out)) assert.equal(line.status, 'ok', `${line.case.id}: ${line.reason ?? line.error ?? ''}`);
    assert.equal(readResultLines(out).length, 3, 'm3-kmod, m3-sim and pipe, each measured under the configuration');
    const back = await bootOfGuest();
    assert.equal(back.release, home.release, 'back in its own kernel');
    assert.equal(back.cmdline.replace(/^BOOT_IMAGE=\S+ /, ''), home.cmdline.replace(/^BOOT_IMAGE=\S+ /, ''), 'with its own command line');
    assert.notEqual(back.bootId, home.bootId, 'by a reboot');
    const left = await ssh('ls -d /tmp/m3bench-* 2>/dev/null; test -d /sys/module/m3ipc && echo m3ipc-loaded; true');
    assert.equal(left.stdout.trim(), '', `left on the guest: ${left.stdout}`);
    assert.ok(!existsSync(path.join(HOST_JOURNAL_DIR, `ssh_${HOST}-${proc.pid}.json`)), 'the host journal is gone');
  });

  it('after a SIGKILL while the guest is away, m3bench restore brings it home', async (t) => {
    const { rig, unavailable } = fixture;
    if (unavailable || !rig || !other) return t.skip(unavailable);
    await installOtherKernel();
    const home = await bootOfGuest();
    const out = path.join(dir, 'killed');
    const child = execa('node', [...M3BENCH, 'run', '--suite', 'smoke', '--mechanism', 'pipe', '--test', 'IPC2', '--time', '30', '--rounds', '1', '--target', `ssh:${HOST}`, '--ssh-config', rig.sshConfig, '--kernel', other.kver, '--out', out, '--no-report'], { cwd: REPO_ROOT, reject: false, all: true });
    // Kill it once the guest runs the other kernel (the case then runs for 30 s).
    const deadline = Date.now() + 600_000;
    while (Date.now() < deadline && (await bootOfGuest()).release !== other.kver) await sleep(3000);
    assert.equal((await bootOfGuest()).release, other.kver, 'the run rebooted the guest');
    await sleep(5000);
    child.kill('SIGKILL');
    await child;
    const restore = await cli(['restore']);
    assert.equal(restore.exitCode, 0, `${restore.stdout}\n${restore.stderr}`);
    assert.match(restore.stdout, new RegExp(`ssh:${HOST}: rebooted back into ${home.release.replace(/[.+]/g, '\\$&')}`));
    const back = await bootOfGuest();
    assert.equal(back.release, home.release);
    const left = await ssh('ls -d /tmp/m3bench-* 2>/dev/null; true');
    assert.equal(left.stdout.trim(), '', `left on the guest: ${left.stdout}`);
    const masters = await execa('pgrep', ['-f', `m3ssh-${child.pid}-`], { reject: false });
    assert.equal(masters.stdout.trim(), '', 'no ssh master of the dead run is left');
    assert.match(restore.stdout, new RegExp(`m3ssh-${child.pid}-`), 'its control directory was removed');
  });
});

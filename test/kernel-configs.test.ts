// Kernel configurations: the files (schema, errors naming the field), the boot check against what a
// booted kernel shows, and the case ids and comparisons of a run over configurations.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { bootSpecOf, KernelConfigurationSchema } from '../core/kernel-config.ts';
import { type BootState, checkBoot, releaseMatches } from '../runners/kernel/boot-check.ts';
import { kernelConfigurations, loadConfigSet } from '../suites/configurations.ts';
import { idWithout } from '../reports/compare.ts';
import type { Case } from '../core/types.ts';

const config = (o: object) => KernelConfigurationSchema.parse({ name: 'c', ...o });

const booted = (o: Partial<BootState> = {}): BootState => ({
  release: '7.2.13+deb14-amd64',
  cmdline: 'console=ttyS0 panic=-1 quiet m3mode=worker',
  kernelLog: '',
  modules: ['m3ipc'],
  files: {},
  vulnerabilities: {},
  ...o,
});

test('the isolation configuration verifies against a kernel that shows it', () => {
  const c = config({ kernel: '7.2', cmdline: ['isolcpus=1', 'nohz_full=1', 'irqaffinity=0', 'rcu_nocbs=1'] });
  const spec = bootSpecOf(c)!;
  const checks = checkBoot(c, spec.cmdline, booted({
    cmdline: `console=ttyS0 quiet ${spec.cmdline.join(' ')}`,
    kernelLog: 'rcu: \tOffload RCU callbacks from CPUs: 1.\n',
    files: { '/sys/devices/system/cpu/isolated': '1\n', '/sys/devices/system/cpu/nohz_full': '1\n', '/proc/irq/default_smp_affinity': '1\n' },
  }));
  assert.deepEqual(checks.filter((x) => !x.ok), []);
  assert.equal(checks.length, 5); // the release and four parameters, each checked for its effect
  assert.ok(checks.every((x) => !x.note), 'each of the four has a visible effect');
});

test('a misspelt parameter is not applied: the kernel names it unknown', () => {
  const c = config({ cmdline: ['isolcpu=1'] });
  const checks = checkBoot(c, ['isolcpu=1'], booted({
    cmdline: 'console=ttyS0 isolcpu=1',
    kernelLog: 'Unknown kernel command line parameters "isolcpu=1", will be passed to user space.\n',
  }));
  const bad = checks.filter((x) => !x.ok);
  assert.equal(bad.length, 1);
  assert.match(bad[0]!.found, /Unknown kernel command line parameters/);
});

test('a parameter the kernel takes but does not act on is not applied (isolcpus beyond the CPUs)', () => {
  const c = config({ cmdline: ['isolcpus=5'] });
  const checks = checkBoot(c, ['isolcpus=5'], booted({ cmdline: 'isolcpus=5', files: { '/sys/devices/system/cpu/isolated': '\n' } }));
  assert.equal(checks[0]!.ok, false);
  assert.match(checks[0]!.found, /\(none\)/);
});

test('the wrong kernel, a missing parameter, a sysctl not read back and a module not loaded each fail', () => {
  const c = config({ kernel: '6.12', cmdline: ['nohz_full=1'], sysctls: { 'kernel.sched_autogroup_enabled': 0 }, modules: ['e1000'] });
  const spec = bootSpecOf(c)!;
  assert.deepEqual(spec.cmdline, ['nohz_full=1', 'sysctl.kernel.sched_autogroup_enabled=0']);
  const checks = checkBoot(c, spec.cmdline, booted({ files: { '/proc/sys/kernel/sched_autogroup_enabled': '1\n' } }));
  assert.deepEqual(checks.map((x) => x.ok), [false, false, false, false]);
  assert.deepEqual(checks.map((x) => x.what), ['kernel release', 'nohz_full=1 on the command line', 'sysctl.kernel.sched_autogroup_enabled=0 on the command line', 'module e1000 loaded']);
});

test('mitigations=off is in effect only when no vulnerability file says Mitigation', () => {
  const c = config({ cmdline: ['mitigations=off'] });
  const on = checkBoot(c, ['mitigations=off'], booted({ cmdline: 'mitigations=off', vulnerabilities: { spectre_v2: 'Mitigation: Retpolines', meltdown: 'Not affected' } }));
  assert.equal(on[0]!.ok, false);
  const off = checkBoot(c, ['mitigations=off'], booted({ cmdline: 'mitigations=off', vulnerabilities: { spectre_v2: 'Vulnerable', meltdown: 'Not affected' } }));
  assert.equal(off[0]!.ok, true);
});

test('release specs: a Debian version matches its releases, a full release only itself', () => {
  assert.ok(releaseMatches('6.12.95+deb12-amd64', '6.12'));
  assert.ok(!releaseMatches('6.1.0-57-amd64', '6.12'));
  assert.ok(releaseMatches('6.1.0-57-amd64', '6.1'));
  assert.ok(!releaseMatches('6.1.0-57-amd64', '6.1.0-56-amd64'));
});

test('config set files: errors name the file and the field; names are unique', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'm3cfg-'));
  const write = (body: unknown) => {
    const f = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(f, JSON.stringify(body));
    return f;
  };
  assert.throws(() => loadConfigSet(write({ configurations: [{ name: 'a', cmdline: ['has space'] }] })), /configurations\[0\]\.cmdline\[0\]: one parameter/);
  assert.throws(() => loadConfigSet(write({ configurations: [{ name: 'a' }, { name: 'a' }] })), /configurations\[1\]\.name: "a" is used twice/);
  assert.throws(() => loadConfigSet(write({ configurations: [{ name: 'a', kernal: '6.1' }] })), /configurations\[0\]\.kernal: unknown field/);
  assert.throws(() => loadConfigSet(write({ configurations: [] })), /configurations:/);
  assert.equal(loadConfigSet('isolation').length, 3);
  // A B variant that is a boot: a configuration with the profiles measured under it.
  assert.deepEqual(loadConfigSet('rig-isolation').map((c) => [c.name, c.runtimeProfile]), [['own', undefined], ['isolated', ['B-rig-affinity', 'B-rig-defer-10ms']]]);
  assert.throws(() => loadConfigSet(write({ configurations: [{ name: 'a', runtimeProfile: [] }] })), /configurations\[0\]\.runtimeProfile/);
  assert.deepEqual(kernelConfigurations(['6.1', '7.2']).map((c) => [c.name, c.kernel]), [['kernel-6.1', '6.1'], ['kernel-7.2', '7.2']]);
  assert.deepEqual(kernelConfigurations(['6.12.95+deb12-amd64']).map((c) => [c.name, c.kernel]), [['kernel-6.12.95_deb12-amd64', '6.12.95+deb12-amd64']]);
});

test('case ids drop the host or the configuration for a comparison along that axis', () => {
  const c = { id: 'IPC2/pipe/same-cpu/36B/1p@vm~7.2-isolated', target: 'vm', config: '7.2-isolated' } as Case;
  assert.equal(idWithout(c, 'config'), 'IPC2/pipe/same-cpu/36B/1p@vm');
  assert.equal(idWithout(c, 'host'), 'IPC2/pipe/same-cpu/36B/1p~7.2-isolated');
  const plain = { id: 'IPC2/pipe/same-cpu/36B/1p', target: 'local' } as Case;
  assert.equal(idWithout(plain, 'host'), plain.id);
  assert.equal(idWithout(plain, 'config'), plain.id);
});

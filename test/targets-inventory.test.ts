// Ansible inventories (runners/targets/inventory.ts) and the remote probe's parser
// (runners/targets/remote-probe.ts), on fixed texts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { InventoryError, inventoryHosts, loadInventory } from '../runners/targets/inventory.ts';
import { parseProbe } from '../runners/targets/remote-probe.ts';

const YAML = `
all:
  hosts:
    solo:
  children:
    lab:
      hosts:
        box1:
          ansible_host: 10.0.0.1
          ansible_port: 2222
          ansible_user: bench
        box2: { ansible_host: box2.example }
      children:
        arm:
          hosts:
            pi4: { ansible_user: pi }
    other:
      hosts:
        elsewhere:
`;

const INI = `
# a comment
loose.example ansible_port=22

[lab]
box1 ansible_host=10.0.0.1 ansible_port=2222 ansible_user=bench
box2   ansible_host="box2.example"

[arm]
pi4 ansible_user=pi

[everything:children]
lab
arm

[lab:vars]
ansible_become=true
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'm3inv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Ansible inventory', () => {
  it('YAML: a group with its children, host vars', () => {
    assert.deepEqual(inventoryHosts(YAML, { file: 'x.yml', group: 'lab' }), [
      { name: 'box1', host: '10.0.0.1', port: 2222, user: 'bench' },
      { name: 'box2', host: 'box2.example' },
      { name: 'pi4', host: 'pi4', user: 'pi' },
    ]);
    assert.deepEqual(inventoryHosts(YAML, { file: 'x.yml', group: 'arm' }), [{ name: 'pi4', host: 'pi4', user: 'pi' }]);
  });

  it('YAML: every host without a group', () => {
    assert.deepEqual(inventoryHosts(YAML, { file: 'x.yml' }).map((h) => h.name).sort(), ['box1', 'box2', 'elsewhere', 'pi4', 'solo']);
  });

  it('INI: groups, :children, inline vars, quoted values, ungrouped hosts', () => {
    assert.deepEqual(inventoryHosts(INI, { file: 'hosts.ini', group: 'everything' }), [
      { name: 'box1', host: '10.0.0.1', port: 2222, user: 'bench' },
      { name: 'box2', host: 'box2.example' },
      { name: 'pi4', host: 'pi4', user: 'pi' },
    ]);
    assert.deepEqual(inventoryHosts(INI, { file: 'hosts.ini', group: 'ungrouped' }), [{ name: 'loose.example', host: 'loose.example', port: 22 }]);
    assert.equal(inventoryHosts(INI, { file: 'hosts' }).length, 4);
  });

  it('an unknown group names the known ones', () => {
    assert.throws(() => inventoryHosts(INI, { file: 'hosts.ini', group: 'nope' }), (e: Error) => {
      assert.ok(e instanceof InventoryError);
      assert.match(e.message, /no group "nope" \(groups: all, arm, everything, lab, ungrouped\)/);
      return true;
    });
    assert.throws(() => inventoryHosts(YAML, { file: 'x.yml', group: 'nope' }), /groups: all, arm, lab, other/);
  });

  it('malformed lines name their line number', () => {
    assert.throws(() => inventoryHosts('[lab]\nbox1 ansible_port=22\nbox2 novalue\n', { file: 'h.ini' }), /h\.ini:3: expected key=value/);
    assert.throws(() => inventoryHosts('[lab\nbox1\n', { file: 'h.ini' }), /h\.ini:1: malformed section header/);
    assert.throws(() => inventoryHosts('[lab]\nbox1 ansible_port=http\n', { file: 'h.ini' }), /h\.ini:2: ansible_port/);
    assert.throws(() => inventoryHosts('[g:children]\na b\n', { file: 'h.ini' }), /h\.ini:2: a \[g:children\] line names one group/);
    assert.throws(() => inventoryHosts('all:\n  hosts: [a, b]\n', { file: 'x.yml' }), /x\.yml: not an Ansible YAML inventory: all\.hosts/);
    assert.throws(() => inventoryHosts('all:\n  hosts:\n   - a\n  b: [\n', { file: 'x.yml' }), /x\.yml: not valid YAML/);
  });

  it('loadInventory: FILE and FILE:GROUP', () => {
    const yml = path.join(dir, 'inv.yml');
    const ini = path.join(dir, 'hosts');
    writeFileSync(yml, YAML);
    writeFileSync(ini, INI);
    assert.equal(loadInventory(yml).length, 5);
    assert.deepEqual(loadInventory(`${yml}:arm`), [{ name: 'pi4', host: 'pi4', user: 'pi' }]);
    assert.deepEqual(loadInventory(`${ini}:lab`).map((h) => h.name), ['box1', 'box2']);
    assert.throws(() => loadInventory(path.join(dir, 'missing.yml')), /cannot read \(ENOENT\)/);
    assert.throws(() => loadInventory(`${yml}:nope`), /no group "nope"/);
  });
});

const PROBE = `@@m3 hostname
lab1
@@m3 arch
x86_64
@@m3 kernel
6.1.0-57-amd64
@@m3 cmdline
BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro isolcpus=1 mitigations=off
@@m3 cpumodel
Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz
@@m3 nproc
8
@@m3 memtotal
MemTotal:       16318452 kB
@@m3 modules
veth
bridge
m3ipc
@@m3 vulnerabilities
meltdown: Not affected
spectre_v2: Mitigation: Retpolines; IBPB: conditional
@@m3 hypervisorflag
yes
@@m3 virt
kvm
@@m3 dmivendor
QEMU
@@m3 os
Debian GNU/Linux 12 (bookworm)
@@m3 uid
1000
@@m3 sudo
ok
@@m3 commands
perf /usr/bin/perf
ip /usr/sbin/ip
make /usr/bin/make
cc /usr/bin/cc
@@m3 perfparanoid
2
@@m3 nodeversion
@@m3 m3ipc
absent
@@m3 kbuild
present /lib/modules/6.1.0-57-amd64/build
@@m3 end
`;

describe('remote probe parser', () => {
  it('turns the probe text into a fingerprint and capabilities', () => {
    const p = parseProbe(PROBE);
    assert.deepEqual(p.fingerprint, {
      hostname: 'lab1',
      arch: 'x86_64',
      cpuModel: 'Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz',
      cores: 8,
      kernel: '6.1.0-57-amd64',
      cmdline: 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro isolcpus=1 mitigations=off',
      modules: ['veth', 'bridge', 'm3ipc'],
      mitigations: { meltdown: 'Not affected', spectre_v2: 'Mitigation: Retpolines; IBPB: conditional' },
      virtualised: true,
      hypervisor: 'kvm',
      memoryBytes: 16318452 * 1024,
      os: 'Debian GNU/Linux 12 (bookworm)',
    });
    assert.equal(p.facts.uid, 1000);
    assert.equal(p.facts.sudo, 'ok');
    assert.equal(p.facts.complete, true);
    assert.deepEqual(p.capabilities.root, { ok: true, detail: 'uid 1000, sudo -n' });
    assert.equal(p.capabilities.perf.ok, true);
    assert.equal(p.capabilities.netns.ok, true);
    assert.deepEqual(p.capabilities.ethtool, { ok: false, detail: 'ethtool is not installed' });
    assert.equal(p.capabilities.node.ok, false);
    assert.equal(p.capabilities.m3ipcModule.ok, true);
    assert.match(p.capabilities.m3ipcModule.detail!, /loadable/);
  });

  it('without systemd-detect-virt: the cpuinfo flag and DMI vendor; without root: no module', () => {
    const text = PROBE.replace('@@m3 virt\nkvm', '@@m3 virt\n?')
      .replace('@@m3 hypervisorflag\nyes', '@@m3 hypervisorflag\nno')
      .replace('@@m3 dmivendor\nQEMU', '@@m3 dmivendor\nDell Inc.')
      .replace('@@m3 sudo\nok', '@@m3 sudo\nrefused');
    const p = parseProbe(text);
    assert.equal(p.fingerprint.virtualised, false);
    assert.equal(p.fingerprint.hypervisor, undefined);
    assert.equal(p.capabilities.root.ok, false);
    assert.match(p.capabilities.root.detail!, /sudo -n refused/);
    assert.equal(p.capabilities.perf.ok, false);
    assert.equal(p.capabilities.m3ipcModule.ok, false);
    assert.equal(parseProbe(text.replace('@@m3 end\n', '')).facts.complete, false);
  });
});

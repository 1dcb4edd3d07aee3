// What a machine is and can do, from one shell script run there in one exec (POSIX sh: works
// with busybox sh, dash and bash). The script prints sections `@@m3 NAME` followed by their
// lines; parseProbe() turns that text into a TargetFingerprint and TargetCapabilities. Usable by
// any target that can run a command (ssh, a guest with a shell, this host).
import type { Capability, TargetCapabilities, TargetFingerprint } from '../../core/target.ts';

export const PROBE_SCRIPT = String.raw`
s() { echo "@@m3 $1"; }
has() { command -v "$1" >/dev/null 2>&1; }
s hostname; (hostname 2>/dev/null || cat /proc/sys/kernel/hostname 2>/dev/null || uname -n)
s arch; uname -m
s kernel; uname -r
s cmdline; cat /proc/cmdline 2>/dev/null
s cpumodel; grep -m1 -E '^(model name|Hardware|cpu model|Processor)[[:space:]]*:' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*:[[:space:]]*//'
s nproc; (nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo)
s memtotal; grep -m1 '^MemTotal:' /proc/meminfo 2>/dev/null
s modules; cut -d' ' -f1 /proc/modules 2>/dev/null
s vulnerabilities
for f in /sys/devices/system/cpu/vulnerabilities/*; do [ -f "$f" ] && echo "$(basename "$f"): $(cat "$f" 2>/dev/null)"; done
s hypervisorflag; (grep -m1 -qw hypervisor /proc/cpuinfo 2>/dev/null && echo yes) || echo no
s virt; if has systemd-detect-virt; then systemd-detect-virt 2>/dev/null || true; else echo '?'; fi
s dmivendor; cat /sys/class/dmi/id/sys_vendor 2>/dev/null; cat /sys/hypervisor/type 2>/dev/null
s os; (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
s uid; id -u
s sudo; if has sudo; then (sudo -n true >/dev/null 2>&1 && echo ok) || echo refused; else echo absent; fi
s commands; for c in perf ethtool node ip cc gcc make tar insmod rmmod; do has "$c" && echo "$c $(command -v "$c")"; done
s perfparanoid; cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null
s nodeversion; has node && node --version 2>/dev/null
s m3ipc; [ -e /dev/m3ipc ] && echo present || echo absent
s kbuild; [ -e "/lib/modules/$(uname -r)/build" ] && echo "present /lib/modules/$(uname -r)/build" || echo absent
s end
`;

export interface ProbeFacts {
  hostname: string;
  arch: string;
  kernel: string;
  cmdline: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  modules: string[];
  mitigations: Record<string, string>;
  hypervisorFlag: boolean;
  /** systemd-detect-virt's answer ('none', 'kvm', ...), or null when it is not installed. */
  detectVirt: string | null;
  dmiVendor: string;
  os: string;
  uid: number | null;
  sudo: 'ok' | 'refused' | 'absent';
  /** Command name -> path, for those present. */
  commands: Record<string, string>;
  perfParanoid: number | null;
  nodeVersion: string | null;
  m3ipcDevice: boolean;
  kernelBuildDir: boolean;
  /** The script ran to its end (sections after a failure are still parsed). */
  complete: boolean;
}

export interface ProbeResult {
  fingerprint: TargetFingerprint;
  capabilities: TargetCapabilities;
  facts: ProbeFacts;
}

function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = /^@@m3 (\S+)$/.exec(line);
    if (m) {
      cur = [];
      out.set(m[1]!, cur);
    } else if (cur) {
      cur.push(line);
    }
  }
  for (const lines of out.values()) while (lines.length && lines.at(-1)!.trim() === '') lines.pop();
  return out;
}

export function parseProbeFacts(text: string): ProbeFacts {
  const sec = sections(text);
  const lines = (name: string) => sec.get(name) ?? [];
  const first = (name: string) => (lines(name).find((l) => l.trim() !== '') ?? '').trim();
  const commands: Record<string, string> = {};
  for (const l of lines('commands')) {
    const [name, ...rest] = l.trim().split(' ');
    if (name && rest.length) commands[name] = rest.join(' ');
  }
  const mitigations: Record<string, string> = {};
  for (const l of lines('vulnerabilities')) {
    const i = l.indexOf(': ');
    if (i > 0) mitigations[l.slice(0, i)] = l.slice(i + 2).trim();
  }
  const memKb = /MemTotal:\s+(\d+)\s*kB/i.exec(first('memtotal'));
  const uid = first('uid');
  const virt = first('virt');
  const sudo = first('sudo');
  const paranoid = first('perfparanoid');
  return {
    hostname: first('hostname'),
    arch: first('arch'),
    kernel: first('kernel'),
    cmdline: first('cmdline'),
    cpuModel: first('cpumodel'),
    cores: Number.parseInt(first('nproc'), 10) || 0,
    memoryBytes: memKb ? Number(memKb[1]) * 1024 : 0,
    modules: lines('modules').map((l) => l.trim()).filter(Boolean),
    mitigations,
    hypervisorFlag: first('hypervisorflag') === 'yes',
    detectVirt: virt === '' || virt === '?' ? null : virt,
    dmiVendor: lines('dmivendor').map((l) => l.trim()).filter(Boolean).join(' '),
    os: first('os'),
    uid: /^\d+$/.test(uid) ? Number(uid) : null,
    sudo: sudo === 'ok' || sudo === 'refused' ? sudo : 'absent',
    commands,
    perfParanoid: /^-?\d+$/.test(paranoid) ? Number(paranoid) : null,
    nodeVersion: first('nodeversion') || null,
    m3ipcDevice: first('m3ipc') === 'present',
    kernelBuildDir: first('kbuild').startsWith('present'),
    complete: sec.has('end'),
  };
}

const VIRT_VENDORS: Array<[RegExp, string]> = [
  [/QEMU/i, 'qemu'],
  [/KVM/i, 'kvm'],
  [/VMware/i, 'vmware'],
  [/innotek|VirtualBox/i, 'oracle'],
  [/Microsoft/i, 'microsoft'],
  [/Xen/i, 'xen'],
  [/Amazon EC2/i, 'amazon'],
  [/Google/i, 'google'],
];

function virtualisation(f: ProbeFacts): { virtualised: boolean | null; hypervisor?: string } {
  if (f.detectVirt !== null) {
    return f.detectVirt === 'none' ? { virtualised: false } : { virtualised: true, hypervisor: f.detectVirt };
  }
  const vendor = VIRT_VENDORS.find(([re]) => re.test(f.dmiVendor))?.[1];
  if (f.hypervisorFlag) return { virtualised: true, ...(vendor ? { hypervisor: vendor } : {}) };
  if (vendor) return { virtualised: true, hypervisor: vendor };
  // No hypervisor flag on x86 is a reliable "bare metal"; elsewhere the flag does not exist.
  return { virtualised: /^(x86_64|i[3-6]86)$/.test(f.arch) ? false : null };
}

export function fingerprintFromFacts(f: ProbeFacts): TargetFingerprint {
  const v = virtualisation(f);
  return {
    hostname: f.hostname,
    arch: f.arch,
    cpuModel: f.cpuModel,
    cores: f.cores,
    kernel: f.kernel,
    cmdline: f.cmdline,
    modules: f.modules,
    mitigations: f.mitigations,
    virtualised: v.virtualised,
    ...(v.hypervisor ? { hypervisor: v.hypervisor } : {}),
    memoryBytes: f.memoryBytes,
    os: f.os,
  };
}

export function capabilitiesFromFacts(f: ProbeFacts): TargetCapabilities {
  const isRoot = f.uid === 0;
  const root: Capability = isRoot
    ? { ok: true, detail: 'uid 0' }
    : f.sudo === 'ok'
      ? { ok: true, detail: `uid ${f.uid}, sudo -n` }
      : { ok: false, detail: `uid ${f.uid ?? '?'}, ${f.sudo === 'absent' ? 'no sudo' : 'sudo -n refused (needs a password)'}` };
  let perf: Capability;
  if (!f.commands.perf) perf = { ok: false, detail: 'perf is not installed' };
  else if (root.ok || (f.perfParanoid !== null && f.perfParanoid <= 1)) perf = { ok: true, detail: `${f.commands.perf}${f.perfParanoid !== null ? `, perf_event_paranoid=${f.perfParanoid}` : ''}` };
  else perf = { ok: false, detail: `perf_event_paranoid=${f.perfParanoid ?? '?'} and no root` };
  let m3ipcModule: Capability;
  if (f.m3ipcDevice) m3ipcModule = { ok: true, detail: '/dev/m3ipc present' };
  else if (!root.ok) m3ipcModule = { ok: false, detail: 'no /dev/m3ipc and no root to load the module' };
  else if (f.kernelBuildDir && f.commands.make && (f.commands.cc || f.commands.gcc)) m3ipcModule = { ok: true, detail: `loadable: built on the host against /lib/modules/${f.kernel}/build` };
  else m3ipcModule = { ok: false, detail: `no /dev/m3ipc; module not built yet (kernel ${f.kernel}${f.kernelBuildDir ? '' : ', no /lib/modules/<release>/build'})` };
  return {
    root,
    perf,
    m3ipcModule,
    netns: root.ok && f.commands.ip ? { ok: true } : { ok: false, detail: root.ok ? 'iproute2 (ip) is not installed' : 'needs root' },
    ethtool: f.commands.ethtool ? { ok: true } : { ok: false, detail: 'ethtool is not installed' },
    node: f.nodeVersion ? { ok: true, detail: f.nodeVersion } : { ok: false, detail: 'node is not installed' },
  };
}

export function parseProbe(text: string): ProbeResult {
  const facts = parseProbeFacts(text);
  return { facts, fingerprint: fingerprintFromFacts(facts), capabilities: capabilitiesFromFacts(facts) };
}

// `m3bench doctor`: what this host can and cannot measure, and why. Every probe is read-only
// except the netns/veth probe, which creates and always deletes its own namespace.
import { constants } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { Argv, CommandModule } from 'yargs';
import { CACHE_DIR, DEFAULT_WORKER } from '../../core/paths.ts';
import { detectPerf } from '../../collectors/perf.ts';
import { openTarget } from '../../runners/targets/index.ts';
import { LocalTarget } from '../../runners/targets/local.ts';
import { accelerator } from '../../runners/targets/vm/qemu.ts';

type Level = 'ok' | 'warn' | 'no';
interface Finding {
  area: string;
  level: Level;
  detail: string;
}

const exists = (p: string, mode = constants.F_OK) => access(p, mode).then(() => true, () => false);
const firstLine = async (cmd: string, args: string[]) => {
  const r = await execa(cmd, args, { reject: false });
  return r.exitCode === 0 ? String(r.stdout || r.stderr).split('\n')[0].trim() : null;
};

async function cpus(): Promise<Finding[]> {
  const status = await readFile('/proc/self/status', 'utf8');
  const allowed = /Cpus_allowed_list:\s*(\S+)/.exec(status)?.[1] ?? '?';
  const n = os.availableParallelism();
  return [
    { area: 'CPUs', level: 'ok', detail: `${os.cpus().length} online, ${n} usable by this process (allowed: ${allowed})` },
    { area: 'placement same-cpu', level: 'ok', detail: 'client and server pinned to one CPU' },
    n >= 2
      ? { area: 'placement cross-cpu', level: 'ok', detail: 'client and server on two CPUs' }
      : { area: 'placement cross-cpu', level: 'no', detail: 'only one usable CPU' },
  ];
}

async function perf(): Promise<Finding[]> {
  const p = await detectPerf(new LocalTarget());
  const detail = `${p.version ?? 'perf missing'}; event ${p.event}${p.hardwareCounters ? ' (hardware counters)' : ' (software fallback)'}; perf_event_paranoid=${p.paranoid}; kptr_restrict=${p.kptrRestrict}`;
  return [{ area: 'perf', level: p.usable ? (p.hardwareCounters ? 'ok' : 'warn') : 'no', detail: [detail, ...p.reasons].join('; ') }];
}

async function privileges(): Promise<Finding[]> {
  const root = process.getuid?.() === 0;
  const sar = await firstLine('sar', ['-V']);
  return [
    { area: 'root', level: root ? 'ok' : 'warn', detail: root ? 'running as root' : 'not root: kernel profiles (perf) and tests A/B (sysctl, IRQ affinity, netns) need root' },
    { area: 'sysstat', level: sar ? 'ok' : 'warn', detail: sar ?? 'sar not installed (apt-get install sysstat); m3bench reads /proc itself, sar is only for cross-checking' },
  ];
}

/** Creates a namespace with a veth pair and deletes it: proves tests A/B can build their network. */
async function netns(): Promise<Finding[]> {
  const ns = `m3bench-doctor-${process.pid}`;
  const created = await execa('ip', ['netns', 'add', ns], { reject: false });
  if (created.exitCode !== 0) return [{ area: 'netns/veth', level: 'no', detail: `ip netns add failed: ${String(created.stderr).trim() || 'ip missing'}` }];
  try {
    const veth = await execa('ip', ['-n', ns, 'link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1'], { reject: false });
    return veth.exitCode === 0
      ? [{ area: 'netns/veth', level: 'ok', detail: 'network namespace and veth pair can be created (removed again)' }]
      : [{ area: 'netns/veth', level: 'no', detail: `veth: ${String(veth.stderr).trim()}` }];
  } finally {
    // Deleting the namespace also deletes the veth pair inside it.
    await execa('ip', ['netns', 'delete', ns], { reject: false });
  }
}

async function kernelModule(): Promise<Finding[]> {
  const release = os.release();
  const loaded = (await readFile('/proc/modules', 'utf8').catch(() => '')).split('\n').some((l) => l.startsWith('m3ipc '));
  const device = await exists('/dev/m3ipc');
  const modulesDisabled = (await readFile('/proc/sys/kernel/modules_disabled', 'utf8').catch(() => '')).trim() === '1';
  const headers = await exists(`/lib/modules/${release}/build`);
  // Where runners/targets/debian/env.sh keeps each release's vmlinuz, modules and headers.
  const kernelCache = process.env.M3BENCH_KERNEL_CACHE ?? path.join(CACHE_DIR, 'kernels');
  const cachedKernels = (await readdir(kernelCache).catch(() => [] as string[])).filter((d) => /^\d+\.\d+/.test(d));
  const qemu = await firstLine('qemu-system-x86_64', ['--version']);
  const kvm = await exists('/dev/kvm', constants.R_OK | constants.W_OK);
  // The VM runner's choice (runners/targets/vm/qemu.ts): emulation unless KVM is asked for explicitly.
  const accel = accelerator();
  const vmAccel =
    accel === 'kvm'
      ? kvm ? 'KVM acceleration (/dev/kvm)' : 'M3BENCH_VM_ACCEL=kvm but /dev/kvm is not usable'
      : `TCG emulation: m3-kmod numbers are not comparable with host numbers (/dev/kvm ${kvm ? 'present: M3BENCH_VM_ACCEL=kvm uses it' : 'absent'})`;
  return [
    { area: 'm3ipc module', level: loaded && device ? 'ok' : 'warn', detail: `${loaded ? 'loaded' : 'not loaded'} on the host; /dev/m3ipc ${device ? 'present' : 'absent'} (m3-kmod runs in the VM target otherwise)` },
    { area: 'module loading', level: modulesDisabled ? 'no' : 'warn', detail: modulesDisabled ? 'kernel.modules_disabled=1' : `host kernel ${release}: headers ${headers ? 'present' : 'absent'} in /lib/modules/${release}/build` },
    { area: 'VM kernels', level: cachedKernels.length ? 'ok' : 'warn', detail: cachedKernels.length ? `cached in ${kernelCache}: ${cachedKernels.join(', ')}` : `none cached in ${kernelCache} yet: the first VM run fetches Debian's kernel and headers (runners/targets/debian/), which needs the Debian archive` },
    { area: 'VM target', level: qemu ? (accel === 'kvm' && kvm ? 'ok' : 'warn') : 'no', detail: qemu ? `${qemu}; ${vmAccel}` : 'qemu-system-x86_64 not installed' },
  ];
}

async function toolchain(): Promise<Finding[]> {
  const gcc = await firstLine('gcc', ['--version']);
  const make = await firstLine('make', ['--version']);
  const worker = await exists(DEFAULT_WORKER, constants.X_OK);
  return [
    { area: 'Node', level: 'ok', detail: process.version },
    { area: 'gcc', level: gcc ? 'ok' : 'no', detail: gcc ?? 'gcc missing: the native worker cannot be built' },
    { area: 'make', level: make ? 'ok' : 'no', detail: make ?? 'make missing' },
    { area: 'native worker', level: worker ? 'ok' : 'no', detail: worker ? 'native/build/m3worker built' : 'not built (npm run build)' },
  ];
}

async function cpuTimes(): Promise<{ busy: number; total: number }> {
  const fields = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + (fields[4] ?? 0); // idle + iowait
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Other load skews every number: sample /proc/stat over one second. */
async function idleCheck(): Promise<Finding[]> {
  const a = await cpuTimes();
  await new Promise((r) => setTimeout(r, 1000));
  const b = await cpuTimes();
  const busy = (100 * (b.busy - a.busy)) / Math.max(1, b.total - a.total);
  // systemd-detect-virt prints "none" and exits 1 when there is nothing to detect.
  const vm = await firstLine('systemd-detect-virt', ['--vm']);
  const container = await firstLine('systemd-detect-virt', ['--container']);
  const where = [container && `${container} container`, vm && `${vm} virtual machine`].filter(Boolean).join(' in a ');
  return [
    { area: 'idle machine', level: busy < 10 ? 'ok' : 'warn', detail: `${busy.toFixed(1)} % CPU busy over 1 s, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}${busy < 10 ? '' : ': results will be noisy'}` },
    { area: 'virtualisation', level: vm ? 'warn' : 'ok', detail: vm ? `${where}: expect no hardware PMU and some steal time` : where || 'bare metal' },
  ];
}

const MARK: Record<Level, string> = { ok: 'ok  ', warn: 'warn', no: 'NO  ' };

/** Another target: what its own probes say (fingerprint and capabilities, read on that machine). */
async function targetFindings(name: string): Promise<Finding[]> {
  const target = await openTarget(name);
  try {
    const [fp, caps] = await Promise.all([target.fingerprint(), target.capabilities()]);
    const machine: Finding[] = [
      { area: 'machine', level: 'ok', detail: `${fp.hostname}: ${fp.cpuModel}, ${fp.cores} CPUs, ${fp.arch}, ${fp.os}` },
      { area: 'kernel', level: 'ok', detail: `${fp.kernel}; cmdline: ${fp.cmdline}` },
      { area: 'virtualisation', level: fp.virtualised ? 'warn' : 'ok', detail: fp.virtualised ? `virtual machine${fp.hypervisor ? ` (${fp.hypervisor})` : ''}` : fp.virtualised === false ? 'bare metal' : 'unknown' },
    ];
    return [
      ...machine,
      ...Object.entries(caps).map(([area, c]) => ({ area, level: (c.ok ? 'ok' : 'no') as Level, detail: c.detail ?? (c.ok ? 'yes' : 'no') })),
    ];
  } finally {
    await target.close();
  }
}

interface DoctorArgs {
  json: boolean;
  target: string;
}

const command: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe: 'what this host (or --target) can and cannot measure, and why',
  builder: (y: Argv) =>
    y
      .option('json', { type: 'boolean', default: false })
      .option('target', { type: 'string', default: 'local', describe: 'local, vm or ssh:HOST' }) as unknown as Argv<DoctorArgs>,
  handler: async (args) => {
    const findings =
      args.target === 'local'
        ? (await Promise.all([cpus(), perf(), privileges(), netns(), kernelModule(), toolchain(), idleCheck()])).flat()
        : await targetFindings(args.target).catch((err: unknown) => [{ area: `target ${args.target}`, level: 'no' as Level, detail: (err as Error).message }]);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
      return;
    }
    const width = Math.max(...findings.map((f) => f.area.length));
    for (const f of findings) process.stdout.write(`${MARK[f.level]}  ${f.area.padEnd(width)}  ${f.detail}\n`);
  },
};

export default command;

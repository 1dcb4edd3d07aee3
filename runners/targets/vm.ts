// The VM target: a qemu guest booted from a Debian kernel with the module loaded and the static
// worker inside (runners/targets/vm/). Its only channel is the worker's serial stream, so it runs
// worker cases and nothing else: commands are refused with the reason (a guest reachable over ssh
// is the SSH target, e.g. the rig of runners/targets/rig/). Files can be read only from the
// snapshot the guest's /init sends at boot (/proc/cmdline, /sys/devices/system/cpu/..., dmesg):
// enough to verify a kernel configuration, not to sample collectors.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cpuListToSet } from '../../core/cpu-list.ts';
import type { BootSpec } from '../../core/kernel-config.ts';
import type { Capability, ExecResult, Target, TargetCapabilities, TargetDescription, TargetFingerprint, TargetProcess, WorkerStream } from '../../core/target.ts';
import { startVmTransport, type VmTransport, type VmTransportOptions } from './vm/index.ts';
import { moduleNamesOf } from '../../core/proc-modules.ts';

const NO_CHANNEL = 'the VM target has only the worker stream (no shell in its guest): use an SSH target for commands, files and collectors';

/** Where init.sh saves dmesg before sending the snapshot. */
const BOOT_LOG = '/tmp/dmesg';

export class VmTarget implements Target {
  readonly name = 'vm';
  readonly kind = 'vm' as const;
  /** A new worker is a new boot. */
  readonly cheapWorkerStart = false;
  private readonly booted: VmTransport[] = [];
  /** Booted by boot() and not yet handed out as a worker. */
  private pending: VmTransport | null = null;
  private spec: BootSpec | null = null;

  constructor(private readonly options: VmTransportOptions = {}) {}

  async startWorker(): Promise<WorkerStream> {
    if (this.pending) {
      const t = this.pending;
      this.pending = null;
      return t;
    }
    const t = await startVmTransport({ ...this.options, boot: this.spec });
    this.booted.push(t);
    return t;
  }

  /**
   * Every later guest boots `spec`. A configuration's guest boots now, so that its snapshot can be
   * verified before a worker is asked for; the default boots only when something asks for it (the
   * end of a run returns to it without a boot).
   */
  async boot(spec: BootSpec | null): Promise<void> {
    await this.pending?.close();
    this.pending = null;
    this.spec = spec;
    if (spec) this.pending = (await this.startWorker()) as VmTransport;
  }

  private refuse(what: string): Promise<never> {
    return Promise.reject(new Error(`${what}: ${NO_CHANNEL}`));
  }

  /** Only `dmesg`, answered with the kernel log of the guest's boot snapshot; anything else is refused. */
  async exec(argv: string[]): Promise<ExecResult> {
    const log = argv.length === 1 && argv[0] === 'dmesg' ? (await this.guest()).snapshot.get(BOOT_LOG) : undefined;
    if (log === undefined) return this.refuse(`exec ${argv[0] ?? ''}`);
    return { exitCode: 0, stdout: log, stderr: '' };
  }

  spawn(argv: string[]): Promise<TargetProcess> {
    return this.refuse(`spawn ${argv[0] ?? ''}`);
  }

  program(name: string): Promise<string> {
    return this.refuse(`run ${name}`);
  }

  async readFile(file: string): Promise<string> {
    const text = (await this.guest()).snapshot.get(file);
    if (text === undefined) return this.refuse(`read ${file} (not in the guest's boot snapshot, runners/targets/vm/init.sh)`);
    return text;
  }

  async listDir(dir: string): Promise<string[]> {
    const prefix = `${dir.replace(/\/$/, '')}/`;
    const names = [...(await this.guest()).snapshot.keys()].flatMap((p) => (p.startsWith(prefix) ? [p.slice(prefix.length).split('/')[0]!] : []));
    if (names.length === 0) return this.refuse(`list ${dir} (not in the guest's boot snapshot)`);
    return [...new Set(names)];
  }

  putFile(_localPath: string, remotePath: string): Promise<void> {
    return this.refuse(`put ${remotePath}`);
  }

  getFile(remotePath: string): Promise<void> {
    return this.refuse(`get ${remotePath}`);
  }

  private async guest(): Promise<VmTransport> {
    const last = this.booted.at(-1);
    if (last) return last;
    await this.startWorker();
    return this.booted.at(-1)!;
  }

  /** From the guest's boot snapshot where it has the file, else from what the guest was booted with. */
  async fingerprint(): Promise<TargetFingerprint> {
    const guest = await this.guest();
    const d = guest.describe();
    const file = (p: string) => guest.snapshot.get(p)?.trim();
    const vulnerabilities = '/sys/devices/system/cpu/vulnerabilities/';
    const mitigations = Object.fromEntries([...guest.snapshot].flatMap(([p, text]) => (p.startsWith(vulnerabilities) ? [[p.slice(vulnerabilities.length), text.trim()]] : [])));
    const procModules = file('/proc/modules');
    const modules = procModules === undefined ? undefined : moduleNamesOf(procModules);
    const online = file('/sys/devices/system/cpu/online');
    return {
      hostname: 'm3bench-vm',
      arch: process.arch === 'x64' ? 'x86_64' : process.arch,
      cpuModel: d.emulated ? 'qemu TCG' : 'host (KVM)',
      cores: online ? cpuListToSet(online).length : d.ncpus,
      kernel: file('/proc/sys/kernel/osrelease') ?? d.kernel,
      cmdline: file('/proc/cmdline') ?? d.cmdline,
      modules: modules ?? ['m3ipc'],
      mitigations,
      virtualised: true,
      hypervisor: d.emulated ? 'qemu-tcg' : 'kvm',
      memoryBytes: d.memoryBytes,
      os: 'busybox initramfs',
    };
  }

  async capabilities(): Promise<TargetCapabilities> {
    const no: Capability = { ok: false, detail: NO_CHANNEL };
    return {
      root: { ok: true, detail: 'the guest runs everything as root' },
      perf: no,
      m3ipcModule: { ok: true, detail: 'loaded by the guest /init' },
      netns: no,
      ethtool: no,
      node: { ok: false, detail: 'the guest has no Node' },
    };
  }

  async describe(): Promise<TargetDescription> {
    const d = (await this.guest()).describe();
    const note = d.emulated
      ? `VM target, guest kernel ${d.kernel} under software emulation (qemu TCG): timings are for relative comparison only`
      : `VM target, guest kernel ${d.kernel}, hardware-accelerated (KVM)`;
    return { name: 'vm', kernel: d.kernel, emulated: d.emulated, note };
  }

  /** Each boot (a worker restart boots a new VM) ends with /proc/m3ipc, a dmesg check and rmmod. */
  async close(runDir?: string): Promise<string[]> {
    await this.pending?.close();
    this.pending = null;
    const reports = this.booted.flatMap((t) => {
      try {
        return [t.guestReport()];
      } catch {
        return []; // a VM that never closed has nothing to say
      }
    });
    if (runDir) writeFileSync(path.join(runDir, 'vm-guest.json'), `${JSON.stringify(reports, null, 2)}\n`);
    return reports.map((r, i) => {
      const steps = Object.entries(r.steps).map(([step, rc]) => `${step} rc=${rc}`).join(', ');
      const stats = (r.output.proc ?? []).find((l) => l.includes('sent=')) ?? '';
      return `VM boot ${i + 1}: ${steps}${r.done ? '' : ' (guest did not finish)'}; /proc/m3ipc: ${stats}`;
    });
  }
}

// The VM target: a qemu guest booted from Debian's packaged kernel with the module loaded and the
// static worker inside (runners/targets/vm/). Its only channel is the worker's serial stream, so
// it runs worker cases and nothing else: commands and files are refused with the reason (a guest
// reachable over ssh is the SSH target, e.g. the rig of runners/targets/rig/).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Capability, ExecResult, Target, TargetCapabilities, TargetDescription, TargetFingerprint, WorkerStream } from '../../core/target.ts';
import { startVmTransport, type VmTransport, type VmTransportOptions } from './vm/index.ts';

const NO_CHANNEL = 'the VM target has only the worker stream (no shell in its guest): use an SSH target for commands, files and collectors';

export class VmTarget implements Target {
  readonly name = 'vm';
  readonly kind = 'vm' as const;
  /** A new worker is a new boot. */
  readonly cheapWorkerStart = false;
  private readonly booted: VmTransport[] = [];

  constructor(private readonly options: VmTransportOptions = {}) {}

  async startWorker(): Promise<WorkerStream> {
    const t = await startVmTransport(this.options);
    this.booted.push(t);
    return t;
  }

  private refuse(what: string): Promise<never> {
    return Promise.reject(new Error(`${what}: ${NO_CHANNEL}`));
  }

  exec(argv: string[]): Promise<ExecResult> {
    return this.refuse(`exec ${argv[0] ?? ''}`);
  }

  readFile(file: string): Promise<string> {
    return this.refuse(`read ${file}`);
  }

  listDir(dir: string): Promise<string[]> {
    return this.refuse(`list ${dir}`);
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

  async fingerprint(): Promise<TargetFingerprint> {
    const d = (await this.guest()).describe();
    return {
      hostname: 'm3bench-vm',
      arch: process.arch === 'x64' ? 'x86_64' : process.arch,
      cpuModel: d.emulated ? 'qemu TCG' : 'host (KVM)',
      cores: d.ncpus,
      kernel: d.kernel,
      cmdline: d.cmdline,
      modules: ['m3ipc'],
      mitigations: {},
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

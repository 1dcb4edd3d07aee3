// Where workers run: this host (spawned with execa) or a VM (runners/vm/, the VM engineer's
// transport, loaded only when asked for so that a local run never depends on it).
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest, TargetName } from '../src/types.ts';
import { LocalTransport } from './transport.ts';
import type { VmTransport, VmTransportOptions } from './vm/index.ts';
import type { TransportFactory } from './worker-runner.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_WORKER = path.join(REPO_ROOT, 'native', 'build', 'm3worker');

export interface TargetOptions {
  target: TargetName;
  /** Program and arguments of the local worker; default $M3BENCH_WORKER or native/build/m3worker. */
  workerCommand?: string[];
  /** Passed to the VM transport unchanged. */
  vm?: VmTransportOptions;
}

export interface OpenedTarget {
  openTransport: TransportFactory;
  /** Starting a worker costs milliseconds (local), not a boot (VM): each round may have its own. */
  cheapWorkerStart: boolean;
  describe(): Promise<Manifest['target']>;
  /** After every worker is closed: what the target itself reported (the VM guest's module state,
   * dmesg check and rmmod), written into the run directory; returns lines for the log. */
  finish?(runDir: string): string[];
}

export function localWorkerCommand(explicit?: string[]): string[] {
  if (explicit?.length) return explicit;
  const fromEnv = process.env.M3BENCH_WORKER;
  if (fromEnv) return [fromEnv];
  if (!existsSync(DEFAULT_WORKER)) {
    throw new Error(`the native worker ${path.relative(process.cwd(), DEFAULT_WORKER)} is not built: run \`npm run build\` (or set M3BENCH_WORKER)`);
  }
  return [DEFAULT_WORKER];
}

export async function openTarget(opts: TargetOptions): Promise<OpenedTarget> {
  if (opts.target === 'local') {
    const command = localWorkerCommand(opts.workerCommand);
    return {
      openTransport: async () => new LocalTransport({ command }),
      cheapWorkerStart: true,
      describe: async () => ({ name: 'local', kernel: os.release(), emulated: false }),
    };
  }
  let vm: typeof import('./vm/index.ts');
  try {
    // Loaded only for --target vm, so that a local run never depends on the VM tooling.
    vm = await import('./vm/index.ts');
  } catch (err) {
    throw new Error(`--target vm needs runners/vm/index.ts (the VM transport), which cannot be loaded here: ${(err as Error).message}`);
  }
  const booted: VmTransport[] = [];
  const boot = async () => {
    const t = await vm.startVmTransport(opts.vm ?? {});
    booted.push(t);
    return t;
  };
  return {
    openTransport: boot,
    cheapWorkerStart: false,
    describe: async () => {
      const d = (booted.at(-1) ?? (await boot())).describe();
      const note = d.emulated
        ? `VM target, guest kernel ${d.kernel} under software emulation (qemu TCG): timings are for relative comparison only`
        : `VM target, guest kernel ${d.kernel}, hardware-accelerated (KVM)`;
      return { name: 'vm', kernel: d.kernel, emulated: d.emulated, note };
    },
    finish: (runDir) => {
      // Each boot (a worker restart boots a new VM) ends with /proc/m3ipc, a dmesg check and rmmod.
      const reports = booted.flatMap((t) => {
        try {
          return [t.guestReport()];
        } catch {
          return []; // a VM that never closed has nothing to say
        }
      });
      writeFileSync(path.join(runDir, 'vm-guest.json'), `${JSON.stringify(reports, null, 2)}\n`);
      return reports.map((r, i) => {
        const steps = Object.entries(r.steps).map(([step, rc]) => `${step} rc=${rc}`).join(', ');
        const stats = (r.output.proc ?? []).find((l) => l.includes('sent=')) ?? '';
        return `VM boot ${i + 1}: ${steps}${r.done ? '' : ' (guest did not finish)'}; /proc/m3ipc: ${stats}`;
      });
    },
  };
}

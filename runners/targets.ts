// Where workers run: this host (spawned with execa) or a VM (runners/vm/, the VM engineer's
// transport, loaded only when asked for so that a local run never depends on it).
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest, TargetName } from '../src/types.ts';
import { LocalTransport, type WorkerTransport } from './transport.ts';
import type { TransportFactory } from './worker-runner.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_WORKER = path.join(REPO_ROOT, 'native', 'build', 'm3worker');

export interface TargetOptions {
  target: TargetName;
  /** Program and arguments of the local worker; default $M3BENCH_WORKER or native/build/m3worker. */
  workerCommand?: string[];
  /** Passed to the VM transport unchanged. */
  vm?: Record<string, unknown>;
}

export interface OpenedTarget {
  openTransport: TransportFactory;
  describe(): Promise<Manifest['target']>;
}

type VmTransport = WorkerTransport & { describe(): { kernel: string; emulated: boolean } };
interface VmModule {
  startVmTransport(opts: Record<string, unknown>): Promise<VmTransport>;
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
      describe: async () => ({ name: 'local', kernel: os.release(), emulated: false }),
    };
  }
  let vm: VmModule;
  try {
    // A variable specifier: the module may not exist yet, and must not be needed to type-check.
    const specifier = './vm/index.ts';
    vm = (await import(specifier)) as VmModule;
  } catch (err) {
    throw new Error(`--target vm needs runners/vm/index.ts (the VM transport), which cannot be loaded here: ${(err as Error).message}`);
  }
  let last: VmTransport | null = null;
  return {
    openTransport: async () => (last = await vm.startVmTransport(opts.vm ?? {})),
    describe: async () => {
      const d = (last ?? (last = await vm.startVmTransport(opts.vm ?? {}))).describe();
      return { name: 'vm', kernel: d.kernel, emulated: d.emulated };
    },
  };
}

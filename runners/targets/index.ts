// Opens the Target a run names: `local` (this host), `vm` (a qemu guest of runners/targets/vm/)
// or `ssh:HOST` (a lab host through the user's OpenSSH configuration, runners/targets/ssh.ts).
import type { Target } from '../../core/target.ts';
import { LocalTarget, localWorkerCommand } from './local.ts';
import { VmTarget } from './vm.ts';
import type { VmTransportOptions } from './vm/index.ts';

export { localWorkerCommand };

export interface TargetOptions {
  /** Program and arguments of the local worker; default $M3BENCH_WORKER or native/build/m3worker. */
  workerCommand?: string[];
  /** Passed to the VM transport unchanged. */
  vm?: VmTransportOptions;
}

/** `local`, `vm` or `ssh:HOST`; anything else is a usage error naming the forms. */
export function parseTargetName(name: string): { kind: 'local' } | { kind: 'vm' } | { kind: 'ssh'; host: string } {
  if (name === 'local') return { kind: 'local' };
  if (name === 'vm') return { kind: 'vm' };
  const ssh = /^ssh:(.+)$/.exec(name);
  if (ssh?.[1]) return { kind: 'ssh', host: ssh[1] };
  throw new Error(`--target ${JSON.stringify(name)}: expected local, vm or ssh:HOST`);
}

export async function openTarget(name: string, opts: TargetOptions = {}): Promise<Target> {
  const parsed = parseTargetName(name);
  if (parsed.kind === 'local') return new LocalTarget(localWorkerCommand(opts.workerCommand));
  if (parsed.kind === 'vm') return new VmTarget(opts.vm);
  throw new Error(`ssh target ${parsed.host}: not wired yet`);
}

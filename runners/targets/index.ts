// Opens the Target a run names: `local` (this host), `vm` (a qemu guest of runners/targets/vm/)
// or `ssh:HOST` (a lab host through the user's OpenSSH configuration, runners/targets/ssh.ts).
import type { Target } from '../../core/target.ts';
import { LocalTarget, localWorkerCommand } from './local.ts';
import { VmTarget } from './vm.ts';
import type { InventoryHost } from './inventory.ts';
import { SshTarget } from './ssh.ts';
import type { VmTransportOptions } from './vm/index.ts';

export { localWorkerCommand };

export interface TargetOptions {
  /** Program and arguments of the local worker; default $M3BENCH_WORKER or native/build/m3worker. */
  workerCommand?: string[];
  /** Passed to the VM transport unchanged. */
  vm?: VmTransportOptions;
  /** `-F FILE` for every ssh target instead of ~/.ssh/config (e.g. the rig's). */
  sshConfig?: string;
  /** Hosts of an Ansible inventory by name: `ssh:NAME` connects to its ansible_host/port/user. */
  inventory?: InventoryHost[];
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
  const listed = opts.inventory?.find((h) => h.name === parsed.host);
  return new SshTarget(parsed.host, {
    ...(opts.sshConfig ? { configFile: opts.sshConfig } : {}),
    ...(listed ? { hostName: listed.host, port: listed.port, user: listed.user } : {}),
  });
}

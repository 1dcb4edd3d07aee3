// Boots the packaged kernel under qemu, always inside `timeout`, never rebooting, without
// network and with stdin from /dev/null. The console (ttyS0) is the guest's report channel;
// an optional second serial port (ttyS1) carries the worker line protocol over a Unix socket.
import { execa, type ResultPromise } from 'execa';
import { readFileSync, rmSync } from 'node:fs';
import type { VmArtifacts } from './artifacts.ts';

export type VmMode = 'test' | 'worker';

export interface BootOptions {
  artifacts: VmArtifacts;
  mode: VmMode;
  /** Wall-clock limit for the whole VM, seconds. */
  timeoutS: number;
  /** Unix socket that qemu connects ttyS1 to (worker mode). */
  workerSocket?: string;
  /** Where qemu writes its pid, so that it can be killed even if `timeout` is gone. */
  pidFile: string;
  memoryMiB?: number;
  cpus?: number;
  /** Kernel parameters after the guest's own (a kernel configuration's). */
  extraCmdline?: string[];
}

/** KVM only on explicit request: the nested /dev/kvm of CI machines starts and then hangs. */
export function accelerator(): 'kvm' | 'tcg' {
  return process.env.M3BENCH_VM_ACCEL === 'kvm' ? 'kvm' : 'tcg';
}

export const GUEST_MEMORY_MIB = 512;
export const GUEST_CPUS = 2;

export function guestCommandLine(mode: VmMode, extra: string[] = []): string {
  return [`console=ttyS0 panic=-1 quiet m3mode=${mode}`, ...extra].join(' ');
}

export function qemuArgs(o: BootOptions): string[] {
  const kvm = accelerator() === 'kvm';
  const args = [
    ...(kvm ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg']),
    '-m', String(o.memoryMiB ?? GUEST_MEMORY_MIB),
    '-smp', String(o.cpus ?? GUEST_CPUS),
    '-no-reboot',
    '-display', 'none',
    '-monitor', 'none',
    '-net', 'none',
    '-pidfile', o.pidFile,
    '-kernel', o.artifacts.kernel,
    '-initrd', o.artifacts.initrd,
    '-append', guestCommandLine(o.mode, o.extraCmdline),
    '-serial', 'stdio',
  ];
  if (o.workerSocket) args.push('-chardev', `socket,id=worker,path=${o.workerSocket}`, '-serial', 'chardev:worker');
  return args;
}

export function bootVm(o: BootOptions): ResultPromise<{ stdin: 'ignore'; stdout: 'pipe'; stderr: 'pipe'; reject: false; cleanup: true; buffer: true }> {
  return execa('timeout', ['-k', '5', String(o.timeoutS), 'qemu-system-x86_64', ...qemuArgs(o)], {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    reject: false,
    // If Node exits first, `timeout` gets SIGTERM and passes it on to qemu.
    cleanup: true,
    buffer: true,
  });
}

/** Last resort on every exit path: the qemu named in the pid file must not survive us. */
export function killQemu(pidFile: string): void {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    // Only if that pid is still a qemu: after a clean exit the number may belong to another.
    if (pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('qemu-system')) process.kill(pid, 'SIGKILL');
  } catch {
    // No pid file (qemu never started or already removed it) or no such process: nothing left.
  }
  rmSync(pidFile, { force: true });
}

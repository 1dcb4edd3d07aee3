// Everything a VM boot needs, made on demand: Debian's packaged kernel (prepare.sh) and an
// initramfs with the module, the conformance suite, the fuzzer and the worker (build.sh).
import { execa } from 'execa';
import path from 'node:path';
import { REPO_ROOT, repoPath } from '../../../core/paths.ts';

const SCRIPTS = repoPath('runners', 'targets', 'vm');

export interface VmArtifacts {
  /** Packaged kernel version, e.g. 6.1.0-56-amd64 (from linux-headers-amd64, not uname -r). */
  kernelVersion: string;
  kernel: string;
  initrd: string;
}

/** qemu or the packaged kernel cannot be installed here: callers report a skip, not a failure. */
export class VmUnavailableError extends Error {}

let prepared: Promise<VmArtifacts> | null = null;

/** Built once per process (a run opens several VMs, possibly at once); a failure is retried. */
export function prepareVm(): Promise<VmArtifacts> {
  prepared ??= prepareOnce().catch((err: unknown) => {
    prepared = null;
    throw err;
  });
  return prepared;
}

async function prepareOnce(): Promise<VmArtifacts> {
  const prep = await execa(path.join(SCRIPTS, 'prepare.sh'), { reject: false, all: true });
  if (prep.exitCode === 3) throw new VmUnavailableError(`VM target unavailable: ${lastLines(prep.all)}`);
  if (prep.exitCode !== 0) throw new Error(`runners/targets/vm/prepare.sh failed (${prep.exitCode}): ${lastLines(prep.all)}`);
  const kernelVersion = /^KVER=(\S+)$/m.exec(prep.stdout)?.[1];
  if (!kernelVersion) throw new Error(`runners/targets/vm/prepare.sh did not name the kernel: ${lastLines(prep.all)}`);
  const build = await execa(path.join(SCRIPTS, 'build.sh'), [kernelVersion], { reject: false, all: true });
  if (build.exitCode !== 0) throw new Error(`runners/targets/vm/build.sh failed (${build.exitCode}): ${lastLines(build.all)}`);
  return {
    kernelVersion,
    kernel: path.join(REPO_ROOT, '.cache', 'vm', `vmlinuz-${kernelVersion}`),
    initrd: path.join(REPO_ROOT, build.stdout.trim().split('\n').pop()!),
  };
}

function lastLines(text: string | undefined, n = 8): string {
  return (text ?? '').trim().split('\n').slice(-n).join(' | ');
}

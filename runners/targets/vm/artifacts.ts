// Everything a VM boot needs, made on demand for a kernel spec: qemu and busybox here
// (prepare.sh), the kernel and m3ipc.ko built for it (runners/targets/debian/), and an initramfs
// with the module, the conformance suite, the fuzzer and the worker (build.sh).
import path from 'node:path';
import { REPO_ROOT, repoPath } from '../../../core/paths.ts';
import { buildKernelModule, fetchKernel, memoised, runScript } from '../debian/kernels.ts';

/** VmUnavailableError: qemu or the kernel cannot be had here, callers report a skip (one class with the kernel layer's). */
export { KernelUnavailableError as VmUnavailableError, resolveKernelRelease } from '../debian/kernels.ts';

const SCRIPTS = repoPath('runners', 'targets', 'vm');

export interface VmArtifacts {
  /** The guest kernel's release as `uname -r` shows it, e.g. 6.1.0-57-amd64 (never the host's). */
  kernelVersion: string;
  /** Its vmlinuz. */
  kernel: string;
  initrd: string;
}

const prepared = new Map<string, Promise<VmArtifacts>>();

/**
 * The artifacts for a kernel spec (undefined = 'default' = bookworm's 6.1; '6.12'; '7.2'; a full
 * Debian release; see resolveKernelRelease). Made once per process and spec (a run opens several
 * VMs, possibly at once); a failure is retried by the next call.
 */
export function prepareVm(kernel?: string): Promise<VmArtifacts> {
  return memoised(prepared, kernel ?? 'default', async () => {
    await runScript(path.join(SCRIPTS, 'prepare.sh'), []);
    const k = await fetchKernel(kernel);
    const ko = await buildKernelModule(k.release);
    const built = await runScript(path.join(SCRIPTS, 'build.sh'), [k.release, ko]);
    return { kernelVersion: k.release, kernel: k.vmlinuz, initrd: path.join(REPO_ROOT, built.trim().split('\n').pop()!) };
  });
}

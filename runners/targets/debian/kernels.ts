// Debian's packaged kernels for qemu guests and lab hosts: which release a spec names, that
// release's vmlinuz and modules, and m3ipc.ko built for it. The scripts beside this file fetch,
// build and cache (in .cache/kernels/, or $M3BENCH_KERNEL_CACHE); this memoises them per process
// and turns their "cannot be had here" (exit 3) into KernelUnavailableError, which callers skip on.
import { execa } from 'execa';
import { repoPath } from '../../../core/paths.ts';

/** No network, not in the archive, not root, ...: callers report a skip, not a failure. */
export class KernelUnavailableError extends Error {}

export interface KernelFiles {
  /** The release as `uname -r` shows it in the guest, e.g. 6.12.95+deb12-amd64. */
  release: string;
  vmlinuz: string;
  /** Uncompressed .ko of each module asked for, by name (e.g. e1000). */
  modules: Record<string, string>;
}

/** Runs a script; exit 3 is KernelUnavailableError (of the class given), other failures an Error. Returns stdout. */
export async function runScript(script: string, args: string[], unavailable: new (m: string) => Error = KernelUnavailableError): Promise<string> {
  const r = await execa(script, args, { reject: false, all: true });
  const name = script.replace(`${repoPath()}/`, '');
  if (r.exitCode === 3) throw new unavailable(`${name} ${args.join(' ')}: ${lastLines(r.all)}`);
  if (r.exitCode !== 0) throw new Error(`${name} ${args.join(' ')} failed (exit ${r.exitCode}): ${lastLines(r.all)}`);
  return r.stdout;
}

/** `KEY=VALUE` lines of a script's output. */
function keyValues(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.split('\n').flatMap((l) => {
    const m = /^([A-Za-z0-9_]+)=(.*)$/.exec(l);
    return m ? [[m[1]!, m[2]!]] : [];
  }));
}

/** A failed attempt is forgotten, so the next call tries again. */
export function memoised<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = make().catch((err: unknown) => {
      cache.delete(key);
      throw err;
    });
    cache.set(key, p);
  }
  return p;
}

const script = (name: string) => repoPath('runners', 'targets', 'debian', name);
const releases = new Map<string, Promise<string>>();
const fetched = new Map<string, Promise<KernelFiles>>();
const modules = new Map<string, Promise<string>>();

/**
 * The Debian release a kernel spec names: undefined or 'default' and '6.1' (bookworm's current),
 * '6.12' (bookworm-backports'), '7.2' (sid's), or a full release such as '6.12.95+deb12-amd64'
 * (itself). A spec's suite that has moved on to another version is unavailable, not a surprise.
 */
export function resolveKernelRelease(spec?: string): Promise<string> {
  const s = spec ?? 'default';
  return memoised(releases, s, async () => keyValues(await runScript(script('release.sh'), [s])).KVER!);
}

/** The vmlinuz of a spec's release and the named modules of it, fetched once and cached. */
export function fetchKernel(spec?: string, moduleNames: string[] = []): Promise<KernelFiles> {
  return memoised(fetched, `${spec ?? 'default'} ${moduleNames.join(' ')}`, async () => {
    const release = await resolveKernelRelease(spec);
    const kv = keyValues(await runScript(script('fetch.sh'), [release, ...moduleNames]));
    return { release, vmlinuz: kv.VMLINUZ!, modules: Object.fromEntries(moduleNames.map((m) => [m, kv[`MODULE_${m}`]!])) };
  });
}

/** m3ipc.ko for a Debian release (path), built against its packaged headers, rebuilt when m3ipc/kmod changes. */
export function buildKernelModule(release: string): Promise<string> {
  return memoised(modules, release, async () => (await runScript(script('kmod.sh'), [release])).trim().split('\n').pop()!);
}

function lastLines(text: string | undefined, n = 8): string {
  return (text ?? '').trim().split('\n').slice(-n).join(' | ');
}

// Per-NAPI settings (netdev generic netlink) through `m3net napi` on the target: the static m3net
// is already there for the stream, and lab hosts and the rig's busybox guests have no ynl.
import { M3netAnswerSchema, M3netFailureSchema, M3netNapiSchema, M3netProbeSchema, parseJsonWith, parseWith } from '../../core/schemas.ts';
import type { KernelShell, Netns } from '../targets/kernel-shell.ts';

export type NapiInfo = ReturnType<typeof M3netNapiSchema.parse>['napis'][number];
export type M3netProbe = ReturnType<typeof M3netProbeSchema.parse>;

/** m3net's one JSON line, or an error with m3net's own reason (errno name and the kernel's message). */
async function m3net(sh: KernelShell, netns: Netns, args: string[]): Promise<unknown> {
  const program = await sh.target.program('m3net');
  const r = await sh.exec(netns, program, args);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  const what = `m3net ${args.join(' ')}`;
  if (!line) throw new Error(`${what}: no output (exit ${r.exitCode})${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`);
  const answer = parseJsonWith(M3netAnswerSchema, line, what);
  if (answer.ok !== true || r.exitCode !== 0) {
    const failure = answer.ok === false ? parseWith(M3netFailureSchema, answer, what) : {};
    const errno = 'errnoName' in failure && typeof failure.errnoName === 'string' ? ` [${failure.errnoName}]` : '';
    throw new Error(`${what}: ${String(('error' in failure && failure.error) || `exit ${r.exitCode}`)}${errno}`);
  }
  return answer;
}

/** The NAPI instances of the device with this ifindex, as the kernel lists them (napi-get dump). */
export async function napisOf(sh: KernelShell, netns: Netns, ifindex: number): Promise<NapiInfo[]> {
  const out = await m3net(sh, netns, ['napi', 'get', '--ifindex', String(ifindex)]);
  return parseWith(M3netNapiSchema, out, 'm3net napi get').napis;
}

/** One NAPI instance by id (napi-get do); throws when the kernel has no such id. */
export async function napiById(sh: KernelShell, netns: Netns, id: number): Promise<NapiInfo> {
  const out = await m3net(sh, netns, ['napi', 'get', '--id', String(id)]);
  const [napi] = parseWith(M3netNapiSchema, out, 'm3net napi get').napis;
  if (!napi) throw new Error(`napi ${id}: not listed by the kernel`);
  return napi;
}

export async function setNapiIrqSuspend(sh: KernelShell, netns: Netns, id: number, ns: string): Promise<void> {
  await m3net(sh, netns, ['napi', 'set', '--id', String(id), '--irq-suspend-timeout', ns]);
}

/** What the target's kernel offers m3net: EPIOCSPARAMS (Linux >= 6.9) and the netdev family. */
export async function probeM3net(sh: KernelShell): Promise<M3netProbe> {
  return parseWith(M3netProbeSchema, await m3net(sh, null, ['probe']), 'm3net probe');
}

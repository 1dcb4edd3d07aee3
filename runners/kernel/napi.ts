// Per-NAPI settings (netdev generic netlink) through `m3net napi` on the target: the static m3net
// is already there for the stream, and lab hosts and the rig's busybox guests have no ynl.
import type { z } from 'zod';
import { M3netAnswerSchema, M3netNapiSchema, M3netProbeSchema } from '../../core/schemas.ts';
import { m3netAnswer } from './m3net-answer.ts';
import type { KernelShell, Netns } from '../targets/kernel-shell.ts';

export type NapiInfo = ReturnType<typeof M3netNapiSchema.parse>['napis'][number];
export type M3netProbe = ReturnType<typeof M3netProbeSchema.parse>;

/** m3net's answer to `args` in `netns`, checked against `schema`, or an error with m3net's own reason (errno name and the kernel's message). */
async function m3net<T>(sh: KernelShell, netns: Netns, args: string[], schema: z.ZodType<T>): Promise<T> {
  const r = await sh.exec(netns, await sh.target.program('m3net'), args);
  return m3netAnswer(r.stdout.trim().split('\n').at(-1), r, `m3net ${args.join(' ')}`, schema);
}

/** The NAPI instances of the device with this ifindex, as the kernel lists them (napi-get dump). */
export async function napisOf(sh: KernelShell, netns: Netns, ifindex: number): Promise<NapiInfo[]> {
  return (await m3net(sh, netns, ['napi', 'get', '--ifindex', String(ifindex)], M3netNapiSchema)).napis;
}

/** One NAPI instance by id (napi-get do); throws when the kernel has no such id. */
export async function napiById(sh: KernelShell, netns: Netns, id: number): Promise<NapiInfo> {
  const [napi] = (await m3net(sh, netns, ['napi', 'get', '--id', String(id)], M3netNapiSchema)).napis;
  if (!napi) throw new Error(`napi ${id}: not listed by the kernel`);
  return napi;
}

export async function setNapiIrqSuspend(sh: KernelShell, netns: Netns, id: number, ns: string): Promise<void> {
  await m3net(sh, netns, ['napi', 'set', '--id', String(id), '--irq-suspend-timeout', ns], M3netAnswerSchema);
}

/** What the target's kernel offers m3net: EPIOCSPARAMS (Linux >= 6.9) and the netdev family. */
export async function probeM3net(sh: KernelShell): Promise<M3netProbe> {
  return m3net(sh, null, ['probe'], M3netProbeSchema);
}

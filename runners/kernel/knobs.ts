// Kernel knobs, resolved to a concrete place (namespace, path, device, IRQ, thread): how to read,
// write and compare each kind. A profile names knobs abstractly (profile.ts); this is the mechanics.
import { readFile } from 'node:fs/promises';
import { readKernelFile, run, writeKernelFile, type Netns } from '../targets/netns-exec.ts';

export type ResolvedKnob =
  /** A /proc/sys or /sys file (sysctl, RPS mask, threaded NAPI, napi_defer_hard_irqs, ...). */
  | { kind: 'file'; netns: Netns; path: string; format: ValueFormat; value: string; label: string }
  /** An ethtool feature of a device (tso, gro, ...). */
  | { kind: 'ethtool'; netns: Netns; dev: string; feature: string; value: string; label: string }
  /** CPU affinity of a thread (a NAPI kthread); pid identifies it, comm guards against pid reuse. */
  | { kind: 'task-affinity'; pid: number; comm: string; value: string; label: string };

/** How a value is compared after reading it back. */
export type ValueFormat = 'text' | 'hexmask' | 'cpulist';

/** Short ethtool -K names → the long names `ethtool -k` prints. */
const ETHTOOL_LONG_NAMES: Record<string, string> = {
  tso: 'tcp-segmentation-offload',
  gso: 'generic-segmentation-offload',
  gro: 'generic-receive-offload',
  lro: 'large-receive-offload',
  rx: 'rx-checksumming',
  tx: 'tx-checksumming',
};

export function cpuListToSet(list: string): number[] {
  const out = new Set<number>();
  for (const part of list.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a; c <= (b ?? a); c++) out.add(c);
  }
  return [...out].sort((x, y) => x - y);
}

/** Canonical form of a value, so that "00000001" equals "1" for masks and "0,1" equals "0-1" for lists. */
export function normalise(value: string, format: ValueFormat): string {
  const v = value.trim();
  if (format === 'hexmask') return BigInt(`0x${v.replace(/,/g, '') || '0'}`).toString(16);
  if (format === 'cpulist') return cpuListToSet(v).join(',');
  return v;
}

function formatOf(k: ResolvedKnob): ValueFormat {
  if (k.kind === 'file') return k.format;
  return k.kind === 'task-affinity' ? 'cpulist' : 'text';
}

export function sameValue(k: ResolvedKnob, a: string, b: string): boolean {
  return normalise(a, formatOf(k)) === normalise(b, formatOf(k));
}

async function taskComm(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
}

export async function readKnob(k: ResolvedKnob): Promise<string> {
  switch (k.kind) {
    case 'file':
      return readKernelFile(k.netns, k.path);
    case 'ethtool': {
      const long = ETHTOOL_LONG_NAMES[k.feature] ?? k.feature;
      const out = await run(k.netns, 'ethtool', ['-k', k.dev]);
      const m = new RegExp(`^${long}: (on|off)`, 'm').exec(out);
      if (!m) throw new Error(`ethtool -k ${k.dev}: no feature ${long}`);
      return m[1];
    }
    case 'task-affinity': {
      if ((await taskComm(k.pid)) !== k.comm) throw new Error(`pid ${k.pid} is no longer ${k.comm}`);
      const status = await readFile(`/proc/${k.pid}/status`, 'utf8');
      const m = /^Cpus_allowed_list:\s+(\S+)/m.exec(status);
      if (!m) throw new Error(`/proc/${k.pid}/status: no Cpus_allowed_list`);
      return m[1];
    }
  }
}

export async function writeKnob(k: ResolvedKnob, value: string): Promise<void> {
  switch (k.kind) {
    case 'file':
      return writeKernelFile(k.netns, k.path, value);
    case 'ethtool':
      await run(k.netns, 'ethtool', ['-K', k.dev, k.feature, value]);
      return;
    case 'task-affinity':
      if ((await taskComm(k.pid)) !== k.comm) throw new Error(`pid ${k.pid} is no longer ${k.comm}`);
      await run(null, 'taskset', ['-pc', value, String(k.pid)]);
  }
}

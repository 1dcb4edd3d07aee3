// Kernel knobs, resolved to a concrete place (namespace, path, device, IRQ, thread): how to read,
// write and compare each kind. A profile names knobs abstractly (profile.ts); this is the mechanics.
import type { KernelShell, Netns } from '../targets/kernel-shell.ts';
import { cpuListToSet } from '../../core/cpu-list.ts';
import { napiById, setNapiIrqSuspend } from './napi.ts';

export type ResolvedKnob =
  /** A /proc/sys or /sys file (sysctl, RPS mask, threaded NAPI, napi_defer_hard_irqs, ...). */
  | { kind: 'file'; netns: Netns; path: string; format: ValueFormat; value: string; label: string }
  /** An ethtool feature of a device (tso, gro, ...). */
  | { kind: 'ethtool'; netns: Netns; dev: string; feature: string; value: string; label: string }
  /** CPU affinity of a thread (a NAPI kthread); pid identifies it, comm guards against pid reuse. */
  | { kind: 'task-affinity'; pid: number; comm: string; value: string; label: string }
  /**
   * A per-NAPI netdev netlink setting (irq_suspend_timeout, ns), through `m3net napi` on the target.
   * ifindex guards against a NAPI id the kernel gave to another device since (ids are re-assigned
   * when a device goes down and up: the old instance, and its setting, are then gone).
   */
  | { kind: 'napi'; netns: Netns; dev: string; ifindex: number; napiId: number; attr: 'irq-suspend-timeout'; value: string; label: string };

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

async function checkTask(sh: KernelShell, k: { pid: number; comm: string }): Promise<void> {
  if ((await sh.read(null, `/proc/${k.pid}/comm`)) !== k.comm) throw new Error(`pid ${k.pid} is no longer ${k.comm}`);
}

/** The knob's current value on the shell's target. */
export async function readKnob(sh: KernelShell, k: ResolvedKnob): Promise<string> {
  switch (k.kind) {
    case 'file':
      return sh.read(k.netns, k.path);
    case 'ethtool': {
      const long = ETHTOOL_LONG_NAMES[k.feature] ?? k.feature;
      const out = await sh.run(k.netns, 'ethtool', ['-k', k.dev]);
      const m = new RegExp(`^${long}: (on|off)`, 'm').exec(out);
      if (!m) throw new Error(`ethtool -k ${k.dev}: no feature ${long}`);
      return m[1];
    }
    case 'napi': {
      const napi = await napiById(sh, k.netns, k.napiId);
      if (napi.ifindex !== k.ifindex) throw new Error(`napi ${k.napiId} now belongs to ifindex ${napi.ifindex}, not ${k.dev} (${k.ifindex})`);
      // An attribute the kernel does not report is no setting to journal (not 0).
      if (napi.irqSuspendTimeout === undefined) throw new Error(`napi ${k.napiId}: the kernel reports no irq-suspend-timeout`);
      return String(napi.irqSuspendTimeout);
    }
    case 'task-affinity': {
      await checkTask(sh, k);
      const status = await sh.read(null, `/proc/${k.pid}/status`);
      const m = /^Cpus_allowed_list:\s+(\S+)/m.exec(status);
      if (!m) throw new Error(`/proc/${k.pid}/status: no Cpus_allowed_list`);
      return m[1];
    }
  }
}

export async function writeKnob(sh: KernelShell, k: ResolvedKnob, value: string): Promise<void> {
  switch (k.kind) {
    case 'file':
      return sh.write(k.netns, k.path, value);
    case 'ethtool':
      await sh.run(k.netns, 'ethtool', ['-K', k.dev, k.feature, value]);
      return;
    case 'task-affinity':
      await checkTask(sh, k);
      await sh.run(null, 'taskset', ['-pc', value, String(k.pid)]);
      return;
    case 'napi':
      await readKnob(sh, k); // same device still: never write another device's NAPI
      await setNapiIrqSuspend(sh, k.netns, k.napiId, value);
  }
}

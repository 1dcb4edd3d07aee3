// From a profile's abstract knob (device "rx*", scope "netns", ...) to the concrete kernel objects
// it means right now: files in a namespace, IRQ numbers, NAPI kthread pids, NAPI ids. Resolution happens at
// apply time, knob by knob, because earlier knobs create later ones' objects (threaded NAPI
// creates the kthreads that napi-affinity pins).
import { irqName, irqOfDevice, parseInterrupts } from '../../collectors/proc-interrupts.ts';
import type { ResolvedKnob } from './knobs.ts';
import { napisOf } from './napi.ts';
import type { KernelShell } from '../targets/kernel-shell.ts';
import type { KnobSpec } from '../../suites/profile.ts';
import type { Endpoint, Topology } from './topology.ts';

export type Resolution = { knobs: ResolvedKnob[] } | { unsupported: string };

export function knobLabel(spec: KnobSpec): string {
  const { kind, scope, value } = spec;
  const where = 'dev' in spec ? spec.dev : spec.kind === 'sysctl' ? spec.key : '';
  const what = spec.kind === 'device-attr' ? spec.attr : spec.kind === 'ethtool' ? spec.feature : '';
  return `${kind}(${scope}) ${where}${what ? ` ${what}` : ''}=${value}`;
}

export function devices(ref: string, topo: Topology): Endpoint[] {
  const m = /^(rx|tx)(\d+|\*)$/.exec(ref);
  if (!m) return [{ name: ref, netns: null, address: null }];
  const side = topo[m[1] as 'rx' | 'tx'];
  return m[2] === '*' ? side : side.filter((_, i) => i === Number(m[2]));
}

async function rxQueues(sh: KernelShell, ep: Endpoint): Promise<string[]> {
  const out = await sh.run(ep.netns, 'ls', [`/sys/class/net/${ep.name}/queues`]);
  return out.split(/\s+/).filter((q) => q.startsWith('rx-'));
}

/** NAPI kthreads are named "napi/<dev>-<napi id>". */
async function napiThreads(sh: KernelShell, dev: string): Promise<Array<{ pid: number; comm: string }>> {
  return sh.tasksNamed(`napi/${dev}-`);
}

export async function napiThreadsOf(sh: KernelShell, topo: Topology): Promise<Array<{ pid: number; comm: string }>> {
  const all = await Promise.all([...topo.rx, ...topo.tx].map((ep) => napiThreads(sh, ep.name)));
  return all.flat();
}

async function irqsOf(sh: KernelShell, dev: string, pattern: string | undefined): Promise<number[]> {
  const re = pattern === undefined ? null : new RegExp(pattern);
  const table = parseInterrupts(await sh.read(null, '/proc/interrupts'));
  return table.rows.filter((r) => /^\d+$/.test(r.key) && (re ? re.test(irqName(r.rest)) : irqOfDevice(irqName(r.rest), dev))).map((r) => Number(r.key));
}

/** IRQ suspension (irq_suspend_timeout) came with Linux 6.13, as a per-NAPI netdev netlink setting. */
const IRQ_SUSPEND_SINCE = [6, 13] as const;

/** Why this kernel has no irq_suspend_timeout, or null when it is new enough. */
async function irqSuspendTooOld(sh: KernelShell): Promise<string | null> {
  const release = await sh.read(null, '/proc/sys/kernel/osrelease');
  const [major = 0, minor = 0] = release.split(/[.-]/).map(Number);
  if (major < IRQ_SUSPEND_SINCE[0] || (major === IRQ_SUSPEND_SINCE[0] && minor < IRQ_SUSPEND_SINCE[1])) {
    return `irq_suspend_timeout needs Linux >= ${IRQ_SUSPEND_SINCE.join('.')}; this kernel is ${release}`;
  }
  return null;
}

/**
 * One knob per NAPI instance of each device: irq_suspend_timeout is per NAPI (napi-set), listed
 * through `m3net napi get` on the target. It suspends the device IRQ only while epoll busy-polls
 * with prefer_busy_poll (the profile's preferBusyPoll), which the runner checks apart.
 */
async function irqSuspendKnobs(sh: KernelShell, spec: KnobSpec & { kind: 'irq-suspend' }, eps: Endpoint[], label: string): Promise<Resolution> {
  const old = await irqSuspendTooOld(sh);
  if (old) return { unsupported: old };
  const knobs: ResolvedKnob[] = [];
  for (const ep of eps) {
    try {
      const ifindex = Number(await sh.read(ep.netns, `/sys/class/net/${ep.name}/ifindex`));
      const napis = await napisOf(sh, ep.netns, ifindex);
      if (napis.length === 0) return { unsupported: `${ep.name} has no NAPI instance listed by netdev netlink (device down?)` };
      for (const n of napis) {
        knobs.push({ kind: 'napi', netns: ep.netns, dev: ep.name, ifindex, napiId: n.id, attr: 'irq-suspend-timeout', value: spec.value, label: `${label} [${ep.name}] napi ${n.id}` });
      }
    } catch (err) {
      return { unsupported: `${ep.name}: cannot list its NAPI instances: ${(err as Error).message}` };
    }
  }
  return { knobs };
}

export async function resolveKnob(sh: KernelShell, spec: KnobSpec, topo: Topology): Promise<Resolution> {
  const label = knobLabel(spec);
  if (spec.kind === 'sysctl') {
    const netns = spec.scope === 'global' ? null : spec.netns === 'rx' ? topo.rxNetns : topo.txNetns;
    const path = `/proc/sys/${spec.key.replace(/\./g, '/')}`;
    return { knobs: [{ kind: 'file', netns, path, format: 'text', value: spec.value, label }] };
  }
  const eps = devices(spec.dev, topo);
  if (eps.length === 0) return { unsupported: `${spec.dev} is not a device of this topology` };
  if (spec.kind === 'irq-suspend') return irqSuspendKnobs(sh, spec, eps, label);
  const knobs: ResolvedKnob[] = [];
  for (const ep of eps) {
    const base = `/sys/class/net/${ep.name}`;
    const at = `${label} [${ep.name}]`;
    switch (spec.kind) {
      case 'rps':
        for (const q of await rxQueues(sh, ep)) {
          knobs.push({ kind: 'file', netns: ep.netns, path: `${base}/queues/${q}/rps_cpus`, format: 'hexmask', value: spec.value, label: `${at} ${q}` });
        }
        break;
      case 'device-attr':
        knobs.push({ kind: 'file', netns: ep.netns, path: `${base}/${spec.attr}`, format: 'text', value: spec.value, label: at });
        break;
      case 'ethtool':
        knobs.push({ kind: 'ethtool', netns: ep.netns, dev: ep.name, feature: spec.feature, value: spec.value, label: at });
        break;
      case 'irq-affinity':
        for (const irq of await irqsOf(sh, ep.name, spec.irqName)) {
          knobs.push({ kind: 'file', netns: null, path: `/proc/irq/${irq}/smp_affinity_list`, format: 'cpulist', value: spec.value, label: `${at} irq ${irq}` });
        }
        break;
      case 'napi-affinity':
        for (const t of await napiThreads(sh, ep.name)) {
          knobs.push({ kind: 'task-affinity', pid: t.pid, comm: t.comm, value: spec.value, label: `${at} ${t.comm}` });
        }
        break;
    }
  }
  if (knobs.length === 0) {
    const why = spec.kind === 'irq-affinity' ? 'has no IRQ of its own (virtual device?)' : spec.kind === 'napi-affinity' ? 'has no NAPI kthread (threaded NAPI off?)' : 'has nothing to set';
    return { unsupported: `${spec.dev} ${why}` };
  }
  return { knobs };
}

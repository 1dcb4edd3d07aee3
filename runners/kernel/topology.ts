// The network the workload runs over, on the receiver's target. veth: two namespaces (sender,
// receiver) joined by N veth pairs, created by the run and deleted by it (journaled first, so
// `m3bench restore` deletes them after a crash). nics: the target's own NICs, receiving from a
// sender target or remote senders at the addresses the NICs have there.
import type { Journal } from './journal.ts';
import type { KernelShell, Netns } from '../targets/kernel-shell.ts';
import type { Profile } from '../../suites/profile.ts';

export interface Endpoint {
  name: string;
  netns: Netns;
  /** IPv4 address the sender connects to: the receive side of a veth pair, or what a NIC has (null: none). */
  address: string | null;
}

export interface Topology {
  rx: Endpoint[];
  tx: Endpoint[];
  /** Namespace of the receiver and of the sender (null = host). */
  rxNetns: Netns;
  txNetns: Netns;
  namespaces: string[];
}

/** Private addresses used only between the run's own two namespaces. */
const SUBNET = '10.203';

export function netnsNames(tag: string): { tx: string; rx: string } {
  return { tx: `m3b-${tag}-tx`, rx: `m3b-${tag}-rx` };
}

/**
 * veth names carry a two-character code of the run, because NAPI kthreads ("napi/<dev>-<id>",
 * truncated to 15 characters) are system-wide and found by device name: two concurrent runs must
 * not pin or count each other's threads. Short enough that the name survives the truncation.
 */
export function vethName(tag: string, side: 't' | 'r', index: number): string {
  const code = (Number(tag) % 36 ** 2).toString(36).padStart(2, '0');
  return `m3${code}${side}${index}`;
}

/** The first IPv4 address of a NIC on the target (`ip -4 -o addr show dev NIC`); rejects when there is no such NIC. */
async function nicAddress(sh: KernelShell, nic: string): Promise<string | null> {
  const out = await sh.run(null, 'ip', ['-4', '-o', 'addr', 'show', 'dev', nic]);
  return /\sinet (\d+\.\d+\.\d+\.\d+)\//.exec(out)?.[1] ?? null;
}

/** `tag` names the run's objects: the runner's pid (a dead pid marks an orphan for `m3bench restore`). */
export async function createTopology(sh: KernelShell, spec: Profile['topology'], journal: Journal, tag: string): Promise<Topology> {
  if (spec.kind === 'nics') {
    const rx = await Promise.all(spec.nics.map(async (name) => ({ name, netns: null, address: await nicAddress(sh, name) })));
    return { rx, tx: [], rxNetns: null, txNetns: null, namespaces: [] };
  }
  const ip = (args: string[]) => sh.run(null, 'ip', args);
  const ns = netnsNames(tag);
  const topo: Topology = { rx: [], tx: [], rxNetns: ns.rx, txNetns: ns.tx, namespaces: [] };
  for (const name of [ns.tx, ns.rx]) {
    journal.record({ op: 'netns', name });
    await ip(['netns', 'add', name]);
    topo.namespaces.push(name);
    await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  }
  for (let i = 0; i < spec.pairs; i++) {
    const tx = vethName(tag, 't', i);
    const rx = vethName(tag, 'r', i);
    await ip(['link', 'add', tx, 'netns', ns.tx, 'type', 'veth', 'peer', 'name', rx, 'netns', ns.rx]);
    await ip(['-n', ns.tx, 'addr', 'add', `${SUBNET}.${i}.1/24`, 'dev', tx]);
    await ip(['-n', ns.rx, 'addr', 'add', `${SUBNET}.${i}.2/24`, 'dev', rx]);
    await ip(['-n', ns.tx, 'link', 'set', tx, 'up']);
    await ip(['-n', ns.rx, 'link', 'set', rx, 'up']);
    topo.tx.push({ name: tx, netns: ns.tx, address: `${SUBNET}.${i}.1` });
    topo.rx.push({ name: rx, netns: ns.rx, address: `${SUBNET}.${i}.2` });
  }
  return topo;
}

/**
 * Deleting a namespace deletes its veth ends, and with them their peers — but only once no process
 * is left inside (after a crash the workload may outlive the runner), so those are killed first.
 */
export async function deleteNetns(sh: KernelShell, name: string): Promise<void> {
  if (!(await sh.netnsExists(name))) return;
  const pids = (await sh.run(null, 'ip', ['netns', 'pids', name])).split(/\s+/).filter(Boolean);
  // `|| true`: a process may exit between the listing and the kill.
  if (pids.length) await sh.run(null, 'sh', ['-c', 'kill -9 "$@" 2>/dev/null || true', 'sh', ...pids]);
  await sh.run(null, 'ip', ['netns', 'del', name]);
}

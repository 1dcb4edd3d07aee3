// The network the workload runs over. veth: two namespaces (sender, receiver) joined by N veth
// pairs, created by the run and deleted by it (journaled first, so `m3bench restore` deletes them
// after a crash). nics: the host's own NICs, receiving from remote senders.
import type { Journal } from './journal.ts';
import { netnsExists, run, type Netns } from './netns-exec.ts';
import type { Profile } from './profile.ts';

export interface Endpoint {
  name: string;
  netns: Netns;
  /** IPv4 address the sender connects to (receive side of a veth pair); null for lab NICs. */
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

export async function createTopology(spec: Profile['topology'], journal: Journal, tag: string): Promise<Topology> {
  if (spec.kind === 'nics') {
    return { rx: spec.nics.map((name) => ({ name, netns: null, address: null })), tx: [], rxNetns: null, txNetns: null, namespaces: [] };
  }
  const ns = netnsNames(tag);
  const topo: Topology = { rx: [], tx: [], rxNetns: ns.rx, txNetns: ns.tx, namespaces: [] };
  for (const name of [ns.tx, ns.rx]) {
    journal.record({ op: 'netns', name });
    await run(null, 'ip', ['netns', 'add', name]);
    topo.namespaces.push(name);
    await run(null, 'ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  }
  for (let i = 0; i < spec.pairs; i++) {
    const tx = `m3tx${i}`;
    const rx = `m3rx${i}`;
    await run(null, 'ip', ['link', 'add', tx, 'netns', ns.tx, 'type', 'veth', 'peer', 'name', rx, 'netns', ns.rx]);
    await run(null, 'ip', ['-n', ns.tx, 'addr', 'add', `${SUBNET}.${i}.1/24`, 'dev', tx]);
    await run(null, 'ip', ['-n', ns.rx, 'addr', 'add', `${SUBNET}.${i}.2/24`, 'dev', rx]);
    await run(null, 'ip', ['-n', ns.tx, 'link', 'set', tx, 'up']);
    await run(null, 'ip', ['-n', ns.rx, 'link', 'set', rx, 'up']);
    topo.tx.push({ name: tx, netns: ns.tx, address: `${SUBNET}.${i}.1` });
    topo.rx.push({ name: rx, netns: ns.rx, address: `${SUBNET}.${i}.2` });
  }
  return topo;
}

/**
 * Deleting a namespace deletes its veth ends, and with them their peers — but only once no process
 * is left inside (after a crash the workload may outlive the runner), so those are killed first.
 */
export async function deleteNetns(name: string): Promise<void> {
  if (!(await netnsExists(name))) return;
  const pids = (await run(null, 'ip', ['netns', 'pids', name])).split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run(null, 'ip', ['netns', 'del', name]);
}

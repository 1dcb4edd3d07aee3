// Did the profile take effect? A knob that reads back right can still change nothing (threaded
// NAPI on a veth without GRO, for instance), so the run checks the behaviour it was meant to cause.
import type { Target } from '../../core/target.ts';
import type { CollectorOutput } from '../../core/types.ts';
import type { Profile } from '../../suites/profile.ts';
import type { ReceiverResult } from './workload.ts';

export interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

/** On-CPU ns of each thread on the target (schedstat), keyed by pid; threads that vanished read as absent. */
export async function threadRunNs(target: Target, pids: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const s = await target.readFile(`/proc/${pid}/schedstat`).catch(() => null);
    if (s) out.set(pid, Number(s.split(' ')[0]));
  }
  return out;
}

/**
 * Most NET_RX softirqs per MB received the receiver's CPU may take for "moved off" to hold. Judged
 * per MB, not as a share: with threaded NAPI the softirq nearly disappears from every CPU, and a
 * share of a few stray softirqs says nothing (A on this VM: ~30 per MB on the receiver's CPU).
 */
export const MAX_NET_RX_PER_MB_ON_APP_CPU = 1;

export function verifyRun(o: {
  profile: Profile;
  recv: ReceiverResult;
  collectors: Record<string, CollectorOutput>;
  napiBefore: Map<number, number>;
  napiAfter: Map<number, number>;
}): Check[] {
  const checks: Check[] = [];
  const { profile, recv } = o;
  if (profile.topology.kind === 'veth' || profile.busyPollUs > 0) {
    const zero = recv.napiIds.filter((id) => id === 0).length;
    checks.push({
      check: 'napi_id ≠ 0 on every receiving socket (traffic went through NAPI)',
      ok: recv.napiIds.length > 0 && zero === 0,
      detail: `napi ids ${recv.napiIds.join(', ')}`,
    });
  }
  if (profile.preferBusyPoll) {
    const ep = recv.epollParams;
    checks.push({
      check: `epoll busy-polls ${profile.busyPollUs} µs with prefer_busy_poll (EPIOCSPARAMS read back)`,
      ok: ep !== undefined && ep.preferBusyPoll === 1 && ep.busyPollUsecs === profile.busyPollUs,
      detail: ep ? `busy_poll_usecs ${ep.busyPollUsecs}, budget ${ep.busyPollBudget}, prefer_busy_poll ${ep.preferBusyPoll}` : 'the receiver reported no epoll parameters',
    });
  }
  const netRx = (o.collectors['proc-softirqs']?.summary.perSec as Record<string, Record<string, number>> | undefined)?.NET_RX;
  if (profile.expect.netRxOffAppCpu && profile.receiverCpu !== null && netRx) {
    const onApp = netRx[`CPU${profile.receiverCpu}`] ?? 0;
    const mbPerSec = recv.seconds > 0 ? recv.bytes / 1e6 / recv.seconds : 0;
    const perMB = mbPerSec > 0 ? onApp / mbPerSec : Infinity;
    checks.push({
      check: `NET_RX off the application CPU ${profile.receiverCpu}`,
      ok: perMB <= MAX_NET_RX_PER_MB_ON_APP_CPU,
      detail: `${onApp}/s of ${netRx.total}/s NET_RX on CPU${profile.receiverCpu} = ${perMB.toFixed(2)} per MB received (limit ${MAX_NET_RX_PER_MB_ON_APP_CPU})`,
    });
  }
  if (profile.expect.napiThreads) {
    let ns = 0;
    for (const [pid, after] of o.napiAfter) ns += after - (o.napiBefore.get(pid) ?? after);
    checks.push({
      check: 'threaded NAPI kthreads got CPU time',
      ok: o.napiAfter.size > 0 && ns > 0,
      detail: `${o.napiAfter.size} napi thread(s), ${(ns / 1e6).toFixed(1)} ms on CPU during the stream`,
    });
  }
  return checks;
}

// The checks that a profile took effect, on synthetic collector outputs: B's expectations fail on
// A-like behaviour (NET_RX on the receiver's CPU, idle NAPI threads, napi_id 0) and pass on B-like.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CollectorOutput } from '../core/types.ts';
import { loadProfile } from '../suites/profile.ts';
import { verifyRun } from '../runners/net/verify.ts';

const softirqs = (cpu0: number, cpu1: number): Record<string, CollectorOutput> => ({
  'proc-softirqs': { name: 'proc-softirqs', intervalMs: 1000, series: [], summary: { perSec: { NET_RX: { CPU0: cpu0, CPU1: cpu1, total: cpu0 + cpu1 } } } },
});
// 125 MB/s, as a 1 Gbit/s stream.
const recv = (napiIds: number[]) => ({ bytes: 375e6, seconds: 3, reads: 1000, napiIds });

describe('verifyRun', async () => {
  const B = await loadProfile('B');
  const A = await loadProfile('A');

  it('passes B when NET_RX left CPU1, NAPI threads ran and sockets have a napi_id', () => {
    const checks = verifyRun({ profile: B, recv: recv([5, 6, 7]), collectors: softirqs(25000, 7), napiBefore: new Map([[10, 1e6]]), napiAfter: new Map([[10, 9e6]]) });
    assert.equal(checks.length, 3);
    assert.ok(checks.every((c) => c.ok), JSON.stringify(checks));
  });

  it('fails B on A-like behaviour, each check on its own evidence', () => {
    const checks = verifyRun({ profile: B, recv: recv([5, 0, 7]), collectors: softirqs(2500, 4000), napiBefore: new Map([[10, 1e6]]), napiAfter: new Map([[10, 1e6]]) });
    assert.deepEqual(checks.map((c) => c.ok), [false, false, false]);
    assert.match(checks[1].detail, /32\.00 per MB/);
  });

  it('asks of A only that traffic went through NAPI', () => {
    const checks = verifyRun({ profile: A, recv: recv([1]), collectors: softirqs(2500, 4000), napiBefore: new Map(), napiAfter: new Map() });
    assert.deepEqual(checks.map((c) => [c.check.startsWith('napi_id'), c.ok]), [[true, true]]);
  });
});

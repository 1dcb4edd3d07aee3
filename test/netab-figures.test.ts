// Table 1 figures from collector summaries: per-second values, per-CPU splits, our own processes
// apart from the machine-wide counters, and everything normalised per GB received.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CollectorOutput } from '../core/types.ts';
import { netFigures } from '../runners/net/figures.ts';

const out = (name: string, summary: Record<string, unknown>): CollectorOutput => ({ name, intervalMs: 1000, series: [], summary });

it('derives Table 1 figures and normalises them per GB received', () => {
  const collectors = {
    'proc-stat': out('proc-stat', { 'cswch/s': 5000, 'intr/s': 2000, 'all.%busy': 50, 'cpu0.%busy': 80, 'cpu1.%busy': 20 }),
    'proc-interrupts': out('proc-interrupts', {
      'intr/s': 2100,
      deviceIntrPerSec: 10,
      archIntrPerSec: 1990,
      arch: [{ irq: 'LOC', name: 'Local timer interrupts', arch: true, perCpu: { CPU0: 700, CPU1: 300 }, total: 1000 }],
    }),
    'proc-softirqs': out('proc-softirqs', { perSec: { NET_RX: { CPU0: 3000, CPU1: 1000, total: 4000 } } }),
    'proc-pid': out('proc-pid', { '7.voluntary/s': 100, '7.involuntary/s': 5, '7.cpu%': 30, '8.voluntary/s': 50, '9.voluntary/s': 400, '9.involuntary/s': 1, '9.cpu%': 12 }),
  };
  // 0.5 GB in 4 s = 0.125 GB/s = 1 Gbit/s.
  const d = netFigures({ bytes: 5e8, seconds: 4, reads: 1, napiIds: [1] }, collectors, 2, { receiver: 7, sender: 8, napi: [9] });
  assert.equal(d.gbitPerSec, 1);
  assert.equal(d.cswchPerSec, 5000);
  assert.equal(d.cswchPerGB, 40000);
  assert.equal(d.intrPerSec, 2100, 'every /proc/interrupts row, as sar -I SUM');
  assert.equal(d.procStatIntrPerSec, 2000);
  assert.equal(d['locPerSec.cpu0'], 700);
  assert.equal(d.locPerGB, 8000);
  assert.equal(d['netRxPerSec.cpu1'], 1000);
  assert.equal(d.netRxPerGB, 32000);
  assert.equal(d.receiverVoluntaryPerSec, 100);
  assert.equal(d.senderSwitchesPerSec, 50);
  assert.equal(d.napiThreadSwitchesPerSec, 401);
  assert.equal(d.napiThreadCpuPercent, 12);
  assert.equal(d.cpuSecondsPerGB, 8, '50 % of 2 CPUs for 0.125 GB/s');
  assert.equal(d.calPerSec, undefined, 'no CAL row → no figure, not zero');
});

it('a stream that received nothing has no per-GB figures', () => {
  const d = netFigures({ bytes: 0, seconds: 0, reads: 0, napiIds: [] }, { 'proc-stat': out('proc-stat', { 'cswch/s': 1, 'intr/s': 1, 'all.%busy': 1 }) }, 2, { receiver: 1, napi: [] });
  assert.equal(d.gbitPerSec, 0);
  assert.equal(d.intrPerSec, 1, 'without proc-interrupts, the /proc/stat total');
  assert.ok(!Object.keys(d).some((k) => k.endsWith('PerGB')));
});

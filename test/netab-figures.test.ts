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

it('two machines: the receiver NIC\'s own IRQ lines by name, per-CPU switches, the application\'s own getrusage', () => {
  const irq = (name: string, perCpu: Record<string, number>) => ({ irq: '11', name, arch: false, perCpu, total: Object.values(perCpu).reduce((a, b) => a + b, 0) });
  const collectors = {
    'proc-interrupts': out('proc-interrupts', { 'intr/s': 300, deviceIntrPerSec: 90, archIntrPerSec: 210, device: [irq('eth0', { CPU0: 20 }), irq('eth1', { CPU0: 60, CPU1: 10 })], arch: [] }),
    'sched-switches': out('sched-switches', { 'cpu0.cswch/s': 70, 'cpu1.cswch/s': 30, 'cswch/s': 100 }),
    'proc-pid': out('proc-pid', { '7.voluntary/s': 1 }),
  };
  const recv = { bytes: 15e6, seconds: 6, reads: 1, napiIds: [1], rusage: { seconds: 5, voluntary: 200, involuntary: 50, cpuSeconds: 1 } };
  const d = netFigures(recv, collectors, 2, { receiver: 7, napi: [] }, ['eth1']);
  assert.equal(d.nicIntrPerSec, 70, 'eth1 only: the uplink eth0 is another device');
  assert.equal(d['nicIntrPerSec.cpu1'], 10);
  assert.equal(d['cswchPerSec.cpu0'], 70);
  assert.equal(d.receiverSwitchesPerSec, 50, '250 switches in 5 s, from getrusage rather than proc-pid');
  assert.equal(d.receiverCpuPercent, 20);
  assert.equal(netFigures(recv, collectors, 2, { receiver: 7, napi: [] }).nicIntrPerSec, undefined, 'veth: no NIC, no figure');
});

it('reads per-CPU nr_switches from the scheduler debug file and IRQ lines of a device by name', async () => {
  const { parseSchedDebug } = await import('../collectors/sched-switches.ts');
  const { irqOfDevice } = await import('../collectors/proc-interrupts.ts');
  const text = 'Sched Debug Version: v0.11\ncpu#0, 2596.197 MHz\n  .nr_running                    : 1\n  .nr_switches                   : 1770\ncpu#1, 2596.197 MHz\n  .nr_switches                   : 1687\n';
  assert.deepEqual(parseSchedDebug(text), { cpu0: 1770, cpu1: 1687 });
  assert.ok(irqOfDevice('eth1', 'eth1') && irqOfDevice('eth1-rx-0', 'eth1') && irqOfDevice('eth0, eth1', 'eth1'));
  assert.ok(!irqOfDevice('eth10', 'eth1') && !irqOfDevice('eth0', 'eth1'));
});

// The /proc and perf parsers against outputs recorded on this machine (fixtures/*/…kvm-2cpu.txt)
// and hand-written edge cases: wrapped counters, CPUs added/removed, unknown IRQ names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { counterDelta, U32 } from '../collectors/counters.ts';
import { interruptRates, irqName, parseInterrupts } from '../collectors/proc-interrupts.ts';
import { parseSwitches, pidRates } from '../collectors/proc-pid.ts';
import { cpuPercents, parseProcStat, procStatRates } from '../collectors/proc-stat.ts';
import { parseSoftirqs, softirqRates } from '../collectors/proc-softirqs.ts';
import { groupShares, IDLE_SYMBOL, parsePerfReport, profileTables } from '../collectors/perf-report.ts';

const fixture = (p: string) => readFileSync(new URL(`../fixtures/${p}`, import.meta.url), 'utf8');

test('/proc/stat: ctxt, intr, processes and per-CPU times of a recorded file', () => {
  const s = parseProcStat(fixture('proc/stat.kvm-2cpu.txt'));
  assert.equal(s.ctxt, 542734);
  assert.equal(s.intr, 232565);
  assert.deepEqual(Object.keys(s.cpus), ['all', 'cpu0', 'cpu1']);
  assert.equal(s.cpus.cpu1.system, 1440);
});

test('/proc/stat: rates are deltas over seconds, CPU percent over each CPU total', () => {
  const a = parseProcStat('cpu 0 0 0 100 0 0 0 0\ncpu0 0 0 0 100 0 0 0 0\nintr 1000\nctxt 5000\nprocesses 10\n');
  const b = parseProcStat('cpu 30 0 10 150 0 5 5 0\ncpu0 30 0 10 150 0 5 5 0\nintr 3000\nctxt 9000\nprocesses 14\n');
  const r = procStatRates(a, b, 2);
  assert.equal(r['cswch/s'], 2000);
  assert.equal(r['intr/s'], 1000);
  assert.equal(r['proc/s'], 2);
  assert.equal(r['cpu0.%user'], 30);
  assert.equal(r['cpu0.%busy'], 50);
  // A CPU missing from one snapshot (hot-unplugged) has no percentages rather than garbage.
  assert.deepEqual(Object.keys(cpuPercents(a, parseProcStat('cpu 1 0 0 1 0 0 0 0\nintr 1\nctxt 1\nprocesses 1\n'))), ['all']);
});

test('/proc/stat: a file without ctxt is an error naming the line', () => {
  assert.throws(() => parseProcStat('cpu 1 2 3 4\nintr 5\nprocesses 1\n'), /"ctxt"/);
});

test('/proc/interrupts: device IRQs with names, architecture interrupts apart', () => {
  const t = parseInterrupts(fixture('proc/interrupts.kvm-2cpu.txt'));
  assert.deepEqual(t.cpus, ['CPU0', 'CPU1']);
  const rates = interruptRates(t, t, 1);
  const irq41 = rates.find((r) => r.irq === '41')!;
  assert.equal(irq41.name, 'virtio3-rx');
  assert.equal(irq41.arch, false);
  const loc = rates.find((r) => r.irq === 'LOC')!;
  assert.equal(loc.arch, true);
  assert.equal(loc.name, 'Local timer interrupts');
  assert.ok(rates.filter((r) => r.arch).map((r) => r.irq).includes('CAL'));
});

test('/proc/interrupts: 32-bit counters that wrapped give the true small delta', () => {
  const rates = interruptRates(parseInterrupts(fixture('proc/interrupts.wrap-before.txt')), parseInterrupts(fixture('proc/interrupts.wrap-after.txt')), 2);
  const by = Object.fromEntries(rates.map((r) => [r.irq, r]));
  assert.deepEqual(by['24'].perCpu, { CPU0: 5, CPU1: 0 }); // 4294967290 → 4 is 10 interrupts in 2 s
  assert.deepEqual(by['41'].perCpu, { CPU0: 100, CPU1: 5 }); // 4294967295 → 9 is 10
  assert.equal(by.LOC.total, (1000 + 200) / 2);
  assert.equal(counterDelta(U32 - 1, 1, U32), 2);
  assert.equal(counterDelta(10, 3), 0, 'a 64-bit counter that went down was reset, not wrapped');
});

test('/proc/interrupts: a CPU added mid-window only lacks its own column; unknown names are kept', () => {
  const before = parseInterrupts(fixture('proc/interrupts.wrap-after.txt'));
  const after = parseInterrupts(fixture('proc/interrupts.hotplug-after.txt'));
  const by = Object.fromEntries(interruptRates(before, after, 1).map((r) => [r.irq, r]));
  assert.deepEqual(Object.keys(by['41'].perCpu), ['CPU0', 'CPU1']);
  assert.equal(by['41'].perCpu.CPU1, U32 - 1 - 9);
  assert.equal(by['77'], undefined, 'an IRQ that appeared mid-window has no rate');
  const names = Object.fromEntries(after.rows.map((r) => [r.key, irqName(r.rest)]));
  assert.equal(names['77'], 'mystery');
  assert.equal(names['78'], 'unknown');
  assert.throws(() => parseInterrupts('garbage header\n 1: 2\n'), /header is not a list of CPUs/);
});

test('/proc/softirqs: NET_RX per CPU, a removed CPU drops out of the totals', () => {
  const rec = parseSoftirqs(fixture('proc/softirqs.kvm-2cpu.txt'));
  assert.deepEqual(rec.rows.map((r) => r.key).slice(0, 4), ['HI', 'TIMER', 'NET_TX', 'NET_RX']);
  const r = softirqRates(parseSoftirqs(fixture('proc/softirqs.hotplug-before.txt')), parseSoftirqs(fixture('proc/softirqs.hotplug-after.txt')), 1);
  assert.deepEqual(r.NET_RX, { CPU0: 50, CPU2: 10, total: 60 });
});

test('/proc/PID/status: voluntary and involuntary switches; rates per pid and overall', () => {
  const s = parseSwitches(fixture('proc/pid-status.txt'));
  assert.ok(Number.isInteger(s.voluntary) && Number.isInteger(s.involuntary));
  const r = pidRates(
    { '7/7': { voluntary: 10, involuntary: 1, runNs: 0 } },
    { '7/7': { voluntary: 30, involuntary: 5, runNs: 5e8 }, '7/8': { voluntary: 2, involuntary: 0, runNs: 0 } },
    2,
  );
  assert.equal(r['7.voluntary/s'], 11); // (20 + 2 from the thread born mid-window) / 2 s
  assert.equal(r['all.involuntary/s'], 2);
  assert.equal(r['7.cpu%'], 25);
  assert.throws(() => parseSwitches('Name: x\n'), /voluntary_ctxt_switches/);
});

test('perf report: recorded cpu-clock profile parses into kernel rows per CPU', () => {
  const rep = parsePerfReport(fixture('perf/report-cpu-sym.kvm-2cpu.txt'));
  assert.equal(rep.event, 'cpu-clock:pppH');
  assert.ok(rep.rows.length > 5);
  assert.ok(rep.rows.every((r) => r.kernel && (r.cpu === 0 || r.cpu === 1)));
  const t = profileTables(rep);
  assert.equal(t.all.samples, rep.rows.reduce((s, r) => s + r.samples, 0));
  assert.equal(t.all.top[0].symbol, 'pv_native_safe_halt');
  // The idle loop is counted apart: the busy table is the kernel's work, in shares of the busy samples.
  const idle = rep.rows.filter((r) => r.symbol === 'pv_native_safe_halt').reduce((s, r) => s + r.samples, 0);
  assert.equal(t.all.idleSamples, idle);
  assert.ok(Math.abs(t.all.idlePercent - (100 * idle) / t.all.samples) < 1e-3);
  assert.ok(t.all.busyTop.every((e) => !IDLE_SYMBOL.test(e.symbol)));
  const busyTotal = t.all.samples - idle;
  assert.ok(Math.abs(t.all.busyTop[0].percent - (100 * t.all.busyTop[0].samples) / busyTotal) < 1e-3);
  assert.equal(t.perCpu.cpu0.idleSamples + t.perCpu.cpu1.idleSamples, idle);
  // Recorded while the A stream ran: every row parses, both CPUs get their own table.
  const stream = profileTables(parsePerfReport(fixture('perf/report-cpu-sym.net-a-stream.kvm-2cpu.txt')));
  assert.deepEqual(Object.keys(stream.perCpu), ['cpu0', 'cpu1']);
  assert.equal(stream.perCpu.cpu0.samples + stream.perCpu.cpu1.samples, stream.all.samples);
  assert.ok(stream.all.top.some((e) => e.symbol === '_copy_to_iter'));
});

test('perf report: symbols summed over CPUs, user rows left out, per-CPU percent of that CPU', () => {
  const rep = parsePerfReport(fixture('perf/report-edge.txt'));
  assert.equal(rep.totalSamples, 12000);
  const t = profileTables(rep, 2);
  assert.equal(t.all.samples, 10500);
  assert.deepEqual(t.all.top[0], { samples: 8000, percent: 76.1905, symbol: '_raw_spin_lock' });
  assert.equal(t.all.top.length, 2);
  assert.deepEqual(t.perCpu.cpu1.top.map((e) => e.percent), [60, 40]);
  assert.ok(!t.all.top.some((e) => e.symbol === 'main'));
  assert.throws(() => parsePerfReport('  12 not-a-row\n'), /cannot parse row/);
});

test('perf report: symbol groups (a 2.6 name → today\'s names) total every kernel row', () => {
  const g = groupShares(parsePerfReport(fixture('perf/report-edge.txt')), { spin_lock: ['_raw_spin_lock', '_raw_spin_lock_bh'], switch_to: ['finish_task_switch.isra.0'], main: ['main'], none: [] });
  assert.equal(g.spin_lock.samples, 8000);
  assert.equal(g.switch_to.percent, 19.0476);
  assert.equal(g.main.samples, 0, 'user-space rows are not kernel work');
  assert.equal(g.none.percent, 0);
});

// Table 1 (context switches, interrupts per second) and Tables 2/3 (kernel profiles) of the
// asymmetric-kernel paper, ours beside the paper's (labelled with its 2006 hardware).
import type { Result } from '../core/types.ts';
import { asymmetricKernelPaper as paper } from './paper.ts';
import { isNetResult, kernelIdlePercent, kernelProfile, kernelProfilePerCpu, table1Value } from './net-metrics.ts';
import { formatNumber, formatRatio, type Table } from './table.ts';

interface Measure {
  key: string;
  label: string;
  paper?: Record<'A' | 'B', number>;
  /** Followed by one row per CPU from the derived figures `<perCpu>.cpuN`. */
  perCpu?: string;
}

export const TABLE1_MEASURES: Measure[] = [
  { key: 'cswchPerSec', label: 'context switches (cswch/s)', paper: { A: paper.table1.A.cswchPerSec, B: paper.table1.B.cswchPerSec }, perCpu: 'cswchPerSec' },
  { key: 'intrPerSec', label: 'interrupts (intr/s)', paper: { A: paper.table1.A.intrPerSec, B: paper.table1.B.intrPerSec } },
  // The paper's interrupts were its NICs'; ours split device from timer and IPI interrupts.
  { key: 'nicIntrPerSec', label: 'device interrupts of the receiver NIC (intr/s)', perCpu: 'nicIntrPerSec' },
  { key: 'deviceIntrPerSec', label: 'device interrupts, every IRQ line (intr/s)' },
  { key: 'archIntrPerSec', label: 'timer and IPI interrupts: LOC, CAL, RES, TLB, ... (intr/s)' },
  { key: 'locPerSec', label: 'local timer interrupts (LOC/s)', perCpu: 'locPerSec' },
  { key: 'calPerSec', label: 'function call IPIs (CAL/s)' },
  { key: 'resPerSec', label: 'rescheduling IPIs (RES/s)' },
  { key: 'tlbPerSec', label: 'TLB shootdowns (TLB/s)' },
  { key: 'netRxPerSec.total', label: 'NET_RX softirqs/s', perCpu: 'netRxPerSec' },
  { key: 'netTxPerSec.total', label: 'NET_TX softirqs/s' },
  { key: 'receiverSwitchesPerSec', label: 'application (receiver) cswch/s' },
  { key: 'napiThreadSwitchesPerSec', label: 'NAPI kthreads cswch/s' },
  { key: 'cpuPercent', label: 'CPU busy (%)', perCpu: 'cpuPercent' },
  // Context for comparing A with B when they did not reach the same rate (no paper values).
  { key: 'gbitPerSec', label: 'received (Gbit/s)' },
  { key: 'cswchPerGB', label: 'context switches per GB received' },
  { key: 'intrPerGB', label: 'interrupts per GB received' },
];

export function measureValue(r: Result, key: string): number | undefined {
  if (key === 'cswchPerSec' || key === 'intrPerSec') return table1Value(r, key);
  const v = r.derived?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

const PAPER_NOTE = `Paper values: ${paper.hardware}. Reference only, not a target.`;

/**
 * Net-ab results keyed by profile name (a counters repetition when there is one); by profile and
 * kernel configuration when they span several (`B-rig-affinity @ isolated`), so that a profile
 * measured under two boots stays two columns.
 */
function byProfile(results: Result[], repetition: 'counters' | 'profile'): Map<string, Result> {
  const map = new Map<string, Result>();
  const net = results.filter(isNetResult);
  const severalConfigs = new Set(net.map((r) => r.case.config)).size > 1;
  for (const r of net) {
    const name = r.case.profile ?? 'default';
    const profile = severalConfigs ? `${name} @ ${r.case.config ?? 'own boot'}` : name;
    if (r.case.repetition === repetition || (r.case.repetition === undefined && !map.has(profile))) map.set(profile, r);
  }
  return new Map([...map].sort(([a], [b]) => a.localeCompare(b)));
}

/** CPU names ("cpu0", ...) that any result has a `<prefix>.cpuN` figure for, in order. */
function cpusOf(results: Result[], prefix: string): string[] {
  const cpus = new Set(results.flatMap((r) => Object.keys(r.derived ?? {}).flatMap((k) => (k.startsWith(`${prefix}.cpu`) ? [k.slice(prefix.length + 1)] : []))));
  return [...cpus].sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
}

/** Each profile beside the first (A): one ratio column per other profile. */
export function table1(results: Result[]): Table | undefined {
  const profiles = byProfile(results, 'counters');
  if (profiles.size === 0) return undefined;
  const names = [...profiles.keys()];
  const [first, ...others] = names;
  const row = (label: string, key: string, ref?: Measure['paper']) => {
    const ours = names.map((n) => measureValue(profiles.get(n)!, key));
    if (!ref && ours.every((v) => v === undefined)) return [];
    const ratios = others.map((_, i) => (ours[0] && ours[i + 1] !== undefined ? formatRatio(ours[i + 1]! / ours[0]) : '–'));
    const paperCells = ref ? [formatNumber(ref.A, 4), formatNumber(ref.B, 4), formatRatio(ref.B / ref.A)] : ['', '', ''];
    return [[label, ...ours.map((v) => formatNumber(v, 4)), ...ratios, ...paperCells]];
  };
  const measured = [...profiles.values()];
  const rows = TABLE1_MEASURES.flatMap(({ key, label, paper: ref, perCpu }) => [
    ...row(label, key, ref),
    ...(perCpu ? cpusOf(measured, perCpu).flatMap((cpu) => row(`  ${cpu}`, `${perCpu}.${cpu}`)) : []),
  ]);
  return {
    title: 'Table 1: context switches and interrupts per second',
    columns: ['measure', ...names.map((n) => `ours ${n}`), ...others.map((n) => `ours ${n}/${first}`), 'paper A', 'paper B', 'paper B/A'],
    rows,
    notes: [
      '– : no collector reported this measure in the run.',
      'Machine-wide rates of the receiver (as sar); indented rows are per CPU. "application" and "NAPI kthreads" count our own processes only.',
      PAPER_NOTE,
    ],
  };
}

function profileTable(title: string, ours: Result | undefined, paperRows: typeof paper.table2): Table {
  const mine = (ours && kernelProfile(ours)) ?? [];
  const n = Math.max(mine.length, paperRows.length);
  const cell = (x: number | undefined) => (x === undefined ? '' : x.toFixed(2));
  const rows = Array.from({ length: n }, (_, i) => [
    String(i + 1),
    mine[i]?.symbol ?? '',
    cell(mine[i]?.percent),
    paperRows[i]?.symbol ?? '',
    cell(paperRows[i]?.percent),
  ]);
  return {
    title,
    columns: ['rank', 'ours: symbol', 'ours: %', 'paper: symbol', 'paper: %'],
    rows,
    notes: [ourShareNote(ours, mine.length > 0), PAPER_NOTE],
  };
}

/** What our percentages are of: busy samples (with the idle share beside) or, in older runs, all kernel samples. */
function ourShareNote(ours: Result | undefined, profiled: boolean): string {
  if (!ours || !profiled) return 'Ours: no kernel profile in this run.';
  const idle = kernelIdlePercent(ours).all;
  if (idle === undefined) return 'Ours: kernel symbols from perf, share of all kernel samples (idle loop included).';
  return `Ours: kernel symbols from perf, share of the busy (non-idle) kernel samples; the idle loop took ${idle.toFixed(1)} % of all samples and is left out, so that the network work shows. The paper's shares are of all its samples (its idle, default_idle, was 2 %).`;
}

/** Our kernel profile split by CPU, side by side (which CPU did the network work?). No paper column: the paper's tables are system-wide. */
function perCpuTable(title: string, ours: Result | undefined, top = 10): Table | undefined {
  if (!ours) return undefined;
  const perCpu = kernelProfilePerCpu(ours);
  const cpus = Object.keys(perCpu).sort((a, b) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, '')));
  if (cpus.length < 2) return undefined;
  const rows = Array.from({ length: top }, (_, i) => [String(i + 1), ...cpus.flatMap((c) => [perCpu[c][i]?.symbol ?? '', perCpu[c][i]?.percent?.toFixed(2) ?? ''])]);
  return {
    title,
    columns: ['rank', ...cpus.flatMap((c) => [`${c}: symbol`, `${c}: %`])],
    rows,
    notes: [perCpuShareNote(ours, cpus)],
  };
}

function perCpuShareNote(ours: Result, cpus: string[]): string {
  const idle = kernelIdlePercent(ours);
  if (!cpus.some((c) => idle[c] !== undefined)) return 'Share of the kernel samples taken on that CPU.';
  return `Share of the busy (non-idle) kernel samples taken on that CPU; idle loop: ${cpus.map((c) => `${c} ${idle[c]?.toFixed(1) ?? '?'} %`).join(', ')}.`;
}

/** Tables 2 and 3: the first profile of the run against the paper's test A, each other one against its test B, each followed by our per-CPU split. */
export function profileTables(results: Result[]): Table[] {
  const profiles = byProfile(results, 'profile');
  if (profiles.size === 0) return [];
  const names = [...profiles.keys()];
  const tableA = (a: string) => [
    profileTable(`Table 2: kernel profile, ours ${a} vs paper test A`, profiles.get(a), paper.table2),
    perCpuTable(`Table 2 per CPU: kernel profile, ours ${a}`, profiles.get(a)),
  ];
  const tableB = (b: string) => [
    profileTable(`Table 3: kernel profile, ours ${b} vs paper test B`, profiles.get(b), paper.table3),
    perCpuTable(`Table 3 per CPU: kernel profile, ours ${b}`, profiles.get(b)),
  ];
  // A run with a single profile is set against the paper's test of the same name (default A);
  // otherwise the first is A and every other one a B variant, each with its own Table 3.
  const [first, ...others] = names;
  const tables = others.length === 0 ? (first === 'B' ? tableB(first) : tableA(first)) : [...tableA(first), ...others.flatMap(tableB)];
  return tables.filter((t): t is Table => t !== undefined);
}

// Parses `perf report --stdio --no-children -F sample,cpu,sym -g none` into the paper's profile
// table (samples, %, symbol), for all CPUs and per CPU. Percentages are of the kernel samples in
// scope (all CPUs, or that CPU), as a kernel profile (readprofile/oprofile) reports them.

export interface PerfRow {
  samples: number;
  cpu: number;
  symbol: string;
  /** perf marks kernel symbols "[k]" and user ones "[.]". */
  kernel: boolean;
}

export interface PerfReport {
  event: string | null;
  /** "# Samples: N" — every sample of the event, before the --dsos filter. */
  totalSamples: number | null;
  rows: PerfRow[];
}

export interface ProfileEntry {
  samples: number;
  percent: number;
  symbol: string;
}

export interface ProfileTable {
  samples: number;
  top: ProfileEntry[];
  /** Samples in the idle loop (IDLE_SYMBOL): a CPU with nothing to do. */
  idleSamples: number;
  idlePercent: number;
  /** The top symbols outside the idle loop, percent of the busy (non-idle) samples: the kernel's work. */
  busyTop: ProfileEntry[];
}

/**
 * The kernel's idle loop, where an idle CPU's samples land (self time, no call chains): the halt
 * instruction behind its paravirt/ACPI/intel_idle wrappers and the loop around it. A mostly idle
 * receiver puts most samples here, which would hide the network work in the table.
 */
export const IDLE_SYMBOL =
  /^(default_idle(_call)?|do_idle|cpu_idle_poll|arch_cpu_idle|poll_idle|cpu_startup_entry|(pv_)?native_safe_halt|pvm_safe_halt\w*|acpi_safe_halt|acpi_idle_\w+|intel_idle\w*|mwait_idle\w*|cpuidle_enter\w*|default_enter_idle|halt)$/;

const ROW = /^\s*(\d+)\s+(\d+)\s+\[([k.])\]\s+(.+?)\s*$/;

export function parsePerfReport(text: string): PerfReport {
  const header = /^# Samples: (\d+\S*)\s+of event '([^']+)'/m.exec(text);
  const rows: PerfRow[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = ROW.exec(line);
    if (!m) throw new Error(`perf report: cannot parse row ${JSON.stringify(line)} (expected "samples cpu [k] symbol")`);
    rows.push({ samples: Number(m[1]), cpu: Number(m[2]), kernel: m[3] === 'k', symbol: m[4] });
  }
  return { event: header?.[2] ?? null, totalSamples: header ? parseSamples(header[1]) : null, rows };
}

/** perf abbreviates large counts ("12K"); the row counts are exact, the header may not be. */
function parseSamples(s: string): number {
  const m = /^(\d+)([KMG]?)$/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * ({ '': 1, K: 1e3, M: 1e6, G: 1e9 } as const)[m[2] as '' | 'K' | 'M' | 'G'];
}

const percentOf = (n: number, total: number) => (total ? Math.round((1e6 * n) / total) / 1e4 : 0);

function ranked(bySymbol: Map<string, number>, total: number, topN: number): ProfileEntry[] {
  return [...bySymbol]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, topN)
    .map(([symbol, n]) => ({ samples: n, percent: percentOf(n, total), symbol }));
}

function table(rows: PerfRow[], topN: number): ProfileTable {
  const bySymbol = new Map<string, number>();
  for (const r of rows) bySymbol.set(r.symbol, (bySymbol.get(r.symbol) ?? 0) + r.samples);
  const samples = rows.reduce((s, r) => s + r.samples, 0);
  const busy = new Map([...bySymbol].filter(([symbol]) => !IDLE_SYMBOL.test(symbol)));
  const busySamples = [...busy.values()].reduce((s, n) => s + n, 0);
  return {
    samples,
    top: ranked(bySymbol, samples, topN),
    idleSamples: samples - busySamples,
    idlePercent: percentOf(samples - busySamples, samples),
    busyTop: ranked(busy, busySamples, topN),
  };
}

/** Kernel-only profile tables: all CPUs together and each CPU alone ("cpu0", "cpu1", ...). */
export function profileTables(report: PerfReport, topN = 25): { all: ProfileTable; perCpu: Record<string, ProfileTable> } {
  const kernel = report.rows.filter((r) => r.kernel);
  const cpus = [...new Set(kernel.map((r) => r.cpu))].sort((a, b) => a - b);
  return {
    all: table(kernel, topN),
    perCpu: Object.fromEntries(cpus.map((c) => [`cpu${c}`, table(kernel.filter((r) => r.cpu === c), topN)])),
  };
}

/**
 * Samples and percent of kernel samples (all CPUs) of named groups of symbols — e.g. every modern
 * name of one 2.6 symbol — counted over every row, not just the top of the table.
 */
export function groupShares(report: PerfReport, groups: Record<string, string[]>): Record<string, ProfileEntry & { members: string[] }> {
  const kernel = report.rows.filter((r) => r.kernel);
  const total = kernel.reduce((s, r) => s + r.samples, 0);
  return Object.fromEntries(
    Object.entries(groups).map(([name, members]) => {
      const set = new Set(members);
      const samples = kernel.filter((r) => set.has(r.symbol)).reduce((s, r) => s + r.samples, 0);
      return [name, { symbol: name, samples, percent: percentOf(samples, total), members }];
    }),
  );
}

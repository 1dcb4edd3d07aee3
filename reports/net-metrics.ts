// Reads Table 1 figures (cswch/s, intr/s) and the kernel profile (Tables 2/3) from net-ab results,
// whatever exact keys the collectors chose: derived figures first, then collector summaries.
import type { Result } from '../core/types.ts';
import type { ProfileRow } from './paper.ts';

export type Table1Measure = 'cswchPerSec' | 'intrPerSec';

const MATCHERS: Record<Table1Measure, RegExp> = {
  cswchPerSec: /cswch|context.?switch|ctxt/i,
  intrPerSec: /^(?!.*soft)(?=.*intr).*/i,
};

function numberEntries(obj: Record<string, unknown> | undefined): Array<[string, number]> {
  return Object.entries(obj ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
}

/** The per-second figure for a Table 1 measure, or undefined if no collector reported it. */
export function table1Value(r: Result, measure: Table1Measure): number | undefined {
  const re = MATCHERS[measure];
  // Prefer per-second keys ("cswchPerSec", "intr/s") over totals.
  const pick = (entries: Array<[string, number]>) =>
    entries.find(([k]) => re.test(k) && /(per.?sec|\/s)/i.test(k))?.[1] ?? entries.find(([k]) => re.test(k))?.[1];
  const exact = r.derived?.[measure];
  if (typeof exact === 'number' && Number.isFinite(exact)) return exact;
  const fromDerived = pick(numberEntries(r.derived as Record<string, unknown>));
  if (fromDerived !== undefined) return fromDerived;
  for (const out of Object.values(r.collectors ?? {})) {
    const v = pick(numberEntries(out.summary));
    if (v !== undefined) return v;
  }
  return undefined;
}

function isProfileRow(x: unknown): x is ProfileRow {
  return typeof x === 'object' && x !== null && typeof (x as ProfileRow).symbol === 'string';
}

const profileList = (x: unknown): ProfileRow[] | undefined =>
  Array.isArray(x) && x.length > 0 && x.every(isProfileRow) ? x : undefined;

/**
 * The kernel profile of a result, largest first: the perf collector's all-CPU table of busy
 * samples (summary.all.busyTop, the idle loop left out), its whole table (summary.all.top, from runs
 * before the split), else the first list of {symbol, samples?, percent?} in any summary.
 */
export function kernelProfile(r: Result): ProfileRow[] | undefined {
  for (const out of Object.values(r.collectors ?? {})) {
    const summary = (out.summary ?? {}) as Record<string, unknown>;
    const all = summary.all as Record<string, unknown> | undefined;
    const found =
      profileList(all?.busyTop) ??
      profileList(all?.top) ??
      Object.values(summary).map(profileList).find(Boolean) ??
      Object.values(summary)
        .filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v))
        .flatMap((v) => Object.values(v).map(profileList))
        .find(Boolean);
    if (found) return [...found].sort((a, b) => (b.percent ?? b.samples ?? 0) - (a.percent ?? a.samples ?? 0));
  }
  return undefined;
}

/** Share of the kernel samples in the idle loop, all CPUs ('all') and per CPU, when the profile says. */
export function kernelIdlePercent(r: Result): Record<string, number> {
  for (const out of Object.values(r.collectors ?? {})) {
    const summary = out.summary as { all?: { idlePercent?: unknown }; perCpu?: Record<string, { idlePercent?: unknown }> } | undefined;
    const scopes = Object.entries({ all: summary?.all, ...summary?.perCpu });
    const idle = scopes.flatMap(([scope, t]) => (typeof t?.idlePercent === 'number' ? [[scope, t.idlePercent] as const] : []));
    if (idle.length) return Object.fromEntries(idle);
  }
  return {};
}

/** The perf collector's per-CPU tables ({cpu0: [...], cpu1: [...]}), busy samples where recorded, if the run has them. */
export function kernelProfilePerCpu(r: Result): Record<string, ProfileRow[]> {
  for (const out of Object.values(r.collectors ?? {})) {
    const perCpu = (out.summary as { perCpu?: Record<string, { top?: unknown; busyTop?: unknown }> } | undefined)?.perCpu;
    if (!perCpu || typeof perCpu !== 'object') continue;
    const tables = Object.entries(perCpu).flatMap(([cpu, t]) => {
      const rows = profileList(t?.busyTop) ?? profileList(t?.top);
      return rows ? [[cpu, rows] as const] : [];
    });
    if (tables.length) return Object.fromEntries(tables);
  }
  return {};
}

export const isNetResult = (r: Result) => r.case.test === 'NET' && r.status === 'ok';

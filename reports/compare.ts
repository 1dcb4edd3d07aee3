// Case-by-case comparison of two runs: medians, the ratio new/base of the median time per
// iteration with a bootstrap 95 % interval (simple-statistics resampling), and a verdict.
import type { Case, Result } from '../core/types.ts';
import { CONFIG_ID_SEPARATOR } from '../core/kernel-config.ts';
import { caseIdWithout } from '../core/case-id.ts';
import type { LoadedRun } from './load.ts';
import { isNetResult } from './net-metrics.ts';
import { measureValue, TABLE1_MEASURES } from './net-tables.ts';
import { medianRatioInterval, roundsOf } from './stats.ts';
import { formatNumber, formatRatio, type Table } from './table.ts';

export type Verdict = 'faster' | 'slower' | 'no significant change' | 'not comparable';

export interface ComparisonRow {
  key: string;
  base?: Result;
  next?: Result;
  baseMedian?: number; // ns per iteration
  newMedian?: number;
  /** new/base of the median time per iteration: above 1 is slower. */
  ratio?: number;
  lo?: number;
  hi?: number;
  verdict: Verdict;
  why?: string;
}

/**
 * The identity of a case across runs. When each run holds a single net-ab profile, NET cases are
 * matched without it, so that an A run and a B run pair up (the point of comparing them); runs
 * holding several profiles match profile with profile.
 */
export function caseKey(c: Case, ignoreProfile: boolean): string {
  if (c.test !== 'NET') return c.id;
  return ['NET', c.mechanism, c.placement, ...(ignoreProfile ? [] : [c.profile ?? '-']), c.repetition ?? 'counters'].join('/');
}

const netProfiles = (run: LoadedRun) => new Set(run.results.filter((r) => r.case.test === 'NET').map((r) => r.case.profile));

function compareCase(key: string, base?: Result, next?: Result): ComparisonRow {
  const row: ComparisonRow = { key, base, next, baseMedian: base?.stats?.p50, newMedian: next?.stats?.p50, verdict: 'not comparable' };
  if (!base || !next) return { ...row, why: base ? 'only in base run' : 'only in new run' };
  if (base.status !== 'ok' || next.status !== 'ok') return { ...row, why: `base ${base.status}, new ${next.status}` };
  if (!base.samples?.length || !next.samples?.length) return { ...row, why: 'no raw samples to compare' };
  const { point, lo, hi } = medianRatioInterval(roundsOf(base), roundsOf(next));
  const verdict: Verdict = lo > 1 ? 'slower' : hi < 1 ? 'faster' : 'no significant change';
  return { ...row, ratio: point, lo, hi, verdict };
}

export function compareRuns(base: LoadedRun, next: LoadedRun): ComparisonRow[] {
  const ignoreProfile = netProfiles(base).size <= 1 && netProfiles(next).size <= 1;
  const baseByKey = new Map(base.results.map((r) => [caseKey(r.case, ignoreProfile), r]));
  const nextByKey = new Map(next.results.map((r) => [caseKey(r.case, ignoreProfile), r]));
  const keys = [...new Set([...baseByKey.keys(), ...nextByKey.keys()])];
  return keys.map((k) => compareCase(k, baseByKey.get(k), nextByKey.get(k)));
}

/** What `compare --by` puts side by side within runs: the targets (hosts) or the kernel configurations. */
export type Axis = 'host' | 'config';

const DEFAULT_CONFIG = '(default boot)';

/** A case id without its `@TARGET` (host axis) or its `~CONFIG` (config axis): the same case elsewhere on that axis. */
export function idWithout(c: Case, axis: Axis): string {
  return caseIdWithout(c, axis === 'host' ? { target: true } : { config: true });
}

const valueOn = (c: Case, axis: Axis) => (axis === 'host' ? c.target : (c.config ?? DEFAULT_CONFIG));

/** The values of an axis in the order the runs name them (the command line's), then any other. */
function namedOrder(runs: LoadedRun[], axis: Axis): string[] {
  if (axis === 'host') return runs.flatMap((run) => (run.manifest.targets ?? [run.manifest.target]).map((t) => t.name));
  return runs.flatMap((run) => ((run.manifest.config as { configurations?: Array<{ name: string }> } | undefined)?.configurations ?? []).map((c) => c.name));
}

export interface AxisComparison {
  axis: Axis;
  base: string;
  next: string;
  rows: ComparisonRow[];
}

/**
 * Host against host, or configuration against configuration: the results of every run given,
 * split by their value on the axis; the first value (or `baseValue`) is the base each other one is
 * compared with, case by case (the other axis stays in the key: hosts are compared per
 * configuration, configurations per host).
 */
export function compareAlong(runs: LoadedRun[], axis: Axis, baseValue?: string): AxisComparison[] {
  const groups = new Map<string, Map<string, Result>>();
  for (const r of runs.flatMap((run) => run.results)) {
    const value = valueOn(r.case, axis);
    const group = groups.get(value) ?? new Map<string, Result>();
    groups.set(value, group);
    group.set(r.case.test === 'NET' ? `${caseKey(r.case, false)}${axis === 'host' && r.case.config ? `${CONFIG_ID_SEPARATOR}${r.case.config}` : ''}` : idWithout(r.case, axis), r);
  }
  const values = [...new Set([...namedOrder(runs, axis), ...groups.keys()])].filter((v) => groups.has(v));
  const what = axis === 'host' ? 'target' : 'configuration';
  const base = baseValue ?? values[0];
  if (!base || !groups.has(base)) throw new Error(`no results of ${what} ${base ?? '(none)'}; the runs hold: ${values.join(', ') || 'nothing'}`);
  if (values.length < 2) throw new Error(`compare --by ${axis} needs results of two ${what}s or more; the runs hold only ${base}`);
  const baseResults = groups.get(base)!;
  return values
    .filter((v) => v !== base)
    .map((v) => {
      const other = groups.get(v)!;
      const keys = [...new Set([...baseResults.keys(), ...other.keys()])];
      return { axis, base, next: v, rows: keys.map((k) => compareCase(k, baseResults.get(k), other.get(k))) };
    });
}

export function comparisonTable(rows: ComparisonRow[], title = 'Comparison per case'): Table {
  return {
    title,
    columns: ['case', 'base median ns/iter', 'new median ns/iter', 'new/base', '95 % interval', 'verdict'],
    rows: rows.map((r) => [
      r.key,
      formatNumber(r.baseMedian),
      formatNumber(r.newMedian),
      formatRatio(r.ratio),
      r.lo === undefined ? '' : `${formatRatio(r.lo)} – ${formatRatio(r.hi)}`,
      r.why ? `${r.verdict} (${r.why})` : r.verdict,
    ]),
    notes: [
      'Ratio of median time per iteration, new/base: above 1 is slower. Interval: percentile bootstrap (2000 resamples of both runs, by rounds — fresh setups — then batches within a round; simple-statistics).',
    ],
  };
}

/** Table 1 of two net-ab runs side by side (e.g. profile A vs profile B), with ratios. */
export function table1Comparison(rows: ComparisonRow[]): Table | undefined {
  const net = rows.filter((r) => r.base && r.next && isNetResult(r.base) && isNetResult(r.next) && r.base.case.repetition !== 'profile');
  if (net.length === 0) return undefined;
  return {
    title: 'Table 1 side by side: context switches and interrupts per second',
    columns: ['case', 'measure', 'base', 'new', 'new/base'],
    rows: net.flatMap((r) => {
      const profiles = `${r.key} (${r.base!.case.profile ?? '-'} → ${r.next!.case.profile ?? '-'})`;
      return TABLE1_MEASURES.flatMap(({ key, label }) => {
        const [b, n] = [measureValue(r.base!, key), measureValue(r.next!, key)];
        if (b === undefined && n === undefined) return [];
        return [[profiles, label, formatNumber(b, 4), formatNumber(n, 4), b && n !== undefined ? formatRatio(n / b) : '–']];
      });
    }),
    notes: ['– : the measure is missing in one run, or zero in the base run.'],
  };
}

// The CI verdict: which cases regressed significantly beyond their threshold.
// A case regresses when the lower end of the 95 % interval of new/base (median time), divided by
// the machine's own drift (reports/machine-drift.ts; 1 when not established), exceeds
// 1 + threshold — i.e. we are confident the slowdown is larger than what the test tolerates —
// or when it ran in the base run and failed in the new one.
import type { ComparisonRow } from './compare.ts';
import { formatRatio, type Table } from './table.ts';
import { thresholdFor, type Thresholds } from './thresholds.ts';

export interface RegressionFinding {
  row: ComparisonRow;
  threshold: number;
  regressed: boolean;
  why: string;
}

export function judge(rows: ComparisonRow[], thresholds: Thresholds, drift = 1): RegressionFinding[] {
  return rows.map((row) => {
    const test = (row.next ?? row.base)!.case.test;
    const threshold = thresholdFor(thresholds, test);
    if (row.base?.status === 'ok' && row.next?.status === 'failed') {
      return { row, threshold, regressed: true, why: `failed in the new run: ${row.next.error ?? 'no error text'}` };
    }
    if (row.lo === undefined) return { row, threshold, regressed: false, why: row.why ?? 'not comparable' };
    const regressed = row.lo / drift > 1 + threshold;
    const againstMachine = drift === 1 ? '' : `, ${formatRatio(row.ratio! / drift)} after the machine's ${formatRatio(drift)}`;
    const why = regressed
      ? `slower by ${((row.ratio! - 1) * 100).toFixed(1)} % (interval from ${formatRatio(row.lo)}${againstMachine}), beyond ${(threshold * 100).toFixed(0)} %`
      : row.verdict;
    return { row, threshold, regressed, why };
  });
}

export function regressionTable(findings: RegressionFinding[]): Table {
  const failed = findings.filter((f) => f.regressed).length;
  return {
    title: failed ? `Regression check: ${failed} case(s) regressed` : 'Regression check: no significant regression',
    columns: ['', 'case', 'new/base', '95 % interval', 'threshold', 'verdict'],
    rows: findings.map((f) => [
      f.regressed ? '❌' : '✅',
      f.row.key,
      formatRatio(f.row.ratio),
      f.row.lo === undefined ? '' : `${formatRatio(f.row.lo)} – ${formatRatio(f.row.hi)}`,
      `${(f.threshold * 100).toFixed(0)} %`,
      f.why,
    ]),
    notes: ['new/base of the median time per iteration (above 1 = slower); a case fails when the whole 95 % bootstrap interval, divided by the machine drift below, lies above 1 + threshold.'],
  };
}

/** Mechanisms named by the failing cases, for the one-line verdict. */
export function regressedMechanisms(findings: RegressionFinding[]): string[] {
  return [...new Set(findings.filter((f) => f.regressed).map((f) => (f.row.next ?? f.row.base)!.case.mechanism))];
}

/**
 * Keeps a regression only if it shows again in a confirmation run of the same cases: a shared
 * or noisy machine can slow one short case by chance, a real regression reproduces.
 */
export function confirmFindings(findings: RegressionFinding[], confirmation: RegressionFinding[]): RegressionFinding[] {
  const again = new Map(confirmation.map((f) => [f.row.key, f]));
  return findings.map((f) => {
    if (!f.regressed) return f;
    const c = again.get(f.row.key);
    if (c?.regressed) return { ...f, why: `${f.why}; confirmed by a re-run (${formatRatio(c.row.ratio)})` };
    return { ...f, regressed: false, why: `not confirmed by a re-run (${c ? formatRatio(c.row.ratio) : 'case missing'}): noise` };
  });
}

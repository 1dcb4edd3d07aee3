// How much the machine itself moved between two runs, so that `check` judges the build and not
// the host. On a shared VM the whole guest can run ~10 % slower for minutes (A/A trials here saw
// every case, memcpy included, 1.06–1.15× slower in one run and in its re-run). Two independent
// witnesses must agree before anything is discounted:
//   - the control: the memcpy bound, a copy inside one process that no IPC or kernel path under
//     test touches (a kernel or M3-IPC change cannot move it, a slower host does);
//   - the run-wide shift: the median ratio over every compared case (one regressed mechanism
//     among many does not move it).
// The drift is the witness closer to 1, and only when both point the same way: a real regression
// of every kernel path leaves the control at 1, so it is never discounted; one wild witness alone
// (a memcpy case hitting 4 KiB aliasing) is outvoted by the other.
import { median } from 'simple-statistics';
import type { Result, TestName } from '../core/types.ts';
import type { ComparisonRow } from './compare.ts';
import { formatRatio } from './table.ts';

/** User-space only: moves with the host, never with the IPC or kernel code under test. */
export const CONTROL_MECHANISMS: readonly string[] = ['memcpy'];
/** What a confirmation re-run repeats of the control: COPY1, its steadier case (COPY2 can hit 4 KiB aliasing). */
export const CONTROL_RERUN: { mechanisms: readonly string[]; tests: readonly TestName[] } = { mechanisms: CONTROL_MECHANISMS, tests: ['COPY1'] };

/** Whether `results` hold the control case a confirmation re-run would repeat. */
export function measuredControl(results: Result[]): boolean {
  return results.some((r) => r.status === 'ok' && CONTROL_RERUN.mechanisms.includes(r.case.mechanism) && CONTROL_RERUN.tests.includes(r.case.test));
}
/** Fewer compared cases than this, and the median of their ratios says little about the machine. */
const MIN_CASES_FOR_RUN_WIDE_SHIFT = 10;

export interface MachineDrift {
  /** Divide a case's new/base by this to judge it against the machine: 1 = no correction. */
  factor: number;
  control?: number;
  runWide?: number;
  /** One line for the report: what was measured and what was done with it. */
  note: string;
}

const ratiosOf = (rows: ComparisonRow[]) => rows.flatMap((r) => (r.ratio !== undefined ? [r.ratio] : []));
const mechanismOf = (r: ComparisonRow) => (r.next ?? r.base)!.case.mechanism;

/**
 * `rows`: the comparison being judged. `runWideRows`: where to read the run-wide shift (default
 * `rows`); a confirmation run re-measures only suspects (and the control), whose median is biased.
 */
export function machineDrift(rows: ComparisonRow[], runWideRows: ComparisonRow[] = rows): MachineDrift {
  const controls = ratiosOf(rows.filter((r) => CONTROL_MECHANISMS.includes(mechanismOf(r))));
  const all = ratiosOf(runWideRows);
  if (controls.length === 0) return { factor: 1, note: `no machine-drift correction: no control case (${CONTROL_MECHANISMS.join(', ')}) in both runs` };
  const control = median(controls);
  if (all.length < MIN_CASES_FOR_RUN_WIDE_SHIFT) {
    return { factor: 1, control, note: `no machine-drift correction: ${all.length} compared case(s), fewer than ${MIN_CASES_FOR_RUN_WIDE_SHIFT}` };
  }
  const runWide = median(all);
  const agree = Math.sign(Math.log(control)) === Math.sign(Math.log(runWide));
  const factor = agree ? (Math.abs(Math.log(control)) < Math.abs(Math.log(runWide)) ? control : runWide) : 1;
  const witnesses = `control ${CONTROL_MECHANISMS.join(', ')} ${formatRatio(control)}, median of all ${all.length} cases ${formatRatio(runWide)}`;
  return {
    factor,
    control,
    runWide,
    note: agree
      ? `machine drift ${formatRatio(factor)} (${witnesses}): cases are judged on new/base ÷ ${formatRatio(factor)}`
      : `no machine-drift correction: the witnesses disagree (${witnesses})`,
  };
}

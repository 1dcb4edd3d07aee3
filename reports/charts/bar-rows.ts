// The data behind a grouped bar chart: one row per ok case with its rate and 95 % interval.
import { copyModeLabel } from '../../core/copy-mode.ts';
import type { Result } from '../../core/types.ts';
import { rateInterval } from '../rates.ts';
import { orderMechanisms } from '../mechanisms.ts';
import { mechanismColor, placementLabel, ZERO_LABEL } from './style.ts';

export interface BarRow {
  kind: 'bar';
  test: string;
  mechanism: string;
  placement: string;
  /** COPY delivery mode label (core/copy-mode.ts), '' for IPC. */
  mode: string;
  value: number;
  lo: number;
  hi: number;
}

export function barRows(results: Result[]): BarRow[] {
  const rows: BarRow[] = [];
  for (const r of results) {
    const rate = rateInterval(r);
    if (!rate) continue;
    rows.push({
      kind: 'bar',
      test: r.case.test,
      mechanism: r.case.mechanism,
      placement: placementLabel(r.case.placement),
      mode: copyModeLabel(r.case),
      value: rate.point,
      lo: rate.lo,
      hi: rate.hi,
    });
  }
  return rows;
}

/**
 * Vega-lite layers for bars with error bars, grouped by test with one bar per mechanism.
 * `bars`: what is drawn (the legend lists only these); `slots`: every mechanism of the cases, so a
 * skipped one keeps its place as a gap (the paper's zero).
 * `axisFormat`: d3 format of the y labels ('~s' gives 10k/1M; use '~r' where SI prefixes would read as milli-units).
 */
export function groupedBarLayers(yTitle: string, logScale: boolean, bars: BarRow[], slots: string[], axisFormat = '~s') {
  const color = mechanismColor(bars.map((b) => b.mechanism));
  const xOffset = { field: 'mechanism', type: 'nominal' as const, scale: { domain: orderMechanisms(slots) } };
  const y = {
    field: 'value',
    type: 'quantitative' as const,
    title: yTitle,
    scale: logScale ? { type: 'log' as const } : { zero: true },
    axis: { format: axisFormat, labelExpr: ZERO_LABEL },
    // Bars sit side by side (xOffset); stacking would start them at 0, which a log scale cannot show.
    stack: null,
  };
  return [
    {
      transform: [{ filter: "datum.kind === 'bar'" }],
      mark: { type: 'bar' as const, tooltip: true },
      encoding: {
        x: { field: 'test', type: 'nominal' as const, title: null, axis: { labelAngle: 0 } },
        xOffset,
        y,
        color,
      },
    },
    {
      transform: [{ filter: "datum.kind === 'bar'" }],
      mark: { type: 'rule' as const, color: 'black', strokeWidth: 1 },
      encoding: {
        x: { field: 'test', type: 'nominal' as const },
        xOffset,
        // Same scale as the bars, else the layers' scales conflict (log vs linear) and y2 is NaN.
        y: { field: 'lo', type: 'quantitative' as const, scale: y.scale },
        y2: { field: 'hi' },
      },
    },
  ];
}

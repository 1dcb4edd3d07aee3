// Export for CI benchmark dashboards in github-action-benchmark's custom JSON formats:
// customSmallerIsBetter (median ns per iteration) or customBiggerIsBetter (msgs/s or GB/s).
import type { Result } from '../core/types.ts';
import { headlineOf, rateInterval } from './rates.ts';

export type BenchmarkFormat = 'customSmallerIsBetter' | 'customBiggerIsBetter';

export interface BenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

export function benchmarkEntries(results: Result[], format: BenchmarkFormat): BenchmarkEntry[] {
  const entries: BenchmarkEntry[] = [];
  for (const r of results) {
    if (r.status !== 'ok' || !r.stats) continue;
    const extra = `${r.stats.n} batches × ${r.stats.iterationsPerBatch} iterations`;
    if (format === 'customSmallerIsBetter') {
      entries.push({ name: r.case.id, unit: 'ns/iter', value: r.stats.p50, range: `± ${r.stats.rme.toFixed(2)}%`, extra });
      continue;
    }
    const rate = rateInterval(r);
    const unit = headlineOf(r.case.test)?.unit;
    if (rate && unit) entries.push({ name: r.case.id, unit, value: rate.point, range: `${rate.lo.toPrecision(4)}–${rate.hi.toPrecision(4)}`, extra });
  }
  return entries;
}

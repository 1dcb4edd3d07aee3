// The per-case summary table: what was measured, the headline figure with its interval, or why not.
import { copyModeLabel, offsetsLabel } from '../core/copy-mode.ts';
import type { Result } from '../core/types.ts';
import { headlineOf, rateInterval } from './rates.ts';
import { formatNumber, type Table } from './table.ts';

export function resultsTable(results: Result[]): Table {
  const rows = results.map((r) => {
    const rate = rateInterval(r);
    const unit = headlineOf(r.case.test)?.unit ?? '';
    const figure = rate ? `${formatNumber(rate.point)} ${unit}` : '';
    const interval = rate ? `${formatNumber(rate.lo)} – ${formatNumber(rate.hi)}` : '';
    const note = r.status === 'skipped' ? r.reason ?? '' : r.status === 'failed' ? r.error ?? '' : '';
    // Runs made before the worker measured CPU time have neither figure: the cells say so ('–').
    const cpu = r.status === 'ok' ? [formatNumber(r.derived?.cpuUsPerIteration), formatNumber(r.derived?.busyCpus, 2)] : ['', ''];
    return [r.case.id, copyModeLabel(r.case), offsetsLabel(r.case), r.status, r.stats ? formatNumber(r.stats.p50) : '', figure, interval, ...cpu, r.stats ? String(r.stats.n) : '', note];
  });
  return {
    title: 'Results per case',
    columns: ['case', 'COPY mode', 'block offsets', 'status', 'median ns/iteration', 'rate', '95 % interval', 'CPU µs/iteration', 'busy CPUs', 'batches', 'note'],
    rows,
    notes: [
      'IPC rates are msgs/s = 2 × round trips/s, as the paper counts; COPY rates are GB/s = copies/s × block size.',
      'COPY mode: sync = each block acknowledged; stream, N blocks/ack = N blocks then one acknowledgement; mode unrecorded = a run made before modes (baselines acknowledged each block, m3 one reply per batch). Block offsets: of source and destination within page-aligned buffers.',
      'CPU µs/iteration: CPU time (user + system) of every process of the case per round trip or copy; busy CPUs: CPU time / wall time (about 2 when both sides spin). Medians over batches; – where the run did not measure CPU time.',
    ],
  };
}

/** "140 cases: 118 ok, 22 skipped, 0 failed" */
export function statusSummary(results: Result[]): string {
  const counts = (['ok', 'skipped', 'failed'] as const).map((s) => `${results.filter((r) => r.status === s).length} ${s}`);
  return `${results.length} cases: ${counts.join(', ')}`;
}

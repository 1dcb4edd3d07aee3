// What `m3bench run` shows a person: a progress bar on a TTY (cli-progress), plain lines otherwise,
// and a table at the end (cli-table3).
import { SingleBar, Presets } from 'cli-progress';
import Table from 'cli-table3';
import { median } from '../../core/median.ts';
import type { RunProgress } from '../../runners/run.ts';
import type { Derived, Result } from '../../core/types.ts';

function outcome(r: Result): string {
  if (r.status === 'skipped') return `skipped (${r.reason})`;
  if (r.status === 'failed') return `FAILED: ${r.error}`;
  const d = r.derived ?? {};
  if (!r.stats) return `ok ${netFigures(d)}`;
  const rate = d.msgsPerSec !== undefined ? `${fmt(d.msgsPerSec)} msgs/s` : d.gbPerSec !== undefined ? `${d.gbPerSec.toFixed(2)} GB/s` : '';
  return `ok ${fmt(r.stats.p50)} ns/iter ±${r.stats.rme.toFixed(1)}% ${rate}`;
}

/** Tests A/B cases have no per-iteration statistics: their figures are rates over the stream. */
function netFigures(d: Derived): string {
  const parts: Array<[string, number | undefined]> = [
    ['Gbit/s', d.gbitPerSec],
    ['cswch/s', d.cswchPerSec],
    ['intr/s', d.intrPerSec],
  ];
  return parts.flatMap(([unit, v]) => (v === undefined ? [] : [`${fmt(v)} ${unit}`])).join(', ');
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}

/** Progress on stderr, so `--json` output on stdout stays clean. */
export function progressDisplay(stream: NodeJS.WriteStream = process.stderr): RunProgress & { stop(): void } {
  if (stream.isTTY) {
    const bar = new SingleBar(
      { format: ' {bar} {value}/{total} case-rounds | {case}', stream, hideCursor: true, clearOnComplete: true },
      Presets.shades_classic,
    );
    return {
      planned: (_cases, runDir, steps) => {
        stream.write(`run directory: ${runDir}\n`);
        bar.start(steps, 0, { case: '' });
      },
      caseStarted: (c) => bar.update({ case: c.id }),
      caseEnded: (_r, i) => bar.update(i + 1),
      stop: () => bar.stop(),
    };
  }
  let total = 0;
  return {
    planned: (cases, runDir, steps) => {
      total = steps;
      const rounds = steps === cases.length ? '' : ` in ${steps} case-rounds (one pass over the plan per round)`;
      stream.write(`run directory: ${runDir}\n${cases.length} cases${rounds}\n`);
    },
    caseEnded: (r, i) => stream.write(`[${i + 1}/${total}] ${r.case.id}${r.round ? ` round ${r.round}` : ''}: ${outcome(r)}\n`),
    stop: () => {},
  };
}

/** The end-of-run table. msgs/s is 2 × round trips/s, as the paper counts; the header says so. */
export function resultsTable(results: Result[]): string {
  const table = new Table({
    head: ['test', 'mechanism', 'placement', 'size', 'status', 'p50 ns/iter', 'rme %', 'µs/round trip', 'msgs/s (2×RT/s)', 'GB/s'],
    style: { head: [], border: [] },
    // One line per case: no rule between rows.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const r of results) {
    const d = r.derived ?? {};
    table.push([
      r.case.profile ? `${r.case.test} ${r.case.profile}/${r.case.repetition}` : r.case.test,
      r.case.mechanism,
      r.case.placement,
      `${r.case.size} B`,
      r.status === 'ok' ? (r.stats ? 'ok' : `ok: ${netFigures(d)}`) : r.status === 'skipped' ? `skipped: ${r.reason}` : `failed: ${r.error}`,
      r.stats ? fmt(r.stats.p50) : '',
      r.stats ? r.stats.rme.toFixed(1) : '',
      d.usPerRoundTrip !== undefined ? d.usPerRoundTrip.toFixed(2) : '',
      d.msgsPerSec !== undefined ? fmt(d.msgsPerSec) : '',
      d.gbPerSec !== undefined ? d.gbPerSec.toFixed(2) : '',
    ]);
  }
  return table.toString();
}

/** Counts by status, and how precise the measured cases are (tinybench's relative margin of error). */
export function summaryLine(results: Result[]): string {
  const count = (s: Result['status']) => results.filter((r) => r.status === s).length;
  const rmes = results.flatMap((r) => (r.stats ? [r.stats.rme] : []));
  const precision = rmes.length
    ? `; rme ≤ 5 % in ${rmes.filter((x) => x <= 5).length}/${rmes.length} measured cases (median rme ${median(rmes).toFixed(1)} %)`
    : '';
  return `${results.length} cases: ${count('ok')} ok, ${count('skipped')} skipped, ${count('failed')} failed${precision}`;
}

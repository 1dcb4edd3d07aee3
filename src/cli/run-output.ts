// What `m3bench run` shows a person: a progress bar on a TTY (cli-progress), plain lines otherwise,
// and a table at the end (cli-table3).
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { median } from '../../core/median.ts';
import type { RunProgress } from '../../runners/run.ts';
import type { Derived, Result } from '../../core/types.ts';
import { settingLabel } from '../../reports/context.ts';
import { copyIdSuffix } from '../../core/copy-mode.ts';

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

/**
 * Progress on stderr, so `--json` output on stdout stays clean: on a terminal one bar per target
 * (targets run in parallel), else one line per case-round, counted per target.
 */
export function progressDisplay(stream: NodeJS.WriteStream = process.stderr): RunProgress & { stop(): void } {
  if (stream.isTTY) {
    const bars = new MultiBar(
      { format: ' {target} {bar} {value}/{total} | {case}', stream, hideCursor: true, clearOnComplete: true },
      Presets.shades_classic,
    );
    const byTarget = new Map<string, SingleBar>();
    return {
      planned: (_cases, runDir, _steps, perTarget) => {
        stream.write(`run directory: ${runDir}\n`);
        const width = Math.max(...Object.keys(perTarget).map((t) => t.length));
        for (const [t, n] of Object.entries(perTarget)) byTarget.set(t, bars.create(n, 0, { target: t.padEnd(width), case: '' }));
      },
      caseStarted: (c) => byTarget.get(c.target)?.update({ case: c.id }),
      caseEnded: (r) => byTarget.get(r.case.target)?.increment(),
      stop: () => bars.stop(),
    };
  }
  let total: Record<string, number> = {};
  const done = new Map<string, number>();
  let several = false;
  return {
    planned: (cases, runDir, steps, perTarget) => {
      total = perTarget;
      several = Object.keys(perTarget).length > 1;
      const rounds = steps === cases.length ? '' : ` in ${steps} case-rounds (one pass over the plan per round)`;
      const where = several ? ` on ${Object.entries(perTarget).map(([t, n]) => `${t} (${n})`).join(', ')}` : '';
      stream.write(`run directory: ${runDir}\n${cases.length} cases${rounds}${where}\n`);
    },
    caseEnded: (r) => {
      const t = r.case.target;
      done.set(t, (done.get(t) ?? 0) + 1);
      const count = `${several ? `${t} ` : ''}${done.get(t)}/${total[t] ?? '?'}`;
      stream.write(`[${count}] ${r.case.id}${r.round ? ` round ${r.round}` : ''}: ${outcome(r)}\n`);
    },
    stop: () => {},
  };
}

/** The end-of-run table. msgs/s is 2 × round trips/s, as the paper counts; the header says so. */
export function resultsTable(results: Result[]): string {
  const several = new Set(results.map((r) => settingLabel(r.case))).size > 1;
  const table = new Table({
    head: [...(several ? ['where'] : []), 'test', 'mechanism', 'placement', 'size', 'status', 'p50 ns/iter', 'rme %', 'µs/round trip', 'msgs/s (2×RT/s)', 'GB/s', 'CPU µs/iter', 'busy CPUs'],
    style: { head: [], border: [] },
    // One line per case: no rule between rows.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const r of results) {
    const d = r.derived ?? {};
    table.push([
      ...(several ? [settingLabel(r.case)] : []),
      // A COPY case's mode and offsets ride on its test ("COPY1/stream64/o0,2048"): two modes are two rows that must not look alike.
      r.case.profile ? `${r.case.test} ${r.case.profile}/${r.case.repetition}` : `${r.case.test}${copyIdSuffix(r.case)}`,
      r.case.mechanism,
      r.case.placement,
      `${r.case.size} B`,
      r.status === 'ok' ? (r.stats ? 'ok' : `ok: ${netFigures(d)}`) : r.status === 'skipped' ? `skipped: ${r.reason}` : `failed: ${r.error}`,
      r.stats ? fmt(r.stats.p50) : '',
      r.stats ? r.stats.rme.toFixed(1) : '',
      d.usPerRoundTrip !== undefined ? d.usPerRoundTrip.toFixed(2) : '',
      d.msgsPerSec !== undefined ? fmt(d.msgsPerSec) : '',
      d.gbPerSec !== undefined ? d.gbPerSec.toFixed(2) : '',
      d.cpuUsPerIteration !== undefined ? d.cpuUsPerIteration.toFixed(2) : '',
      d.busyCpus !== undefined ? d.busyCpus.toFixed(2) : '',
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

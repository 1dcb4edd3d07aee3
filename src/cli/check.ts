// `m3bench check --baseline BASE`: the CI regression verdict. Takes (--new) or makes a new run,
// compares it with the baseline, prints the Markdown table and exits 1 when a case regressed
// significantly beyond its threshold (2 on a usage or config error). `--history` judges it against
// the run history instead (reports/history/baseline.ts) and then adds it to the history.
import { appendFile, writeFile } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { benchmarkEntries, type BenchmarkFormat } from '../../reports/benchmark-export.ts';
import { compareRuns, type ComparisonRow } from '../../reports/compare.ts';
import { CONTROL_RERUN, machineDrift, measuredControl } from '../../reports/machine-drift.ts';
import { loadRun, type LoadedRun } from '../../reports/load.ts';
import { markdownTable } from '../../reports/markdown-table.ts';
import { confirmFindings, judge, regressedMechanisms, regressionTable, type RegressionFinding } from '../../reports/regression.ts';
import { loadThresholds, parseThreshold, DEFAULT_THRESHOLDS_FILE, type Thresholds } from '../../reports/thresholds.ts';
import { BASELINE_DEFAULTS, historyBaseline, historyTemplate } from '../../reports/history/baseline.ts';
import { defaultDbFile, type HistoryDb, openHistory } from '../../reports/history/db.ts';
import { importRun } from '../../reports/history/import.ts';
import { idleGate } from '../../collectors/idle-gate.ts';
import { LocalTarget } from '../../runners/targets/local.ts';
import { dbOption } from './history-db.ts';
import type { PlanOverrides } from '../../suites/index.ts';

interface CheckArgs {
  baseline?: string;
  history: boolean;
  db?: string;
  historyRuns: number;
  new?: string;
  suite?: string;
  threshold?: string;
  thresholds?: string;
  export?: string;
  exportFormat: 'smaller' | 'bigger';
  confirm: number;
  out?: string;
  driftCorrection: boolean;
}

/** The drift factor to judge `rows` with: 1 when correction is off (see reports/machine-drift.ts). */
function driftOf(args: CheckArgs, rows: ComparisonRow[], runWideRows?: ComparisonRow[]) {
  return args.driftCorrection ? machineDrift(rows, runWideRows) : { factor: 1, note: 'machine-drift correction off (--no-drift-correction)' };
}

/** A case without a baseline in the history says why, instead of "only in new run". */
function explainMissing(rows: ComparisonRow[], missing: Map<string, string>): ComparisonRow[] {
  return rows.map((r) => (!r.base && r.next && missing.has(r.next.case.id) ? { ...r, why: `no baseline: ${missing.get(r.next.case.id)}` } : r));
}

/** A fresh run of the baseline's suite with the baseline's overrides (the runner's executeRun). */
async function runLikeBaseline(base: LoadedRun, suite: string | undefined, narrow: PlanOverrides = {}, out?: string): Promise<string> {
  // Loaded on demand: `check --new` compares recorded runs without touching the runner.
  const { executeRun } = await import('../../runners/run.ts');
  const overrides = (base.manifest.config as { overrides?: PlanOverrides } | null)?.overrides ?? {};
  const name = suite ?? base.manifest.suite;
  process.stderr.write(`check: running suite ${name}${narrow.mechanisms ? ' (confirmation)' : ''} for comparison with ${base.dir}\n`);
  const { runDir } = await executeRun({ suite: name, overrides: { ...overrides, ...narrow }, argv: process.argv.slice(2), out });
  return runDir;
}

/**
 * Re-runs only the mechanisms × tests that regressed, `times` times; a regression must reproduce
 * each time. The control (memcpy COPY1) is re-measured too, so that the machine's drift at the
 * time of the re-run is known; the run-wide witness stays the full new run's (`mainRows`).
 */
async function confirmByRerun(base: LoadedRun, newDir: string, args: CheckArgs, thresholds: Thresholds, findings: RegressionFinding[], mainRows: ComparisonRow[]) {
  const control = args.driftCorrection && measuredControl(base.results);
  for (let i = 1; i <= args.confirm && findings.some((f) => f.regressed); i++) {
    const suspects = findings.filter((f) => f.regressed).map((f) => f.row.next!.case);
    const mechanisms = new Set(suspects.map((c) => c.mechanism));
    const tests = new Set(suspects.map((c) => c.test));
    if (control) {
      for (const m of CONTROL_RERUN.mechanisms) mechanisms.add(m);
      for (const t of CONTROL_RERUN.tests) tests.add(t);
    }
    // Give transient load elsewhere up to ~10 s to pass before measuring again.
    await idleGate(new LocalTarget(), { maxBusyPercent: 25, retries: 10, windowMs: 1000 });
    const again = await loadRun(await runLikeBaseline(base, args.suite, { mechanisms: [...mechanisms], tests: [...tests] }, `${newDir}-confirm${i}`));
    const rows = compareRuns(base, again);
    findings = confirmFindings(findings, judge(rows, thresholds, driftOf(args, rows, mainRows).factor));
  }
  return findings;
}

const command: CommandModule<object, CheckArgs> = {
  command: 'check',
  describe: 'CI regression verdict against a baseline run (exit 1 on a significant regression)',
  builder: (y: Argv) =>
    y
      .option('baseline', { type: 'string', describe: 'baseline run directory' })
      .option('history', { type: 'boolean', default: false, describe: 'judge against the run history (per case: the runs since its last change point) instead of one baseline run; the new run is then added to the history' })
      .option('db', dbOption)
      .option('history-runs', { type: 'number', default: BASELINE_DEFAULTS.maxRuns, describe: 'with --history: pool at most this many of the newest runs since the last change point' })
      .option('new', { type: 'string', describe: 'new run directory (default: run the baseline\'s suite now)' })
      .option('suite', { type: 'string', describe: 'suite to run when --new is not given (default: the baseline\'s)' })
      .option('threshold', { type: 'string', describe: 'tolerated slowdown for every test, e.g. 5% (default: config/thresholds.json)' })
      .option('thresholds', { type: 'string', describe: 'per-test thresholds file', default: DEFAULT_THRESHOLDS_FILE })
      .option('export', { type: 'string', describe: 'write github-action-benchmark JSON of the new run to this file' })
      .option('out', { type: 'string', describe: 'run directory for the new run check makes (default runs/<UTC timestamp>-<suite>/)' })
      .option('drift-correction', { type: 'boolean', default: true, describe: 'judge cases against the machine\'s own drift when the memcpy control and the run-wide median agree (--no-drift-correction: raw ratios)' })
      .option('confirm', { type: 'number', default: 1, describe: 'when check makes the new run itself: re-run regressed cases this many times; a regression must reproduce every time (0: off)' })
      .option('export-format', { choices: ['smaller', 'bigger'] as const, default: 'smaller' as const, describe: 'customSmallerIsBetter (ns/iter) or customBiggerIsBetter (msgs/s, GB/s)' })
      .check((a) => {
        if (Boolean(a.baseline) === Boolean(a.history)) throw new Error('give either --baseline RUN_DIR or --history');
        return true;
      }) as unknown as Argv<CheckArgs>,
  handler: async (args) => {
    const dbFile = args.db ?? defaultDbFile();
    let history: HistoryDb | undefined;
    try {
      if (args.history) history = openHistory(dbFile, { mustExist: true });
      const thresholds = await loadThresholds(args.thresholds);
      if (args.threshold !== undefined) {
        const all = parseThreshold(args.threshold);
        thresholds.default = all;
        thresholds.tests = {};
      }
      if (!Number.isInteger(args.confirm) || args.confirm < 0) throw new Error(`--confirm: must be a whole number ≥ 0, got ${args.confirm}`);
      // With --history, its newest run stands for the baseline until the new run exists: check repeats its suite and overrides.
      const template = history ? historyTemplate(history, dbFile) : await loadRun(args.baseline!);
      // Other load on the machine is the usual cause of a false alarm: measure it and say so.
      const gate = args.new ? undefined : await idleGate(new LocalTarget(), { maxBusyPercent: 25, retries: 5, windowMs: 1000 });
      const next = await loadRun(args.new ?? (await runLikeBaseline(template, args.suite, {}, args.out)));
      const fromHistory = history ? await historyBaseline(history, dbFile, next, { maxRuns: args.historyRuns }) : undefined;
      const base = fromHistory?.run ?? template;
      const rows = explainMissing(compareRuns(base, next), fromHistory?.missing ?? new Map());
      const drift = driftOf(args, rows);
      let findings = judge(rows, thresholds, drift.factor);
      if (!args.new) findings = await confirmByRerun(base, next.dir, args, thresholds, findings, rows);
      const table = regressionTable(findings);
      table.notes.push(`Machine: ${drift.note}.`);
      if (history && fromHistory) {
        const added = importRun(history, next.dir);
        table.notes.push(
          `Baseline: the run history ${dbFile}, per case the newest ≤ ${args.historyRuns} runs since its last change point on the same host and configuration; ${fromHistory.missing.size} case(s) without one. The new run is ${added.action === 'unchanged' ? 'already' : 'now'} in the history.`,
        );
      }
      if (gate?.noisy) {
        const top = gate.top.map((p) => `${p.comm} ${p.cpuPercent} %`).join(', ');
        table.notes.push(`Warning: the machine was ${gate.busyPercent.toFixed(0)} % busy before the new run (${top}); a regression may be other load.`);
      }
      const markdown = markdownTable(table, '##');
      process.stdout.write(markdown);
      if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, markdown);
      if (args.export) {
        const format: BenchmarkFormat = args.exportFormat === 'bigger' ? 'customBiggerIsBetter' : 'customSmallerIsBetter';
        await writeFile(args.export, JSON.stringify(benchmarkEntries(next.results, format), null, 2) + '\n');
      }
      const mechanisms = regressedMechanisms(findings);
      const regressed = findings.filter((f) => f.regressed);
      if (regressed.length) {
        process.stdout.write(`\ncheck: FAIL — ${regressed.length} regressed case(s), mechanism(s): ${mechanisms.join(', ')}\n`);
        process.exitCode = 1;
      } else {
        process.stdout.write(`\ncheck: PASS — ${findings.filter((f) => f.row.lo !== undefined).length} case(s) compared, no significant regression (new run: ${next.dir})\n`);
      }
    } catch (err) {
      process.stderr.write(`check: error: ${(err as Error).message}\n`);
      process.exitCode = 2;
    } finally {
      history?.close();
    }
  },
};

export default command;

// Imports a run directory into the history. One transaction per run: a process killed mid-import
// leaves the database as it was before that run. Idempotent: a run is known by its manifest id,
// start time and host; the same content again changes nothing, changed content (a run completed
// by --resume since) replaces the earlier import.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deriveAllFigures } from '../../core/derived.ts';
import { median } from '../../core/median.ts';
import { groupRounds, pooledCpuSamples } from '../../core/rounds.ts';
import { MANIFEST_JSON, parseResultLines, RESULTS_JSONL } from '../../core/run-dir.ts';
import { ManifestSchema, parseJsonWith, parseWith, ResultSchema } from '../../core/schemas.ts';
import type { Manifest, Result } from '../../core/types.ts';
import { commitDateOf, filingOf, isSynthetic, type Machine, machineOf, orderTimeOf, runKeyOf } from './axes.ts';
import type { HistoryDb } from './db.ts';

export interface ImportOutcome {
  dir: string;
  run: string;
  action: 'imported' | 'unchanged' | 'replaced';
  results: number;
  batches: number;
  /** Lines of results.jsonl that were not JSON (torn by a kill mid-write): skipped. */
  tornLines: number;
}

/** A run directory read and validated (core/schemas.ts), before anything is written. */
interface ReadRun {
  manifest: Manifest;
  groups: Result[][];
  digest: string;
  tornLines: number;
}

function readRunDir(dir: string): ReadRun {
  const manifestFile = path.join(dir, MANIFEST_JSON);
  const resultsFile = path.join(dir, RESULTS_JSONL);
  const readText = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      const absent = ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');
      throw new Error(absent ? `${dir}: not a run directory (no ${path.basename(file)})` : `${file}: ${(err as Error).message}`);
    }
  };
  const manifestText = readText(manifestFile);
  const resultsText = readText(resultsFile);
  const digest = createHash('sha256').update(manifestText).update('\0').update(resultsText).digest('hex');
  // Validated: the casts only restore the declared types over the schemas' loose output.
  const manifest = parseJsonWith(ManifestSchema, manifestText, manifestFile) as unknown as Manifest;
  let tornLines = 0;
  const lines = parseResultLines(resultsText, resultsFile, () => tornLines++).map((line, i) => parseWith(ResultSchema, line, `${resultsFile} result ${i + 1}`) as unknown as Result);
  return { manifest, groups: groupRounds(lines), digest, tornLines };
}

/** One case's rounds as stored: the first line that is not ok stands for the case (as core/rounds.ts merges). */
function caseRow(lines: Result[]) {
  const first = lines[0]!;
  const settled = lines.find((l) => l.status !== 'ok') ?? first;
  const rounds = settled.status === 'ok' ? lines.map((l) => ({ round: l.round ?? 1, samples: l.samples ?? [] })) : [];
  const samples = rounds.flatMap((r) => r.samples);
  const stats = settled.status === 'ok' ? first.stats : undefined;
  const medianNs = samples.length ? median(samples) : stats?.p50;
  const derived =
    lines.length > 1 && stats && medianNs !== undefined ? deriveAllFigures(first.case, { ...stats, p50: medianNs }, samples, pooledCpuSamples(lines)) : settled.derived;
  return {
    result: settled,
    rounds,
    medianNs: medianNs ?? null,
    meanNs: samples.length ? samples.reduce((a, ns) => a + ns, 0) / samples.length : (stats?.mean ?? null),
    batches: samples.length || (stats?.n ?? null),
    iterationsPerBatch: stats?.iterationsPerBatch ?? null,
    derivedJson: derived ? JSON.stringify(derived) : null,
  };
}

function statements(db: HistoryDb) {
  return {
    findRun: db.prepare('SELECT id, content_digest AS digest FROM runs WHERE run_key = ?'),
    deleteRun: db.prepare('DELETE FROM runs WHERE id = ?'),
    insertRun: db.prepare(`INSERT INTO runs (run_key, content_digest, name, suite, started_at, ended_at, git_commit, git_dirty, commit_date,
      order_time, synthetic, source_dir, imported_at, manifest_json) VALUES (@runKey, @digest, @name, @suite, @startedAt, @endedAt, @commit,
      @dirty, @commitDate, @orderTime, @synthetic, @sourceDir, @importedAt, @manifestJson)`),
    insertHost: db.prepare(`INSERT INTO hosts (identity, hostname, cpu_model, cores, memory_bytes, arch, hypervisor)
      VALUES (@identity, @hostname, @cpuModel, @cores, @memoryBytes, @arch, @hypervisor) ON CONFLICT (identity) DO NOTHING`),
    hostId: db.prepare('SELECT id FROM hosts WHERE identity = ?').pluck(),
    insertResult: db.prepare(`INSERT INTO results (run_id, case_id, test, mechanism, placement, size, pairs, target, host_id, kernel, cmdline,
      config, status, note, rounds, batches, iterations_per_batch, median_ns, mean_ns, derived_json) VALUES (@runId, @caseId, @test,
      @mechanism, @placement, @size, @pairs, @target, @hostId, @kernel, @cmdline, @config, @status, @note, @rounds, @batches,
      @iterationsPerBatch, @medianNs, @meanNs, @derivedJson)`),
    // A round's batches in one call, as a JSON array that SQLite unpacks: binding them one value
    // at a time costs more than SQLite's insert itself.
    insertRound: db.prepare(
      'INSERT INTO samples (result_id, batch, round, ns) SELECT @resultId, @firstBatch + key, @round, value FROM json_each(@samples)',
    ),
  };
}

type Statements = ReturnType<typeof statements>;

/** Statements are prepared once per database connection, not per run. */
const prepared = new WeakMap<HistoryDb, Statements>();

function writeRun(db: HistoryDb, dir: string, run: ReadRun): Omit<ImportOutcome, 'dir' | 'tornLines'> {
  const st = prepared.get(db) ?? statements(db);
  prepared.set(db, st);
  const m = run.manifest;
  const runKey = runKeyOf(m);
  const known = st.findRun.get(runKey) as { id: number; digest: string } | undefined;
  if (known?.digest === run.digest) return { run: m.id, action: 'unchanged', results: 0, batches: 0 };
  if (known) st.deleteRun.run(known.id);
  const runId = st.insertRun.run({
    runKey,
    digest: run.digest,
    name: m.id,
    suite: m.suite,
    startedAt: m.startedAt,
    endedAt: m.endedAt ?? null,
    commit: m.git?.revision ?? null,
    dirty: typeof m.git?.dirty === 'boolean' ? Number(m.git.dirty) : null,
    commitDate: commitDateOf(m),
    orderTime: orderTimeOf(m),
    synthetic: Number(isSynthetic(m)),
    sourceDir: path.resolve(dir),
    importedAt: new Date().toISOString(),
    manifestJson: JSON.stringify(m),
  }).lastInsertRowid;
  const machines = new Map<string, Machine & { hostId: number }>();
  const machineFor = (target: string, config: string) => {
    let known = machines.get(`${target}\0${config}`);
    if (!known) {
      const machine = machineOf(m, target, config);
      st.insertHost.run(machine);
      machines.set(`${target}\0${config}`, (known = { ...machine, hostId: st.hostId.get(machine.identity) as number }));
    }
    return known;
  };
  let batches = 0;
  for (const lines of run.groups) {
    const row = caseRow(lines);
    const c = row.result.case;
    const { target, config, caseId } = filingOf(m, row.result);
    const { hostId, ...machine } = machineFor(target, config);
    let resultId: number | bigint;
    try {
      resultId = st.insertResult.run({
        runId, caseId, test: c.test, mechanism: c.mechanism, placement: c.placement, size: c.size, pairs: c.pairs, target, hostId,
        kernel: machine.kernel, cmdline: machine.cmdline, config, status: row.result.status, note: row.result.reason ?? row.result.error ?? null,
        rounds: lines.length, batches: row.batches, iterationsPerBatch: row.iterationsPerBatch, medianNs: row.medianNs, meanNs: row.meanNs,
        derivedJson: row.derivedJson,
      }).lastInsertRowid;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw err;
      throw new Error(`${dir}: case ${caseId} on ${target} (configuration ${config}) appears twice in results.jsonl`);
    }
    let firstBatch = 0;
    for (const { round, samples } of row.rounds) {
      if (samples.length) st.insertRound.run({ resultId, firstBatch, round, samples: JSON.stringify(samples) });
      firstBatch += samples.length;
    }
    batches += firstBatch;
  }
  return { run: m.id, action: known ? 'replaced' : 'imported', results: run.groups.length, batches };
}

/** Reads and validates `dir`, then writes it in one IMMEDIATE transaction (writers queue on the busy timeout). */
export function importRun(db: HistoryDb, dir: string): ImportOutcome {
  const run = readRunDir(dir);
  const outcome = db.transaction(() => writeRun(db, dir, run)).immediate();
  return { dir, tornLines: run.tornLines, ...outcome };
}

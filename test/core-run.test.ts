// executeRun end to end against the fake worker (test/fixtures/core-fake-worker.mjs), plus the
// in-process Node baseline: results are appended per case, a failing case does not stop the run,
// a bad config runs nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { executeRun } from '../runners/run.ts';
import { ConfigError } from '../suites/index.ts';
import { LocalTransport } from '../runners/targets/transport.ts';
import { WorkerRunner } from '../runners/ipc/worker-runner.ts';
import type { Case } from '../core/types.ts';
import { LocalTarget } from '../runners/targets/local.ts';

const FAKE_WORKER = [process.execPath, fileURLToPath(new URL('./fixtures/core-fake-worker.mjs', import.meta.url))];
const tmp = () => mkdtempSync(path.join(tmpdir(), 'core-run-'));
const jsonlLines = (runDir: string) => readFileSync(path.join(runDir, 'results.jsonl'), 'utf8').split('\n').filter(Boolean);

const savedEnv = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('FAKE_')) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

describe('executeRun --resume', () => {
  it('keeps the ok case-rounds, measures again what failed, and refuses a directory without results', async () => {
    const out = path.join(tmp(), 'run');
    process.env.FAKE_ERROR_MECH = 'fifo';
    const first = await executeRun({ suite: 'smoke', overrides: { mechanisms: ['pipe', 'fifo'], tests: ['IPC1'], time: 0.05, rounds: 2 }, out, workerCommand: FAKE_WORKER });
    assert.deepEqual(first.results.map((r) => [r.case.mechanism, r.status]), [['pipe', 'ok'], ['fifo', 'failed']]);
    const pipeLines = jsonlLines(out).filter((l) => l.includes('"mechanism":"pipe"'));
    delete process.env.FAKE_ERROR_MECH;
    const measured: string[] = [];
    const resumed = await executeRun({
      suite: 'smoke',
      overrides: { mechanisms: ['pipe', 'fifo'], tests: ['IPC1'], time: 0.05, rounds: 2 },
      resume: out,
      workerCommand: FAKE_WORKER,
      progress: { caseEnded: (r) => measured.push(`${r.case.mechanism}#${r.round}`) },
    });
    assert.deepEqual(measured, ['fifo#1', 'fifo#2'], 'only the failed case is measured again');
    assert.deepEqual(resumed.results.map((r) => [r.case.mechanism, r.status]), [['pipe', 'ok'], ['fifo', 'ok']]);
    assert.deepEqual(jsonlLines(out).slice(0, 2), pipeLines, "the earlier ok lines are kept as they were");
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.resumedAt.length, 1);
    await assert.rejects(executeRun({ suite: 'smoke', resume: tmp(), workerCommand: FAKE_WORKER }), /no results.jsonl there/);
  });
});

describe('executeRun', () => {
  it('appends each case-round to results.jsonl as soon as it ends, one pass over the plan per round', async () => {
    const out = path.join(tmp(), 'run');
    const linesWhenEnded: number[] = [];
    const { runDir, results } = await executeRun({
      suite: 'smoke',
      overrides: { mechanisms: ['pipe', 'fifo'], tests: ['IPC1', 'COPY1'], time: 0.05 },
      out,
      workerCommand: FAKE_WORKER,
      progress: { caseEnded: () => linesWhenEnded.push(jsonlLines(out).length) },
    });
    assert.equal(runDir, out);
    assert.deepEqual(linesWhenEnded, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], '4 cases × 3 rounds');
    const order = jsonlLines(out).map((l) => JSON.parse(l) as { case: { id: string }; round: number });
    assert.deepEqual(order.slice(0, 5).map((l) => [l.case.id, l.round]), [
      ['IPC1/pipe/same-cpu/36B/1p', 1],
      ['IPC1/fifo/same-cpu/36B/1p', 1],
      ['COPY1/pipe/same-cpu/4096B/1p/sync', 1],
      ['COPY1/fifo/same-cpu/4096B/1p/sync', 1],
      ['IPC1/pipe/same-cpu/36B/1p', 2],
    ]);
    assert.deepEqual(results.map((r) => r.status), ['ok', 'ok', 'ok', 'ok']);
    assert.ok(results.every((r) => r.roundSizes?.length === 3 && r.round === undefined), 'merged: one result per case');
    const copy = results.find((r) => r.case.test === 'COPY1')!;
    assert.ok(copy.derived?.gbPerSec && copy.derived.copiesPerSec);
    const ipc = results[0]!;
    assert.equal(ipc.derived!.msgsPerSec, 2 * ipc.derived!.roundTripsPerSec!);
    // The fake reports 5000 ns per iteration (±1 %); tinybench's statistics must come back per iteration.
    assert.ok(Math.abs(ipc.stats!.p50 - 5000) < 100, `p50 ${ipc.stats!.p50}`);
    assert.equal(ipc.samples!.length, ipc.stats!.n);
    assert.ok(Array.isArray(ipc.detail!.pids), 'worker setup detail is kept');
    // The fake's CPU time is 1.5 × its wall time: 7.5 CPU-µs per round trip, pooled over the rounds.
    assert.equal(ipc.cpuSamples!.length, ipc.samples!.length);
    assert.ok(Math.abs(ipc.derived!.busyCpus! - 1.5) < 1e-3, `busy ${ipc.derived!.busyCpus}`);
    assert.ok(Math.abs(ipc.derived!.cpuUsPerIteration! - 7.5) < 0.15, `cpu µs ${ipc.derived!.cpuUsPerIteration}`);
    assert.ok(copy.derived!.copiesPerCpuSec! > 0 && copy.derived!.msgsPerCpuSec === undefined);

    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.suite, 'smoke');
    assert.ok(manifest.endedAt && manifest.host.cores >= 1 && manifest.versions.workerProtocol === '1');
    const csv = readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 1 + results.length);
    assert.match(csv[0]!, /msgs_per_s_2x_round_trips/);
    assert.match(csv[0]!, /cpu_us_per_iteration,msgs_per_cpu_s,copies_per_cpu_s,busy_cpus/);
  });

  it('sends the worker copy_mode, burst and offsets only when the case has them', async () => {
    const suite = path.join(tmp(), 'modes.json');
    writeFileSync(suite, JSON.stringify({ name: 'modes', mechanisms: ['pipe'], tests: ['IPC1', 'COPY1'], placements: ['same-cpu'], copyModes: ['sync', 'stream'], burst: 8, copyOffsets: [[0, 0], [0, 2048]], time: 0.05, rounds: 1 }));
    const { results } = await executeRun({ suite, out: path.join(tmp(), 'run'), workerCommand: FAKE_WORKER });
    const sent = Object.fromEntries(results.map((r) => [r.case.id, r.detail!.setup as Record<string, unknown>]));
    const copyFields = (id: string) => Object.fromEntries(['copy_mode', 'burst', 'src_offset', 'dst_offset'].filter((k) => k in sent[id]!).map((k) => [k, sent[id]![k]]));
    assert.deepEqual(copyFields('IPC1/pipe/same-cpu/36B/1p'), {});
    assert.deepEqual(copyFields('COPY1/pipe/same-cpu/4096B/1p/sync'), { copy_mode: 'sync' });
    assert.deepEqual(copyFields('COPY1/pipe/same-cpu/4096B/1p/sync/o0,2048'), { copy_mode: 'sync', src_offset: 0, dst_offset: 2048 });
    assert.deepEqual(copyFields('COPY1/pipe/same-cpu/4096B/1p/stream8'), { copy_mode: 'stream', burst: 8 });
    assert.deepEqual(copyFields('COPY1/pipe/same-cpu/4096B/1p/stream8/o0,2048'), { copy_mode: 'stream', burst: 8, src_offset: 0, dst_offset: 2048 });
  });

  it('marks a case whose worker dies as failed and goes on with a fresh worker', async () => {
    process.env.FAKE_CRASH_MECH = 'fifo';
    process.env.FAKE_ERROR_MECH = 'tcp';
    process.env.FAKE_BAD_NS_MECH = 'eventfd';
    process.env.FAKE_MECHS = 'fifo,tcp,eventfd,pipe';
    process.env.FAKE_SKIP = 'pipe:IPC3';
    const { runDir, results } = await executeRun({
      suite: 'smoke',
      overrides: { mechanisms: ['fifo', 'tcp', 'eventfd', 'pipe'], tests: ['IPC1', 'IPC3'], time: 0.05 },
      out: path.join(tmp(), 'run'),
      workerCommand: FAKE_WORKER,
    });
    const byId = Object.fromEntries(results.map((r) => [r.case.id, r]));
    assert.equal(byId['IPC1/fifo/same-cpu/36B/1p']!.status, 'failed');
    assert.match(byId['IPC1/fifo/same-cpu/36B/1p']!.error!, /worker exited with code 3/);
    assert.equal(byId['IPC1/tcp/same-cpu/36B/1p']!.status, 'failed');
    assert.match(byId['IPC1/tcp/same-cpu/36B/1p']!.error!, /setup refused by the fake/);
    assert.match(byId['IPC1/eventfd/same-cpu/36B/1p']!.error!, /invalid timing/);
    assert.equal(byId['IPC1/pipe/same-cpu/36B/1p']!.status, 'ok');
    assert.equal(byId['IPC3/pipe/same-cpu/1B/1p']!.status, 'skipped');
    assert.equal(byId['IPC3/pipe/same-cpu/1B/1p']!.reason, 'cannot express it');
    // A case that failed or was skipped gets no further rounds.
    assert.equal(jsonlLines(runDir).length, 8 + 2 * results.filter((r) => r.status === 'ok').length);
  });

  it('runs nothing and creates no run directory when the config is bad', async () => {
    const out = path.join(tmp(), 'run');
    await assert.rejects(
      executeRun({ suite: 'smoke', overrides: { mechanisms: ['no-such-mech'] }, out, workerCommand: FAKE_WORKER }),
      (err: unknown) => err instanceof ConfigError && /--mechanism\[0\]: "no-such-mech"/.test(err.message),
    );
    assert.equal(existsSync(out), false);
  });

  it('refuses an --out directory that already holds a run, and leaves that run as it was', async () => {
    const out = path.join(tmp(), 'run');
    const first = { suite: 'smoke', overrides: { mechanisms: ['pipe'], tests: ['IPC1' as const], time: 0.05 }, out, workerCommand: FAKE_WORKER };
    await executeRun(first);
    const before = readFileSync(path.join(out, 'results.jsonl'), 'utf8');
    await assert.rejects(executeRun(first), (err: unknown) => err instanceof ConfigError && /already holds a run/.test(err.message));
    assert.equal(readFileSync(path.join(out, 'results.jsonl'), 'utf8'), before);
  });

  it('measures the Node baselines in-process and skips the tests they cannot express', async () => {
    const { results } = await executeRun({
      suite: 'smoke',
      overrides: { mechanisms: ['node-atomics', 'node-messagechannel'], tests: ['IPC1', 'IPC2'], time: 0.05 },
      out: path.join(tmp(), 'run'),
      workerCommand: FAKE_WORKER,
    });
    const status = Object.fromEntries(results.map((r) => [r.case.id, r.status]));
    assert.deepEqual(status, {
      'IPC1/node-atomics/same-cpu/36B/1p': 'ok',
      'IPC1/node-messagechannel/same-cpu/36B/1p': 'ok',
      'IPC2/node-atomics/same-cpu/36B/1p': 'skipped',
      'IPC2/node-messagechannel/same-cpu/36B/1p': 'skipped',
    });
    for (const r of results.filter((x) => x.status === 'ok')) {
      assert.ok(r.stats!.p50 > 0 && r.stats!.n >= 10 && r.samples!.length === r.stats!.n);
      // This process's CPU time: client and server are two of its threads, so at most every CPU busy.
      assert.equal(r.cpuSamples?.length, r.samples!.length, r.case.id);
      const busy = r.derived!.busyCpus!;
      assert.ok(busy > 0 && busy <= availableParallelism() * 1.05 + 0.05, `${r.case.id}: busy CPUs ${busy}`);
      assert.ok(r.derived!.cpuUsPerIteration! > 0 && r.derived!.msgsPerCpuSec! > 0, r.case.id);
    }
  });

  it('divides by the iterations the worker timed, and says so when it reports no CPU time', async () => {
    process.env.FAKE_BURST = '4096'; // N rounded up to whole bursts, as a COPY stream does
    process.env.FAKE_BUSY_CPUS = 'none'; // an older worker
    const { results } = await executeRun({
      suite: 'smoke',
      overrides: { mechanisms: ['pipe'], tests: ['COPY1'], time: 0.05 },
      out: path.join(tmp(), 'run'),
      workerCommand: FAKE_WORKER,
    });
    const [r] = results;
    assert.equal(r!.status, 'ok', r!.error);
    assert.ok(Math.abs(r!.stats!.p50 - 5000) < 100, `p50 ${r!.stats!.p50} ns per iteration timed`);
    assert.equal(r!.cpuSamples, undefined);
    assert.equal(r!.derived!.cpuUsPerIteration, undefined);
    assert.equal(r!.derived!.busyCpus, undefined);
    assert.equal(r!.detail!.cpu_unavailable, 'the worker reported no CPU time');
  });

  it('measures each case in rounds: a fresh worker process per round, samples grouped by round', async () => {
    const { results } = await executeRun({
      suite: 'smoke',
      overrides: { mechanisms: ['pipe', 'node-atomics'], tests: ['IPC1'], time: 0.05, rounds: 3 },
      out: path.join(tmp(), 'run'),
      workerCommand: FAKE_WORKER,
    });
    for (const r of results) {
      assert.equal(r.status, 'ok', r.error);
      assert.equal(r.roundSizes?.length, 3, `${r.case.id}: round sizes ${r.roundSizes}`);
      assert.equal(r.roundSizes!.reduce((a, b) => a + b, 0), r.samples!.length);
      assert.equal(r.stats!.n, r.samples!.length, 'statistics of the pooled rounds');
    }
    const pids = results.find((r) => r.case.mechanism === 'pipe')!.detail!.round_worker_pids as number[];
    assert.equal(new Set(pids).size, 3, `worker pids per round: ${pids}`);
  });

  it('attaches the collectors a config names and stores their output in the result', async () => {
    const dir = tmp();
    const config = path.join(dir, 'with-collectors.json');
    writeFileSync(config, JSON.stringify({ name: 'c', tests: ['IPC1'], placements: ['same-cpu'], time: 0.05, mechanisms: ['pipe'], collectors: ['proc-stat', 'proc-pid'] }));
    const { results } = await executeRun({ suite: config, out: path.join(dir, 'run'), workerCommand: FAKE_WORKER });
    assert.equal(results[0]!.status, 'ok');
    assert.deepEqual(Object.keys(results[0]!.collectors ?? {}).sort(), ['proc-pid', 'proc-stat']);

    writeFileSync(config, JSON.stringify({ name: 'c', tests: ['IPC1'], placements: ['same-cpu'], time: 0.05, collectors: ['proc-magic'] }));
    await assert.rejects(executeRun({ suite: config, out: path.join(dir, 'bad'), workerCommand: FAKE_WORKER }), /collectors: unknown "proc-magic"/);
    assert.equal(existsSync(path.join(dir, 'bad')), false);
  });

  it('gives the collectors the worker and its servers, from /proc when the worker does not list them', async () => {
    for (const noPids of [false, true]) {
      if (noPids) process.env.FAKE_NO_PIDS = '1';
      const runner = new WorkerRunner(async () => new LocalTransport({ command: FAKE_WORKER }));
      let seen: number[] = [];
      let serverParent = 0;
      const c: Case = { id: 'x', test: 'IPC1', mechanism: 'pipe', size: 36, placement: 'same-cpu', pairs: 1, spin: 1000, target: 'local', time: 0.05, collectors: ['stub'] };
      const result = await runner.run(c, {
        runDir: tmp(),
        log: { info() {}, warn() {} },
        signal: new AbortController().signal,
        target: new LocalTarget(FAKE_WORKER),
        round: 1,
        startCollectors: async (_names, pids) => {
          seen = pids;
          // /proc/<pid>/stat: "pid (comm) state ppid ..."; the server must be the worker's child.
          serverParent = Number(readFileSync(`/proc/${pids[1]}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
          return { stop: async () => ({}) };
        },
      });
      await runner.close();
      assert.equal(result.status, 'ok');
      assert.equal(seen.length, 2, `pids ${seen} (noPids=${noPids})`);
      assert.equal(serverParent, seen[0], 'the second pid is a server forked by the worker');
    }
  });

  it('stops at an abort and keeps what finished', async () => {
    const abort = new AbortController();
    const out = path.join(tmp(), 'run');
    const { results } = await executeRun({
      suite: 'smoke',
      overrides: { mechanisms: ['pipe', 'fifo'], time: 0.05 },
      out,
      workerCommand: FAKE_WORKER,
      signal: abort.signal,
      progress: { caseEnded: (_r, i) => i === 1 && abort.abort() },
    });
    assert.equal(results.length, 2);
    assert.equal(jsonlLines(out).length, 2);
  });
});

describe('a planted slowdown (tests only)', () => {
  it('is recorded in the manifest, with a note every report shows, and absent otherwise', async () => {
    const overrides = { mechanisms: ['pipe'], tests: ['IPC1' as const], placements: ['same-cpu' as const], time: 0.05 };
    const planted = path.join(tmp(), 'planted');
    Object.assign(process.env, { M3BENCH_SLOWDOWN: 'pipe:0.15', M3BENCH_ALLOW_SLOWDOWN: '1' });
    try {
      await executeRun({ suite: 'smoke', overrides, out: planted });
    } finally {
      delete process.env.M3BENCH_SLOWDOWN;
      delete process.env.M3BENCH_ALLOW_SLOWDOWN;
    }
    const manifest = JSON.parse(readFileSync(path.join(planted, 'manifest.json'), 'utf8'));
    assert.equal(manifest.target.plantedSlowdown, 'pipe:0.150');
    assert.match(manifest.target.note, /planted slowdown pipe:0\.150 .*slowed on purpose/);
    const clean = path.join(tmp(), 'clean');
    await executeRun({ suite: 'smoke', overrides, out: clean });
    assert.equal(JSON.parse(readFileSync(path.join(clean, 'manifest.json'), 'utf8')).target.plantedSlowdown, undefined);
  });
});

// The zod schemas at every boundary (core/schemas.ts): corrupt input is an error naming the field,
// and every recorded/synthetic run directory under fixtures/runs/ still loads.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { ResultSchema, parseWith } from '../core/schemas.ts';
import { loadRun } from '../reports/load.ts';
import { loadThresholds } from '../reports/thresholds.ts';
import { Journal } from '../runners/kernel/journal.ts';
import { Worker, WorkerCommandError } from '../runners/ipc/worker.ts';
import type { WorkerTransport } from '../runners/targets/transport.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/runs/', import.meta.url));
const tmp = mkdtempSync(path.join(tmpdir(), 'm3bench-schemas-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function copyRun(name: string): string {
  const dir = path.join(tmp, `${name}-${Math.random().toString(36).slice(2)}`);
  cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

/** A transport that answers each command with the next scripted line. */
function fakeTransport(lines: string[]): WorkerTransport {
  const queue = [...lines];
  return {
    writeLine: async () => {},
    readLine: async () => {
      const l = queue.shift();
      if (l === undefined) throw new Error('stream ended');
      return l;
    },
    close: async () => {},
  } as WorkerTransport;
}
const HELLO = JSON.stringify({ hello: 'm3worker', protocol: 1, ncpus: 2, sizeof_message: 40 });

describe('parseWith', () => {
  it('names where and the field', () => {
    const line = JSON.parse(readFileSync(path.join(FIXTURES, 'recorded-smoke', 'results.jsonl'), 'utf8').split('\n')[0]!);
    line.case.mechanism = 7;
    assert.throws(() => parseWith(ResultSchema, line, 'results.jsonl line 3'), { message: 'results.jsonl line 3: case.mechanism: expected string' });
  });
});

describe('run directories', () => {
  const runs = readdirSync(FIXTURES).filter((n) => statSync(path.join(FIXTURES, n)).isDirectory());
  it('finds the fixture runs', () => assert.ok(runs.length >= 5));
  for (const name of runs) {
    it(`loads fixtures/runs/${name}`, async () => {
      const run = await loadRun(path.join(FIXTURES, name));
      assert.ok(run.results.length > 0);
      assert.equal(run.badLines, 0);
      assert.equal(typeof run.manifest.host.cpuModel, 'string');
    });
  }

  it('a results.jsonl line without a case is an error naming the file, line and field', async () => {
    const dir = copyRun('recorded-smoke');
    const file = path.join(dir, 'results.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    const bad = JSON.parse(lines[1]!);
    delete bad.case;
    lines[1] = JSON.stringify(bad);
    writeFileSync(file, lines.join('\n'));
    await assert.rejects(loadRun(dir), { message: `${file} line 2: case: required` });
  });

  it('a wrong type deep in a line names the path', async () => {
    const dir = copyRun('synthetic-paper');
    const file = path.join(dir, 'results.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"stats"'));
    const bad = JSON.parse(lines[i]!);
    bad.stats.p50 = 'fast';
    lines[i] = JSON.stringify(bad);
    writeFileSync(file, lines.join('\n'));
    await assert.rejects(loadRun(dir), { message: `${file} line ${i + 1}: stats.p50: expected number` });
  });

  it('a torn last line is skipped and counted, not an error', async () => {
    const dir = copyRun('recorded-smoke');
    const file = path.join(dir, 'results.jsonl');
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"case":{"id":"IPC`);
    assert.equal((await loadRun(dir)).badLines, 1);
  });

  it('a manifest without host is an error naming the field', async () => {
    const dir = copyRun('recorded-smoke');
    const file = path.join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8'));
    delete m.host;
    writeFileSync(file, JSON.stringify(m));
    await assert.rejects(loadRun(dir), { message: `${file}: host: required` });
  });

  it('a missing manifest.json or results.jsonl says so', async () => {
    const noManifest = copyRun('recorded-smoke');
    rmSync(path.join(noManifest, 'manifest.json'));
    await assert.rejects(loadRun(noManifest), /not a run directory \(no manifest\.json\)/);
    const noResults = copyRun('recorded-smoke');
    rmSync(path.join(noResults, 'results.jsonl'));
    await assert.rejects(loadRun(noResults), /no results\.jsonl/);
  });
});

describe('knob journal', () => {
  const knob = { kind: 'file', netns: 'm3b-rx', path: '/proc/sys/net/core/busy_poll', format: 'text', value: '50', label: 'busy_poll' };

  it('reads well-formed entries', () => {
    const file = path.join(tmp, 'journal-ok.jsonl');
    writeFileSync(file, `${JSON.stringify({ op: 'netns', name: 'm3b-rx' })}\n${JSON.stringify({ op: 'knob', knob, old: '0' })}\n{"op":"kn`);
    assert.equal(new Journal(file).entries().length, 2); // the torn last line is ignored
  });

  it('a line with a bad field is an error naming the line and field; nothing is returned', () => {
    const file = path.join(tmp, 'journal-bad.jsonl');
    writeFileSync(file, `${JSON.stringify({ op: 'netns', name: 'm3b-rx' })}\n${JSON.stringify({ op: 'knob', knob: { ...knob, path: 42 }, old: '0' })}\n`);
    assert.throws(() => new Journal(file).entries(), (err: Error) => err.message.startsWith(`${file} line 2: knob.path: expected string`));
  });

  it('is strict: an unknown field is an error too', () => {
    const file = path.join(tmp, 'journal-extra.jsonl');
    writeFileSync(file, `${JSON.stringify({ op: 'knob', knob: { ...knob, sudo: 'rm -rf /' }, old: '0' })}\n`);
    assert.throws(() => new Journal(file).entries(), /line 1: knob: unknown field sudo/);
  });

  it('a line that is not JSON in the middle is an error', () => {
    const file = path.join(tmp, 'journal-garbage.jsonl');
    writeFileSync(file, `garbage\n${JSON.stringify({ op: 'netns', name: 'm3b-rx' })}\n`);
    assert.throws(() => new Journal(file).entries(), /line 1: not JSON/);
  });
});

describe('worker answers', () => {
  it('a hello without ncpus names the field', async () => {
    await assert.rejects(Worker.start(fakeTransport([JSON.stringify({ hello: 'm3worker', protocol: 1, sizeof_message: 40 })])), /did not say hello: hello line: ncpus: required/);
  });

  it('a list answer with a bad mechanism names the field', async () => {
    const w = await Worker.start(fakeTransport([HELLO, JSON.stringify({ ok: true, mechanisms: [{ name: 'pipe', description: 'd', family: 'baseline', tests: { IPC1: 1 } }] })]));
    await assert.rejects(w.list(), { message: 'worker answered "list": mechanisms.0.tests.IPC1: expected string' });
  });

  it('ok:false is a WorkerCommandError; a skip is an outcome', async () => {
    const w = await Worker.start(fakeTransport([HELLO, '{"ok":false,"error":"boom"}', '{"ok":false,"skipped":true,"reason":"no module"}', '{"ok":true}']));
    await assert.rejects(w.setup({ mechanism: 'm3', test: 'IPC1', size: 36, placement: 'same-cpu', pairs: 1, spin: 1000 }), (e: Error) => e instanceof WorkerCommandError && e.message === 'setup: boom');
    assert.deepEqual(await w.setup({ mechanism: 'm3', test: 'IPC1', size: 36, placement: 'same-cpu', pairs: 1, spin: 1000 }), { kind: 'skipped', reason: 'no module' });
    assert.deepEqual(await w.setup({ mechanism: 'pipe', test: 'IPC1', size: 36, placement: 'same-cpu', pairs: 1, spin: 1000 }), { kind: 'ready', detail: {} });
  });

  it('a run answer with a non-numeric ns is an invalid timing naming the field', async () => {
    const w = await Worker.start(fakeTransport([HELLO, '{"ok":true,"iterations":10,"ns":"12"}', '{"ok":true,"iterations":10,"ns":1200}']));
    await assert.rejects(w.run(10), /invalid timing \(ns: expected number\)/);
    assert.deepEqual(await w.run(10), { iterations: 10, ns: 1200, cpuUnavailable: 'the worker reported no CPU time' });
  });

  it('a run answer carries the CPU time of the case; a negative one is an invalid timing', async () => {
    const w = await Worker.start(
      fakeTransport([
        HELLO,
        '{"ok":true,"iterations":10,"ns":1200,"cpu_ns":2300,"cpu_ns_by_role":{"client":1200,"server":1100}}',
        '{"ok":true,"iterations":10,"ns":1200,"cpu_ns":-5}',
        '{"ok":true,"iterations":10,"ns":1200,"cpu_ns":2300,"cpu_ns_by_role":{"client":"1200"}}',
      ]),
    );
    assert.deepEqual(await w.run(10), { iterations: 10, ns: 1200, cpuNs: 2300, cpuByRole: { client: 1200, server: 1100 } });
    await assert.rejects(w.run(10), /invalid timing \(cpu_ns: /);
    await assert.rejects(w.run(10), /invalid timing \(cpu_ns_by_role\.client: expected number\)/);
  });

  it('an answer without ok names the field', async () => {
    const w = await Worker.start(fakeTransport([HELLO, '{"done":true}']));
    await assert.rejects(w.teardown(), { message: 'worker answered "teardown": ok: required' });
  });
});

describe('thresholds file', () => {
  it('a non-number fraction names the field', async () => {
    const file = path.join(tmp, 'thresholds.json');
    writeFileSync(file, JSON.stringify({ default: 0.05, tests: { IPC1: '5%' } }));
    await assert.rejects(loadThresholds(file), { message: `${file}: tests.IPC1: expected number` });
  });
  it('the shipped file loads', async () => {
    assert.equal((await loadThresholds()).default, 0.05);
  });
});

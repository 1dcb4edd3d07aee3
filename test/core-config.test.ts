// Suite configs: validation names the bad field, and a valid config expands to the expected plan.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, expandPlan, loadSuite, type CatalogueEntry } from '../suites/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'core-config-'));
let counter = 0;
function configFile(content: unknown): string {
  const file = path.join(dir, `c${counter++}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const valid = { name: 't', tests: ['IPC1', 'IPC3', 'COPY1'], placements: ['same-cpu', 'cross-cpu'], time: 0.5 };
const catalogue: CatalogueEntry[] = ['pipe', 'fifo', 'tcp'].map((name) => ({ name, tests: {} }));

async function configProblems(content: unknown): Promise<string> {
  const err = await loadSuite(configFile(content)).then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
  return err.message;
}

describe('config validation', () => {
  it('names the index and the allowed values of a bad test', async () => {
    const msg = await configProblems({ ...valid, tests: ['IPC1', 'IPC2', 'IPC9'] });
    assert.match(msg, /c\d+\.json: tests\[2\]: "IPC9" is not one of IPC1, IPC2, IPC3, COPY1, COPY2/);
  });

  it('names a bad placement, a bad time and an unknown field, all at once', async () => {
    const msg = await configProblems({ ...valid, placements: ['same-cpu', 'far'], time: -1, colour: 'red' });
    assert.match(msg, /placements\[1\]: "far" is not one of same-cpu, cross-cpu, unpinned/);
    assert.match(msg, /time: /);
    assert.match(msg, /colour: unknown field/);
  });

  it('names nested fields', async () => {
    const msg = await configProblems({ ...valid, sizes: { ipc: [36, 0] } });
    assert.match(msg, /sizes\.ipc\[1\]: /);
  });

  it('rejects an unknown suite kind naming the field', async () => {
    assert.match(await configProblems({ ...valid, kind: 'gpu' }), /kind: "gpu" is not one of ipc/);
  });

  it('rejects a missing required field', async () => {
    const { time: _omitted, ...noTime } = valid;
    assert.match(await configProblems(noTime), /time: /);
  });

  it('rejects text that is not JSON', async () => {
    assert.match(await configProblems('{ "name": '), /not valid JSON/);
  });

  it('accepts the shipped paper, smoke and copy-sweep configs', async () => {
    for (const name of ['paper', 'smoke', 'copy-sweep']) assert.equal((await loadSuite(name)).name, name);
  });

  it('names a bad COPY mode, a burst out of range or without stream, and an offset outside the page', async () => {
    assert.match(await configProblems({ ...valid, copyModes: ['sync', 'fast'] }), /copyModes\[1\]: "fast" is not one of sync, stream/);
    assert.match(await configProblems({ ...valid, copyModes: ['stream'], burst: 1 }), /burst: /);
    assert.match(await configProblems({ ...valid, burst: 16 }), /burst: burst is the blocks per acknowledgement of stream mode/);
    assert.match(await configProblems({ ...valid, copyOffsets: [[0, 0], [0, 4096]] }), /copyOffsets\[1\]\[1\]: an offset within the page: 0\.\.4095/);
  });
});

describe('plan expansion', () => {
  it('crosses mechanisms × tests × placements, with the paper sizes', async () => {
    const suite = await loadSuite(configFile(valid));
    const plan = expandPlan(suite, catalogue, {}, 'local');
    assert.equal(plan.length, 3 * 3 * 2);
    assert.equal(new Set(plan.map((c) => c.id)).size, plan.length, 'case ids are unique');
    const sizes = Object.fromEntries(plan.map((c) => [c.test, c.size]));
    assert.deepEqual(sizes, { IPC1: 36, IPC3: 1, COPY1: 4096 });
    const first = plan.find((c) => c.test === 'IPC1' && c.mechanism === 'fifo' && c.placement === 'cross-cpu');
    assert.deepEqual(first, {
      id: 'IPC1/fifo/cross-cpu/36B/1p',
      test: 'IPC1',
      mechanism: 'fifo',
      placement: 'cross-cpu',
      size: 36,
      pairs: 1,
      spin: 1000,
      target: 'local',
      time: 0.5,
      rounds: 3,
      collectors: [],
    });
  });

  it('splits each case over 3 rounds by default, 1 with collectors, and refuses rounds > 1 with collectors', async () => {
    const plain = await loadSuite(configFile(valid));
    assert.deepEqual([...new Set(expandPlan(plain, catalogue, {}, 'local').map((c) => c.rounds))], [3]);
    assert.deepEqual([...new Set(expandPlan(plain, catalogue, { rounds: 5 }, 'local').map((c) => c.rounds))], [5]);
    const collecting = await loadSuite(configFile({ ...valid, collectors: ['sar'] }));
    assert.deepEqual([...new Set(expandPlan(collecting, catalogue, {}, 'local').map((c) => c.rounds))], [1]);
    const both = await loadSuite(configFile({ ...valid, collectors: ['sar'], rounds: 2 }));
    assert.throws(() => expandPlan(both, catalogue, {}, 'local'), /rounds: collectors follow the processes of one setup/);
    await assert.rejects(loadSuite(configFile({ ...valid, rounds: 0 })), /rounds/);
  });

  it('gives COPY cases a mode and offsets part of the id, IPC cases none, and records them on the case', async () => {
    const suite = await loadSuite(configFile({ ...valid, copyModes: ['sync', 'stream'], burst: 16, copyOffsets: [[0, 0], [64, 64], [0, 2048]] }));
    const plan = expandPlan(suite, catalogue, { mechanisms: ['pipe'], placements: ['same-cpu'] }, 'local');
    assert.deepEqual(plan.map((c) => c.id), [
      'IPC1/pipe/same-cpu/36B/1p',
      'IPC3/pipe/same-cpu/1B/1p',
      'COPY1/pipe/same-cpu/4096B/1p/sync',
      'COPY1/pipe/same-cpu/4096B/1p/sync/o64,64',
      'COPY1/pipe/same-cpu/4096B/1p/sync/o0,2048',
      'COPY1/pipe/same-cpu/4096B/1p/stream16',
      'COPY1/pipe/same-cpu/4096B/1p/stream16/o64,64',
      'COPY1/pipe/same-cpu/4096B/1p/stream16/o0,2048',
    ]);
    const ipc = plan[0]!;
    assert.ok(!('copyMode' in ipc) && !('burst' in ipc) && !('offsets' in ipc), 'IPC cases carry no COPY fields');
    assert.deepEqual([plan[2]!.copyMode, plan[2]!.burst, plan[2]!.offsets], ['sync', undefined, undefined]);
    assert.deepEqual([plan[7]!.copyMode, plan[7]!.burst, plan[7]!.offsets], ['stream', 16, [0, 2048]]);
  });

  it('defaults to sync, page-aligned: new COPY ids end in /sync, distinct from the ids of runs made before modes', async () => {
    const plan = expandPlan(await loadSuite(configFile(valid)), catalogue, { mechanisms: ['pipe'], tests: ['COPY1'], placements: ['same-cpu'] }, 'local');
    assert.deepEqual(plan.map((c) => c.id), ['COPY1/pipe/same-cpu/4096B/1p/sync']);
    const stream = expandPlan(await loadSuite(configFile({ ...valid, copyModes: ['stream'] })), catalogue, { mechanisms: ['pipe'], tests: ['COPY1'], placements: ['same-cpu'] }, 'local');
    assert.deepEqual(stream.map((c) => [c.id, c.burst]), [['COPY1/pipe/same-cpu/4096B/1p/stream64', 64]]);
  });

  it('lets the command line narrow the lists and override size, time and pairs', async () => {
    const suite = await loadSuite(configFile(valid));
    const plan = expandPlan(suite, catalogue, { mechanisms: ['tcp'], tests: ['IPC1', 'IPC3'], placements: ['same-cpu'], size: 100, time: 2, pairs: 2 }, 'local');
    assert.deepEqual(
      plan.map((c) => [c.id, c.time]),
      [
        ['IPC1/tcp/same-cpu/100B/2p', 2],
        ['IPC3/tcp/same-cpu/1B/2p', 2],
      ],
    );
  });

  it('names a mechanism the target does not have, in the config or on the command line', async () => {
    const suite = await loadSuite(configFile({ ...valid, mechanisms: ['pipe', 'carrier-pigeon'] }));
    assert.throws(() => expandPlan(suite, catalogue, {}, 'local'), /mechanisms\[1\]: "carrier-pigeon" is not a mechanism of this target \(known: pipe, fifo, tcp\)/);
    const all = await loadSuite(configFile(valid));
    assert.throws(() => expandPlan(all, catalogue, { mechanisms: ['smoke-signal'] }, 'local'), /--mechanism\[0\]: "smoke-signal"/);
  });

  it('takes "all" mechanisms from the catalogue, so a new worker mechanism needs no config change', async () => {
    const suite = await loadSuite(configFile(valid));
    const plan = expandPlan(suite, [...catalogue, { name: 'brand-new', tests: {} }], { tests: ['IPC1'], placements: ['same-cpu'] }, 'local');
    assert.deepEqual(plan.map((c) => c.mechanism), ['pipe', 'fifo', 'tcp', 'brand-new']);
  });
});

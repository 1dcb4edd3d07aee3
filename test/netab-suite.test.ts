// Suite net-ab and the profiles: the shipped config expands to A then B, each with a counters and a
// profile repetition; bad configs and bad profiles are errors naming the field, before anything runs.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, expandPlan, loadSuite } from '../suites/index.ts';
import { loadProfile } from '../suites/profile.ts';
import { normalise } from '../runners/kernel/knobs.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'netab-suite-'));
let counter = 0;
function file(content: unknown): string {
  const f = path.join(dir, `c${counter++}.json`);
  writeFileSync(f, JSON.stringify(content));
  return f;
}

async function problems(run: () => Promise<unknown>): Promise<string> {
  const err = await run().then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
  return err.message;
}

const plan = async (f: string) => expandPlan(await loadSuite(f), [], {}, 'local');

describe('net-ab suite', () => {
  it('expands config/net-ab.json to A then B, counters before profile, collectors split', async () => {
    const cases = await plan('net-ab');
    assert.deepEqual(cases.map((c) => c.id), ['NET/A/counters', 'NET/A/profile', 'NET/B/counters', 'NET/B/profile']);
    assert.ok(cases.every((c) => c.test === 'NET'));
    const counters = cases.find((c) => c.repetition === 'counters')!;
    assert.ok(counters.collectors.includes('proc-stat') && !counters.collectors.includes('perf'), 'perf never in the Table 1 repetition');
    assert.deepEqual(cases.find((c) => c.repetition === 'profile')!.collectors, ['perf']);
    assert.equal(counters.params!.flows, 3);
  });

  it('--time overrides the stream duration; --test without NET leaves nothing to run', async () => {
    const suite = await loadSuite('net-ab');
    assert.equal(expandPlan(suite, [], { time: 2 }, 'local')[0].params!.duration, 2);
    assert.throws(() => expandPlan(suite, [], { tests: ['IPC1'] }, 'local'), ConfigError);
  });

  it('names a missing profile and a bad parameter', async () => {
    const msg = await problems(() => plan(file({ kind: 'net-ab', name: 'x', profiles: ['A', 'nope'] })));
    assert.match(msg, /profiles\[1\]: no profile/);
    const bad = await problems(() => loadSuite(file({ kind: 'net-ab', name: 'x', profiles: ['A'], rateMbit: -5, repetitions: ['twice'] })));
    assert.match(bad, /rateMbit/);
    assert.match(bad, /repetitions\[0\]: "twice" is not one of counters, profile/);
    assert.match(await problems(() => loadSuite(file({ kind: 'net-ab', name: 'x', profiles: ['A'], flow: 3 }))), /flow: unknown field/);
  });

  it('names the bad knob field of a profile referenced by the suite', async () => {
    const profile = file({ name: 'bad', topology: { kind: 'veth', pairs: 1 }, knobs: [{ kind: 'rps', scope: 'global', dev: 'rx0', value: 'zz' }] });
    const msg = await problems(() => plan(file({ kind: 'net-ab', name: 'x', profiles: [profile] })));
    assert.match(msg, /knobs\[0\]\.scope/);
    assert.match(msg, /knobs\[0\]\.value: a hexadecimal CPU mask/);
  });
});

describe('profiles', () => {
  it('ships A, B and their lab variants, every knob with a scope', async () => {
    for (const name of ['A', 'B', 'A-lab', 'B-lab']) {
      const p = await loadProfile(name);
      assert.ok(p.knobs.length > 0 && p.knobs.every((k) => k.scope), name);
    }
    const b = await loadProfile('B');
    assert.equal(b.receiverCpu, 1);
    assert.ok(b.expect.netRxOffAppCpu && b.expect.napiThreads);
    assert.equal((await loadProfile('A-lab')).topology.kind, 'nics');
  });

  it('a lab profile with a local sender CPU is refused', async () => {
    const f = file({ name: 'x', topology: { kind: 'nics', nics: ['eth9'] }, senderCpu: 0, knobs: [] });
    assert.match(await problems(() => loadProfile(f)), /senderCpu/);
  });

  it('compares read-back values in the kernel formats', () => {
    assert.equal(normalise('00000001', 'hexmask'), normalise('1', 'hexmask'));
    assert.equal(normalise('00000000,00000003', 'hexmask'), '3');
    assert.equal(normalise('0-1', 'cpulist'), normalise('0,1', 'cpulist'));
    assert.notEqual(normalise('2', 'hexmask'), normalise('1', 'hexmask'));
  });
});

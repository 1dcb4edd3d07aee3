// The native worker on its own: list, every mechanism x test set up / run / torn down, bad
// commands, the content self-test (and that it can fail). Needs `npm run build`.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { WorkerClient, alive, childrenOf, workerBuilt } from './native-worker-client.ts';

const BASELINES = ['pipe', 'fifo', 'posix-mq', 'sysv-mq', 'unix-stream', 'unix-dgram', 'tcp', 'simpl', 'eventfd', 'futex', 'pvm', 'memcpy'];
const TESTS = ['IPC1', 'IPC2', 'IPC3', 'COPY1', 'COPY2'];
/** One shared-memory slot per direction: copy_mode "stream" is skipped (docs/mechanisms.md). */
const NO_STREAM = ['simpl', 'eventfd', 'futex'];
const KMOD = existsSync('/dev/m3ipc');
/** Cases selftest runs per mechanism: every test, COPY in both copy modes. */
const SELFTEST_CASES = TESTS.length + 2;

describe('native worker protocol', { skip: !workerBuilt && 'native/build/m3worker is not built' }, () => {
  let w: WorkerClient;
  let mechanisms: Array<{ name: string; family: string; description: string; order: number; tests: Record<string, string> }>;

  before(async () => {
    w = new WorkerClient();
    const hello = await w.next();
    assert.equal(hello.hello, 'm3worker');
    assert.equal(hello.protocol, 1);
    mechanisms = (await w.send('list')).mechanisms;
  });
  after(() => w.quit());

  it('lists every baseline mechanism in its documented order, each test ok or with a reason', () => {
    const names = mechanisms.map((m) => m.name);
    assert.deepEqual(names.filter((n) => BASELINES.includes(n)), BASELINES);
    const orders = mechanisms.map((m) => m.order);
    assert.deepEqual(orders, [...orders].sort((a, b) => a - b));
    for (const m of mechanisms) {
      assert.ok(['baseline', 'modern', 'bound', 'm3'].includes(m.family), m.name);
      assert.ok(m.description.length > 0);
      assert.deepEqual(Object.keys(m.tests), TESTS);
      for (const t of TESTS) assert.ok(m.tests[t]!.length > 0, `${m.name} ${t}`);
    }
    const memcpy = mechanisms.find((m) => m.name === 'memcpy')!;
    assert.match(memcpy.tests.IPC1!, /not IPC/);
    assert.equal(memcpy.tests.COPY1, 'ok');
  });

  for (const placement of ['same-cpu', 'cross-cpu']) {
    it(`sets up, runs and tears down every mechanism x test (${placement})`, async () => {
      for (const m of mechanisms.filter((x) => BASELINES.includes(x.name))) {
        for (const test of TESTS) {
          const where = `${m.name} ${test} ${placement}`;
          const setup = await w.send(`setup ${JSON.stringify({ mechanism: m.name, test, placement })}`);
          if (m.tests[test] !== 'ok') {
            assert.deepEqual(setup, { ok: false, skipped: true, reason: m.tests[test] }, where);
            continue;
          }
          if (placement === 'cross-cpu' && setup.skipped && /needs two CPUs/.test(setup.reason)) continue; // 1-CPU host
          assert.equal(setup.ok, true, `${where}: ${JSON.stringify(setup)}`);
          const expectedChildren = m.name === 'memcpy' ? 0 : test === 'COPY2' ? 2 : 1;
          assert.equal(childrenOf(w.pid).length, expectedChildren, where);
          assert.deepEqual([...setup.detail.pids].sort(), childrenOf(w.pid).sort(), `${where}: detail.pids`);
          const run = await w.send('run 100');
          assert.equal(run.ok, true, `${where}: ${JSON.stringify(run)}`);
          assert.equal(run.iterations, 100);
          assert.ok(Number.isInteger(run.ns) && run.ns > 0, where);
          assert.deepEqual(await w.send('teardown'), { ok: true });
          assert.deepEqual(childrenOf(w.pid), [], `${where}: children reaped`);
        }
      }
    });
  }

  it('runs P pairs behind one barrier and counts N x P iterations', async () => {
    for (const mechanism of ['pipe', 'futex', 'sysv-mq']) {
      const setup = await w.send(`setup ${JSON.stringify({ mechanism, test: 'IPC1', placement: 'unpinned', pairs: 3 })}`);
      assert.equal(setup.ok, true, JSON.stringify(setup));
      assert.equal(childrenOf(w.pid).length, 6); // 3 clients + 3 servers
      const run = await w.send('run 50');
      assert.equal(run.ok, true, JSON.stringify(run));
      assert.equal(run.iterations, 150);
    }
    await w.send('teardown');
    assert.deepEqual(childrenOf(w.pid), []);
  });

  it('starts the first multi-pair run even when it follows setup at once', async () => {
    // Clients announce "ready" before they reach the barrier: the first run must not be missed.
    for (let i = 0; i < 20; i++) {
      assert.equal((await w.send(`setup ${JSON.stringify({ mechanism: 'pipe', test: 'IPC1', placement: 'unpinned', pairs: 4 })}`)).ok, true);
      assert.equal((await w.send('run 5')).iterations, 20);
    }
    await w.send('teardown');
  });

  it('lets a server whose client died exit instead of waiting for teardown', async () => {
    for (const mechanism of ['posix-mq', 'sysv-mq', 'eventfd', 'futex', 'pipe']) {
      const setup = await w.send(`setup ${JSON.stringify({ mechanism, test: 'IPC1', pairs: 2 })}`);
      const [client, server] = setup.detail.pids as number[]; // fork order: client, server per pair
      process.kill(client!, 'SIGKILL');
      let waited = 0;
      while (alive(server!) && waited < 5000) {
        await new Promise((r) => setTimeout(r, 20));
        waited += 20;
      }
      assert.equal(alive(server!), false, `${mechanism}: server still waits for its dead client`);
      assert.match((await w.send('run 10')).error, /gone|closed|exited/, mechanism);
    }
    await w.send('teardown');
  });

  it('fails a run whose server died (no hang) and stays usable, for every mechanism', async () => {
    for (const mechanism of BASELINES.filter((m) => m !== 'memcpy')) {
      const setup = await w.send(`setup ${JSON.stringify({ mechanism, test: 'IPC1' })}`);
      const [server] = setup.detail.pids as number[];
      process.kill(server!, 'SIGKILL');
      const run = await w.send('run 1000');
      assert.equal(run.ok, false, mechanism);
      assert.ok(run.error.length > 0, mechanism);
      assert.deepEqual(await w.send('teardown'), { ok: true });
      assert.equal((await w.send(`setup ${JSON.stringify({ mechanism, test: 'IPC1' })}`)).ok, true, mechanism);
      assert.equal((await w.send('run 10')).ok, true, mechanism);
    }
    await w.send('teardown');
  });

  // The race behind a CI hang: the server took the request and died before answering. A stopped
  // server makes it certain: the worker is then waiting for a reply that has no EOF (a datagram).
  it('fails a run whose server dies while the worker waits for its reply, for every mechanism', { timeout: 60_000 }, async () => {
    for (const mechanism of BASELINES.filter((m) => m !== 'memcpy')) {
      const setup = await w.send(`setup ${JSON.stringify({ mechanism, test: 'IPC1' })}`);
      const [server] = setup.detail.pids as number[];
      process.kill(server!, 'SIGSTOP');
      const run = w.send('run 1000');
      await new Promise((resolve) => setTimeout(resolve, 50));
      process.kill(server!, 'SIGKILL');
      const answer = await run;
      assert.equal(answer.ok, false, mechanism);
      assert.match(answer.error, /gone|closed|killed|exited|reset|refused/, `${mechanism}: ${answer.error}`);
      assert.deepEqual(await w.send('teardown'), { ok: true });
    }
  });

  it('reports a message size it cannot carry as skipped, not as an error', async () => {
    const setup = await w.send(`setup ${JSON.stringify({ mechanism: 'posix-mq', test: 'IPC1', size: 1 << 20 })}`);
    assert.equal(setup.skipped, true);
    assert.match(setup.reason, /msgsize_max/);
  });

  it('answers bad commands with an error naming the problem and stays usable', async () => {
    const bad: Array<[string, RegExp]> = [
      ['bogus', /unknown command/],
      ['run 10', /no case is set up/],
      ['selftest smoke-signals', /unknown mechanism/],
      ['setup not json', /expected a JSON object/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'IPC1', colour: 'red' })}`, /unknown field 'colour'/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'IPC9' })}`, /field 'test'/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'IPC1', size: -1 })}`, /field 'size'/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'IPC1', placement: 'moon' })}`, /field 'placement'/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'IPC1', cpus: [0, 4000] , placement: 'cross-cpu'})}`, /field 'cpus'/],
      [`setup ${JSON.stringify({ mechanism: 'smoke-signals', test: 'IPC1' })}`, /field 'mechanism'/],
      [`setup ${JSON.stringify({ test: 'IPC1' })}`, /missing field 'mechanism'/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'COPY1', copy_mode: 'fast' })}`, /field 'copy_mode'/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'IPC1', copy_mode: 'stream' })}`, /field 'copy_mode'.*COPY1\/COPY2 only/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'COPY1', burst: 8 })}`, /field 'burst'.*stream/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'COPY1', copy_mode: 'stream', burst: 1 })}`, /field 'burst'.*2\.\.4096/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'COPY1', copy_mode: 'stream', burst: 4097 })}`, /field 'burst'/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'COPY1', copy_mode: 'stream', burst: 2.5 })}`, /field 'burst'/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'COPY1', src_offset: 4096 })}`, /field 'src_offset'.*0\.\.4095/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'COPY2', dst_offset: -1 })}`, /field 'dst_offset'/],
      [`setup ${JSON.stringify({ mechanism: 'pipe', test: 'IPC2', dst_offset: 8 })}`, /field 'dst_offset'.*COPY1\/COPY2 only/],
    ];
    for (const [command, error] of bad) {
      const answer = await w.send(command);
      assert.equal(answer.ok, false, command);
      assert.match(answer.error, error, command);
      assert.deepEqual(childrenOf(w.pid), [], `${command}: nothing was started`);
    }
    assert.equal((await w.send(`setup ${JSON.stringify({ mechanism: 'pipe', test: 'IPC1' })}`)).ok, true);
    assert.match((await w.send('run 0')).error, /positive integer/);
    assert.equal((await w.send('run 10')).ok, true);
    assert.deepEqual(await w.send('teardown'), { ok: true });
  });

  it('passes the content self-test for every baseline mechanism, COPY in both copy modes', async () => {
    for (const mechanism of BASELINES) {
      const answer = await w.send(`selftest ${mechanism}`);
      assert.deepEqual(answer.failures, [], mechanism);
      assert.equal(answer.ok, true, mechanism);
      // memcpy has no IPC tests; slot mechanisms skip stream (COPY1 and COPY2)
      const skipped = (mechanism === 'memcpy' ? 3 : 0) + (NO_STREAM.includes(mechanism) ? 2 : 0);
      assert.deepEqual([answer.checked, answer.skipped], [SELFTEST_CASES - skipped, skipped], mechanism);
    }
  });

  it('passes the content self-test for m3-sim, and for m3-kmod where /dev/m3ipc is (else skips it, saying why)', async () => {
    const sim = await w.send('selftest m3-sim');
    assert.deepEqual(sim, { ok: true, checked: SELFTEST_CASES, skipped: 0, failures: [] });
    const kmod = await w.send('selftest m3-kmod');
    assert.deepEqual(kmod, { ok: true, checked: KMOD ? SELFTEST_CASES : 0, skipped: KMOD ? 0 : SELFTEST_CASES, failures: [] });
    if (!KMOD) {
      const setup = await w.send(`setup ${JSON.stringify({ mechanism: 'm3-kmod', test: 'COPY1' })}`);
      assert.equal(setup.skipped, true);
      assert.match(setup.reason, /\/dev\/m3ipc is absent/);
    }
  });

  it('rounds a stream run up to whole bursts and says how many blocks it timed', async () => {
    for (const mechanism of ['pipe', 'pvm', 'memcpy', 'm3-sim']) {
      for (const test of ['COPY1', 'COPY2']) {
        const where = `${mechanism} ${test}`;
        const setup = await w.send(`setup ${JSON.stringify({ mechanism, test, copy_mode: 'stream', burst: 8, src_offset: 3, dst_offset: 4093 })}`);
        assert.equal(setup.ok, true, `${where}: ${JSON.stringify(setup)}`);
        assert.deepEqual([setup.detail.copy_mode, setup.detail.burst, setup.detail.src_offset, setup.detail.dst_offset], ['stream', 8, 3, 4093], where);
        for (const [n, timed] of [[1, 8], [9, 16], [16, 16]]) assert.equal((await w.send(`run ${n}`)).iterations, timed, `${where} run ${n}`);
      }
    }
    const pairs = await w.send(`setup ${JSON.stringify({ mechanism: 'pipe', test: 'COPY1', copy_mode: 'stream', burst: 4, pairs: 2, placement: 'unpinned' })}`);
    assert.equal(pairs.ok, true, JSON.stringify(pairs));
    assert.equal((await w.send('run 5')).iterations, 16); // 2 bursts of 4 per pair, 2 pairs
    const sync = await w.send(`setup ${JSON.stringify({ mechanism: 'pipe', test: 'COPY1' })}`);
    assert.equal(sync.detail.copy_mode, 'sync');
    assert.equal(sync.detail.burst, undefined);
    assert.equal((await w.send('run 5')).iterations, 5);
    await w.send('teardown');
  });

  it('copies verified 1 MiB blocks at odd offsets in both copy modes, or skips them with the limit that forbids them', { timeout: 120_000 }, async () => {
    const limits = /msgsize_max|kernel\.msgmax|kernel\.msgmnb|wmem_max|one shared-memory slot|\/dev\/m3ipc is absent/;
    for (const mechanism of [...BASELINES, 'm3-sim', 'm3-kmod']) {
      for (const test of ['COPY1', 'COPY2']) {
        for (const mode of ['sync', 'stream']) {
          const where = `${mechanism} ${test} ${mode}`;
          const fields = { mechanism, test, size: 1 << 20, src_offset: 4095, dst_offset: 1, verify: true, copy_mode: mode, ...(mode === 'stream' ? { burst: 2 } : {}) };
          const setup = await w.send(`setup ${JSON.stringify(fields)}`);
          if (setup.skipped) {
            assert.match(setup.reason, limits, where);
            continue;
          }
          assert.equal(setup.ok, true, `${where}: ${JSON.stringify(setup)}`);
          const run = await w.send('run 4');
          assert.deepEqual([run.ok, run.iterations], [true, 4], `${where}: ${JSON.stringify(run)}`);
        }
      }
    }
    await w.send('teardown');
  });
});

describe('native worker content check', { skip: !workerBuilt && 'native/build/m3worker is not built' }, () => {
  // What must fail under one flipped byte per message: every case that carries content, COPY in
  // each copy mode the mechanism has (IPC3 carries none where it is a bare notify).
  const damaged: Record<string, string[]> = {
    pipe: ['IPC1', 'IPC2', 'IPC3', 'COPY1 sync', 'COPY1 stream', 'COPY2 sync', 'COPY2 stream'],
    futex: ['IPC1', 'IPC2', 'COPY1 sync', 'COPY2 sync'],
    pvm: ['IPC1', 'IPC2', 'IPC3', 'COPY1 sync', 'COPY1 stream', 'COPY2 sync', 'COPY2 stream'],
    memcpy: ['COPY1 sync', 'COPY1 stream', 'COPY2 sync', 'COPY2 stream'],
    'm3-sim': ['IPC1', 'IPC2', 'COPY1 sync', 'COPY1 stream', 'COPY2 sync', 'COPY2 stream'],
  };
  if (KMOD) damaged['m3-kmod'] = damaged['m3-sim']!;
  for (const [mechanism, cases] of Object.entries(damaged)) {
    it(`fails the self-test when ${mechanism} delivers damaged bytes, in every case that carries content`, async () => {
      const w = new WorkerClient({ M3BENCH_CORRUPT: mechanism });
      await w.next();
      const answer = await w.send(`selftest ${mechanism}`);
      await w.quit();
      assert.equal(answer.ok, false);
      const failed = answer.failures.map((f: string) => /^\S+ (\S+(?: sync| stream)?):/.exec(f)![1]);
      assert.deepEqual(failed, cases, answer.failures.join('\n'));
      for (const f of answer.failures) assert.match(f, /content check failed/);
    });
  }
});

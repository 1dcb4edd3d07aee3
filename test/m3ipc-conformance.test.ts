// The M3-IPC conformance suite (m3ipc/tests, run by m3ipc/build/m3ipc-conformance) against the
// simulator backend: every test passes and no shm segment of the run is left behind. Also the
// status view (`m3bench m3 status`) against a live m3-sim case of the native worker.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { readM3Status } from '../src/cli/m3.ts';
import { WorkerClient, workerBuilt } from './native-worker-client.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SUITE = path.join(ROOT, 'm3ipc', 'build', 'm3ipc-conformance');
const built = existsSync(SUITE);

const segmentsOf = (ns: string) => readdirSync('/dev/shm').filter((f) => f.startsWith(`m3ipc.${ns}.`));

describe('m3ipc conformance suite', { skip: !built && 'run npm run build first' }, () => {
  it('passes every test on the sim backend and leaks no shm segment', async () => {
    const ns = `t${process.pid}`;
    const r = await execa(SUITE, ['--backend', 'sim'], { env: { M3IPC_NS: ns }, reject: false, timeout: 600_000 });
    const lines = r.stdout.trim().split('\n');
    const failed = lines.filter((l) => l.startsWith('FAIL'));
    assert.deepEqual(failed, [], `${failed.join('\n')}\n${r.stderr}`);
    const summary = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(lines.at(-1) ?? '');
    assert.ok(summary, `no summary line in:\n${r.stdout}`);
    assert.equal(Number(summary[1]), lines.filter((l) => l.startsWith('ok ')).length);
    assert.equal(Number(summary[2]), 0);
    // A case that cannot run on the simulator says so; it is never counted as passed.
    assert.equal(Number(summary[3]), lines.filter((l) => l.startsWith('skip ')).length);
    assert.ok(lines.some((l) => l.startsWith('skip getep_inside_a_pid_namespace: ')), r.stdout);
    for (const name of ['dead_server_while_blocked_in_sendrec_killed', 'timeouts_zero_and_bounded', 'vcopy_by_a_third_process',
      'notify_to_a_sendrec_caller_waits_for_its_next_receive', 'thread_exit_unbinds', 'no_shm_segment_leaked'])
      assert.ok(lines.includes(`ok   ${name}`), `${name} did not run`);
    assert.equal(r.exitCode, 0);
    assert.deepEqual(segmentsOf(ns), []);
  });

  it('fails with a reason, not a pass, when the backend is unavailable', async () => {
    const r = await execa(SUITE, ['--backend', 'no-such-backend'], { env: { M3IPC_NS: `u${process.pid}` }, reject: false });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /backend unknown or not available/);
  });

  it('runs only the selected tests with --filter', async () => {
    const ns = `f${process.pid}`;
    const r = await execa(SUITE, ['--backend', 'sim', '--filter', 'notify'], { env: { M3IPC_NS: ns }, reject: false });
    const names = r.stdout.trim().split('\n').filter((l) => l.startsWith('ok ')).map((l) => l.slice(5));
    assert.ok(names.length >= 3);
    assert.ok(names.every((n) => n.includes('notify') || n === 'no_shm_segment_leaked'), names.join(','));
    assert.deepEqual(segmentsOf(ns), []);
  });

  it('refuses a --filter that matches no test (an empty run is not a pass)', async () => {
    const r = await execa(SUITE, ['--backend', 'sim', '--filter', 'no-test-is-called-this'], { env: { M3IPC_NS: `e${process.pid}` }, reject: false });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /matches no test/);
    assert.equal(r.stdout, '');
  });
});

describe('m3 status', { skip: !(built && workerBuilt) && 'run npm run build first' }, () => {
  it('lists the VM and endpoints of a live m3-sim case, and nothing after teardown', async () => {
    const w = new WorkerClient();
    try {
      await w.next(); // hello
      const setup = await w.send('setup {"mechanism":"m3-sim","test":"IPC2","placement":"unpinned"}');
      assert.equal(setup.ok, true, JSON.stringify(setup));
      assert.equal(setup.detail.sizeof_message > 0, true);
      const run = await w.send('run 100');
      assert.equal(run.ok, true, JSON.stringify(run));
      const mine = (await readM3Status()).vms.filter((v) => v.segment.startsWith(`m3ipc.${w.pid}.`));
      assert.equal(mine.length, 1);
      assert.equal(mine[0].alive, true);
      assert.equal(mine[0].endpoints.length, 2);
      assert.ok(mine[0].endpoints.every((e) => e.alive));
      const total = mine[0].endpoints.reduce((n, e) => n + e.sent, 0);
      assert.ok(total >= 200, `counters show ${total} messages for 100 round trips`);
      assert.equal((await w.send('teardown')).ok, true);
      assert.deepEqual(segmentsOf(String(w.pid)), []);
    } finally {
      await w.quit();
    }
  });
});

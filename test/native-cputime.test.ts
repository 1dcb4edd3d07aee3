// The native worker's CPU time per batch (`run N` → cpu_ns, cpu_ns_by_role; docs/protocol.md).
// Asserted are invariants that hold however loaded this shared machine is: every process of the
// case is counted (each role > 0, the roles add up), and no process or placement gets more CPU than
// it has CPUs for (a single-threaded process at most one CPU, a same-cpu case at most that one CPU,
// any case at most ncpus), with a slack for the few system calls by which the CPU readings enclose
// the timed window. How busy a spinning mechanism is depends on what else runs here, so it is
// reported (diagnostic), not asserted. Needs `npm run build`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Answer, WorkerClient, workerBuilt } from './native-worker-client.ts';

const N = 50_000;
/** CPU readings enclose the timed window by a signal round trip to each child: far less than this. */
const SLACK_NS = 1e6;
const within = (cpuNs: number, cpus: number, ns: number) => cpuNs <= cpus * ns * 1.05 + SLACK_NS;

describe('native worker CPU time', { skip: !workerBuilt && 'native/build/m3worker is not built' }, () => {
  let w: WorkerClient;
  let ncpus: number;

  before(async () => {
    w = new WorkerClient();
    ncpus = (await w.next()).ncpus;
  });
  after(() => w.quit());

  async function run(setup: Record<string, unknown>, n = N): Promise<Answer> {
    const s = await w.send(`setup ${JSON.stringify(setup)}`);
    assert.equal(s.ok, true, JSON.stringify(s));
    const r = await w.send(`run ${n}`);
    assert.deepEqual(await w.send('teardown'), { ok: true });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.ok(Number.isInteger(r.cpu_ns) && r.cpu_ns > 0, `cpu_ns: ${JSON.stringify(r)}`);
    const roles = r.cpu_ns_by_role as Record<string, number>;
    assert.equal(Object.values(roles).reduce((a, b) => a + b, 0), r.cpu_ns, 'the roles add up to cpu_ns');
    for (const [role, ns] of Object.entries(roles)) assert.ok(ns > 0, `${role} spent no CPU: ${JSON.stringify(r)}`);
    assert.ok(within(r.cpu_ns, ncpus, r.ns), `more CPU than ${ncpus} CPUs: ${JSON.stringify(r)}`);
    return r;
  }

  it('counts the client and the server of one pair; a same-cpu case gets at most its one CPU', async (t) => {
    const r = await run({ mechanism: 'pipe', test: 'IPC2', placement: 'same-cpu' });
    assert.deepEqual(Object.keys(r.cpu_ns_by_role).sort(), ['client', 'server']);
    assert.ok(within(r.cpu_ns, 1, r.ns), `a same-cpu case on more than one CPU: ${JSON.stringify(r)}`);
    t.diagnostic(`pipe same-cpu: busy CPUs ${(r.cpu_ns / r.ns).toFixed(2)}`);
  });

  it('a spinning mechanism across CPUs: each single-threaded process at most one CPU', async (t) => {
    if (ncpus < 2) return t.skip('cross-cpu needs two CPUs');
    const r = await run({ mechanism: 'futex', test: 'IPC2', placement: 'cross-cpu' });
    for (const [role, ns] of Object.entries(r.cpu_ns_by_role as Record<string, number>)) {
      assert.ok(within(ns, 1, r.ns), `${role} on more than one CPU: ${JSON.stringify(r)}`);
    }
    t.diagnostic(`futex cross-cpu: busy CPUs ${(r.cpu_ns / r.ns).toFixed(2)} (about 2 when both sides spin on an idle machine)`);
  });

  it('counts the waiting worker, every forked client and every server of P pairs', async () => {
    const r = await run({ mechanism: 'pipe', test: 'IPC1', placement: 'unpinned', pairs: 2 }, 20_000);
    assert.equal(r.iterations, 40_000);
    assert.deepEqual(Object.keys(r.cpu_ns_by_role).sort(), ['client', 'server', 'worker']);
  });

  it("counts COPY2's requester, A and B", async () => {
    const r = await run({ mechanism: 'pipe', test: 'COPY2', placement: 'same-cpu' }, 5_000);
    assert.deepEqual(Object.keys(r.cpu_ns_by_role).sort(), ['a', 'b', 'client']);
    assert.ok(within(r.cpu_ns, 1, r.ns), `a same-cpu case on more than one CPU: ${JSON.stringify(r)}`);
  });

  it('a process-local mechanism is the worker alone', async () => {
    const r = await run({ mechanism: 'memcpy', test: 'COPY1', placement: 'same-cpu' }, 20_000);
    assert.deepEqual(Object.keys(r.cpu_ns_by_role), ['client']);
    assert.ok(within(r.cpu_ns, 1, r.ns));
  });
});

// The VM target's transport (runners/targets/vm/index.ts): the worker line protocol to m3worker inside
// the VM, the same Worker driver as locally. After the worker quits, the guest removes the module
// and powers off; no qemu may be left. Skipped only where qemu or the packaged kernel cannot be
// installed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { VmUnavailableError } from '../runners/targets/vm/artifacts.ts';
import { startVmTransport, type VmTransport } from '../runners/targets/vm/index.ts';
import { Worker } from '../runners/ipc/worker.ts';

const qemuWorkers = () =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('m3mode=worker'));

async function open(shutdownTimeoutMs?: number): Promise<VmTransport | string> {
  try {
    return await startVmTransport({ timeoutS: 300, shutdownTimeoutMs });
  } catch (err) {
    if (err instanceof VmUnavailableError) return err.message;
    throw err;
  }
}

describe('VM worker transport', () => {
  it('carries the worker protocol into the VM and cleans up after itself', async (t) => {
    const transport = await open();
    if (typeof transport === 'string') return t.skip(transport);
    let kmodSkip: string | undefined;
    try {
      assert.deepEqual(transport.describe(), {
        kernel: transport.describe().kernel,
        emulated: process.env.M3BENCH_VM_ACCEL !== 'kvm',
        ncpus: 2,
        memoryBytes: 512 * 2 ** 20,
        cmdline: 'console=ttyS0 panic=-1 quiet m3mode=worker',
      });
      assert.match(transport.describe().kernel, /^\d+\.\d+\.\d+-\d+-amd64$/);
      const worker = await Worker.start(transport);
      const names = (await worker.list()).map((m) => m.name);
      assert.ok(names.includes('pipe'), `mechanisms in the VM: ${names.join(' ')}`);

      // A baseline works unchanged through the serial transport.
      const pipe = await worker.setup({ mechanism: 'pipe', test: 'IPC2', size: 36, placement: 'same-cpu', pairs: 1, spin: 1000 });
      assert.equal(pipe.kind, 'ready');
      const batch = await worker.run(50);
      assert.equal(batch.iterations, 50);
      assert.ok(batch.ns > 0);

      // The module's own mechanism, when the worker has it: its messages must show in /proc/m3ipc.
      if (names.includes('m3-kmod')) {
        const kmod = await worker.setup({ mechanism: 'm3-kmod', test: 'IPC2', size: 36, placement: 'same-cpu', pairs: 1, spin: 1000 });
        assert.equal(kmod.kind, 'ready', JSON.stringify(kmod));
        assert.equal((await worker.run(100)).iterations, 100);
      } else {
        kmodSkip = 'the worker has no m3-kmod mechanism yet';
      }
      await worker.quit();
    } finally {
      await transport.close();
    }
    const report = transport.guestReport();
    assert.equal(report.steps.insmod, 0);
    assert.ok(report.notes.includes('worker exit rc=0'), report.notes.join(' | '));
    assert.equal(report.steps.dmesg, 0, (report.output.dmesg ?? []).join('\n'));
    assert.equal(report.steps.rmmod, 0, 'the module did not unload after the run');
    assert.equal(report.done, true);
    if (kmodSkip) t.diagnostic(kmodSkip);
    else assert.match((report.output.proc ?? [])[0] ?? '', /sent=[1-9]\d{2,}/, 'm3-kmod round trips are not counted in /proc/m3ipc');
    assert.deepEqual(qemuWorkers(), []);
  });

  it('kills qemu when the guest does not power off in time', async (t) => {
    // 1 ms: a guest that ends its run (rmmod, dmesg, report, power off) within 500 ms was seen on a
    // fast machine; within a millisecond of the close none can.
    const transport = await open(1);
    if (typeof transport === 'string') return t.skip(transport);
    // Closed before the worker could even read its "quit": the guest cannot have finished.
    await transport.close();
    assert.equal(transport.guestReport().done, false);
    assert.deepEqual(qemuWorkers(), []);
  });
});

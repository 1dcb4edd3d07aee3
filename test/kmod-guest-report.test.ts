// The parser of what the VM's /init reports on its console (runners/targets/vm/guest-report.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGuestReport } from '../runners/targets/vm/guest-report.ts';

const CONSOLE = [
  '\u001b[?7l\u001b[2JM3VM: kernel 6.1.0-56-amd64 ncpus 2',
  'M3VM: begin insmod',
  'M3VM: step insmod rc=0\r',
  '[    2.1] some kernel line',
  'M3VM: missing m3ipc-conformance',
  'M3VM: [fuzz] fuzz: calls=100005 accepted=9171',
  'M3VM: step fuzz rc=1',
  'M3VM: [proc] initialised=1 sent=4 received=4',
  'M3VM: step rmmod rc=0',
  'M3VM: done',
].join('\n');

describe('guest report', () => {
  it('collects step exit codes, step output, notes and the kernel', () => {
    const r = parseGuestReport(CONSOLE);
    assert.equal(r.kernel, '6.1.0-56-amd64');
    assert.deepEqual(r.steps, { insmod: 0, fuzz: 1, rmmod: 0 });
    assert.deepEqual(r.output.fuzz, ['fuzz: calls=100005 accepted=9171']);
    assert.deepEqual(r.output.proc, ['initialised=1 sent=4 received=4']);
    assert.deepEqual(r.notes, ['missing m3ipc-conformance']);
    assert.equal(r.done, true);
  });

  it('does not claim completion when the guest stopped early', () => {
    const r = parseGuestReport('M3VM: kernel 6.1.0-56-amd64 ncpus 2\nM3VM: begin insmod\nKernel panic');
    assert.equal(r.done, false);
    assert.deepEqual(r.steps, {});
  });
});

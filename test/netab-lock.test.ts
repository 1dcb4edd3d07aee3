// The host-wide knob lock: one run at a time, a dead holder's lock is taken over, a live one waited for.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { acquireGlobalLock, touchesHost } from '../runners/kernel/global-lock.ts';
import { loadProfile } from '../suites/profile.ts';

const lock = path.join(mkdtempSync(path.join(tmpdir(), 'netab-lock-')), 'lock');
const never = new AbortController().signal;

it('holds, refuses a second holder while alive, takes over a dead one', async () => {
  const release = await acquireGlobalLock(0, never, lock);
  assert.equal(readFileSync(lock, 'utf8'), String(process.pid));
  await assert.rejects(acquireGlobalLock(300, never, lock), new RegExp(`pid ${process.pid}`));
  release();
  assert.equal(existsSync(lock), false);
  writeFileSync(lock, '999999999'); // no such pid: a run killed with -9
  (await acquireGlobalLock(0, never, lock))();
});

it('only profiles that change host-wide state take it', async () => {
  assert.equal(touchesHost(await loadProfile('A-lab')), true);
  const b = await loadProfile('B');
  assert.equal(touchesHost({ ...b, knobs: b.knobs.filter((k) => k.kind !== 'irq-affinity') }), false);
  assert.equal(touchesHost({ ...b, knobs: [{ kind: 'sysctl', scope: 'global', netns: 'rx', key: 'net.core.netdev_budget', value: '1' }] }), true);
});

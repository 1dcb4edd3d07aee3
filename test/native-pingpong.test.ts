// The reference ping-pong (native/build/pingpong), the control of the fidelity benchmark.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const PINGPONG = path.join(fileURLToPath(new URL('..', import.meta.url)), 'native', 'build', 'pingpong');

describe('reference pingpong', { skip: !existsSync(PINGPONG) && 'native/build/pingpong is not built' }, () => {
  for (const mechanism of ['pipe', 'unix-stream', 'tcp']) {
    it(`prints the mean ns per round trip for ${mechanism}`, () => {
      const r = spawnSync(PINGPONG, [mechanism, 'same-cpu', '1000'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^\d+(\.\d+)?\n$/);
      assert.ok(Number(r.stdout) > 0);
    });
  }

  it('rejects an unknown mechanism, placement or count with usage exit code 2', () => {
    for (const args of [['smoke', 'same-cpu', '10'], ['pipe', 'moon', '10'], ['pipe', 'same-cpu', '0'], ['pipe']]) {
      const r = spawnSync(PINGPONG, args, { encoding: 'utf8' });
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stdout, '');
    }
  });
});

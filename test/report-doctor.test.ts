// `m3bench doctor --json`: names every area it checks and leaves no network namespace behind.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';

const ROOT = path.resolve(import.meta.dirname, '..');

test('doctor reports every area with a level and a reason, and cleans up its netns probe', async () => {
  const r = await execa('node', ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'doctor', '--json'], { cwd: ROOT, reject: false });
  assert.equal(r.exitCode, 0, r.stderr);
  const findings = JSON.parse(r.stdout) as Array<{ area: string; level: string; detail: string }>;
  const areas = findings.map((f) => f.area);
  for (const a of ['CPUs', 'placement cross-cpu', 'perf', 'root', 'sysstat', 'netns/veth', 'm3ipc module', 'VM target', 'Node', 'gcc', 'idle machine']) {
    assert.ok(areas.includes(a), `doctor checks ${a}`);
  }
  for (const f of findings) {
    assert.ok(['ok', 'warn', 'no'].includes(f.level), `${f.area}: level ${f.level}`);
    assert.ok(f.detail.length > 0, `${f.area} says why`);
  }
  assert.equal(findings.find((f) => f.area === 'Node')?.detail, process.version);
  const netns = await execa('ip', ['netns', 'list'], { reject: false });
  assert.ok(!String(netns.stdout).includes('m3bench-doctor-'), 'the probe namespace is deleted');
});

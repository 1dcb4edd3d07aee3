// A run over kernel configurations on the VM target, end to end through the CLI: each
// configuration boots its own guest, is verified from what that kernel shows, and only then
// measured; a misspelt parameter makes its configuration `not applied` with nothing measured under
// it. Skipped (with the reason) where the VM cannot be had here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it, type TestContext } from 'node:test';
import { readManifest, readResultLines } from '../core/run-dir.ts';
import { prepareVm, VmUnavailableError } from '../runners/targets/vm/artifacts.ts';
import { REPO_ROOT } from '../core/paths.ts';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'm3cfgvm-'));
const out = path.join(dir, 'run');
let unavailable: string | undefined;
let cli: { stdout: string; stderr: string } | undefined;

function needVm(t: TestContext): void {
  if (unavailable) t.skip(unavailable);
}

describe('kernel configurations on the VM target', { timeout: 900_000 }, () => {
  before(async () => {
    try {
      await prepareVm();
    } catch (err) {
      if (err instanceof VmUnavailableError) return void (unavailable = err.message);
      throw err;
    }
    const set = path.join(dir, 'set.json');
    writeFileSync(set, JSON.stringify({
      configurations: [
        { name: 'isolated', cmdline: ['isolcpus=1', 'nohz_full=1', 'irqaffinity=0', 'rcu_nocbs=1'], sysctls: { 'kernel.sched_autogroup_enabled': 0 } },
        { name: 'misspelt', cmdline: ['isolcpu=1'] },
      ],
    }));
    cli = await run('npx', ['tsx', 'src/cli.ts', 'run', '--suite', 'smoke', '--mechanism', 'm3-kmod', '--mechanism', 'pipe', '--test', 'IPC2', '--target', 'vm', '--config-set', set, '--out', out, '--no-report'], { cwd: REPO_ROOT, timeout: 880_000 });
  });

  it('verifies the isolation configuration from the booted kernel, then measures under it', (t) => {
    needVm(t);
    const records = readManifest(out).configurations ?? [];
    const iso = records.find((r) => r.name === 'isolated');
    assert.ok(iso, `manifest configurations: ${JSON.stringify(records)}`);
    assert.equal(iso.status, 'verified', iso.reasons.join('; '));
    assert.equal(iso.observed?.isolated, '1');
    assert.equal(iso.observed?.nohzFull, '1');
    assert.equal(iso.observed?.defaultIrqAffinity, '1');
    assert.match(iso.observed?.cmdline ?? '', /isolcpus=1 nohz_full=1 irqaffinity=0 rcu_nocbs=1 sysctl\.kernel\.sched_autogroup_enabled=0/);
    assert.ok(iso.checks.some((c) => c.what.startsWith('rcu_nocbs=1') && c.found.startsWith('kernel log')), 'rcu_nocbs checked in the log');
    const measured = readResultLines(out).filter((r) => r.case.config === 'isolated');
    assert.equal(new Set(measured.map((r) => r.case.id)).size, 2, 'm3-kmod and pipe, each in every round');
    for (const r of measured) {
      assert.equal(r.status, 'ok', `${r.case.id}: ${r.reason ?? ''}`);
      assert.match(r.case.id, /~isolated$/);
    }
  });

  it('reports a misspelt parameter as not applied and measures nothing under it', (t) => {
    needVm(t);
    const bad = (readManifest(out).configurations ?? []).find((r) => r.name === 'misspelt');
    assert.equal(bad?.status, 'not applied');
    assert.match(bad?.reasons.join('; ') ?? '', /isolcpu=1 known to the kernel.*Unknown kernel command line parameters/);
    const lines = readResultLines(out).filter((r) => r.case.config === 'misspelt');
    assert.equal(lines.length, 2);
    for (const r of lines) {
      assert.equal(r.status, 'skipped');
      assert.match(r.reason ?? '', /configuration misspelt not applied on vm/);
      assert.equal(r.stats, undefined, 'nothing measured');
    }
    assert.match(cli?.stderr ?? '', /configuration misspelt not applied/);
  });
});

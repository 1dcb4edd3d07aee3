// The two-guest rig (runners/targets/rig/) for a test file: booted once before its tests, stopped
// after them. Without root, or when qemu, the kernel or dropbear cannot be had, `unavailable` says
// why and the tests skip with it. killMidStreamAndRestore: tests A/B's kill -9 + `m3bench restore`.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { execa } from 'execa';
import { REPO_ROOT } from '../core/paths.ts';
import { knobJournalOf } from '../runners/targets/host-journal.ts';
import { KernelUnavailableError } from '../runners/targets/debian/kernels.ts';
import { startRig, type Rig } from '../runners/targets/rig/rig.ts';

export interface RigFixture {
  rig?: Rig;
  unavailable?: string;
}

export interface RigFixtureOptions {
  /** Guests to boot (default 2). */
  guests?: number;
  /** Guest kernel, as startRig's (e.g. '7.2'; default bookworm's 6.1). */
  kernel?: string;
  /** Runs before the rig boots, e.g. to fetch another kernel; a RigUnavailableError or KernelUnavailableError it throws skips the tests. */
  prepare?: () => Promise<void>;
  /** Runs once the rig has stopped (e.g. to check that nothing of it is left). */
  afterStop?: (stopped: Rig) => void;
}

export function useRig(opts: RigFixtureOptions = {}): RigFixture {
  const fixture: RigFixture = {};
  before(async () => {
    if (process.getuid?.() !== 0) {
      fixture.unavailable = 'needs root (the rig installs qemu and dropbear)';
      return;
    }
    try {
      await opts.prepare?.();
      fixture.rig = await startRig({ guests: opts.guests, kernel: opts.kernel });
    } catch (err) {
      // RigUnavailableError is one (rig.ts), as is vm/artifacts.ts' VmUnavailableError.
      if (err instanceof KernelUnavailableError) fixture.unavailable = err.message;
      else throw err;
    }
  });
  after(async () => {
    await fixture.rig?.stop();
    if (fixture.rig) opts.afterStop?.(fixture.rig);
  });
  return fixture;
}

export interface KilledRun {
  pid: number;
  /** Its knob journal of the receiver (kept here for `m3bench restore`). */
  journal: string;
  restore: { stdout: string; stderr: string };
  /** restore's FAILED lines about this run (a dead run of someone else may fail; it is not judged). */
  failed: string[];
}

/**
 * `m3bench run --suite SUITE` from `sender` into `receiver` on the rig, killed with -9 once
 * `midStream(journal text)` says the stream is running, then `m3bench restore`. `afterKill` runs
 * between the two, to see what the dead run left.
 */
export async function killMidStreamAndRestore(
  rig: Rig,
  o: { suite: string; receiver: string; sender: string; out: string; midStream: (journal: string) => Promise<boolean>; afterKill: () => Promise<void> },
): Promise<KilledRun> {
  const cli = ['--import', 'tsx', path.join(REPO_ROOT, 'src', 'cli.ts')];
  const victim = execa('node', [...cli, 'run', '--suite', o.suite, '--target', o.receiver, '--sender', o.sender, '--ssh-config', rig.sshConfig, '--out', o.out, '--no-report'], { cwd: REPO_ROOT, reject: false });
  const journal = knobJournalOf(o.receiver, victim.pid!);
  const deadline = Date.now() + 300_000;
  while (!(existsSync(journal) && (await o.midStream(readFileSync(journal, 'utf8'))))) {
    assert.ok(victim.exitCode === null && Date.now() < deadline, `the run never streamed: ${(await Promise.race([victim, Promise.resolve(null)]))?.stderr ?? ''}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  victim.kill('SIGKILL');
  await victim;
  await o.afterKill();
  const restore = await execa('node', [...cli, 'restore'], { cwd: REPO_ROOT, reject: false, timeout: 300_000 });
  const failed = restore.stderr.split('\n').filter((l) => l.startsWith('FAILED') && l.includes(`(run ${victim.pid})`));
  return { pid: victim.pid!, journal, restore, failed };
}

/**
 * A tests-A/B suite file in `dir` for the rig: counters only, one 20 Mbit/s flow into the
 * receiver's eth1, sampled at the window's ends; `extra` adds or overrides fields.
 */
export function rigSuite(dir: string, name: string, profiles: string[], duration: number, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ kind: 'net-ab', name, profiles, repetitions: ['counters'], flows: 1, rateMbit: 20, duration, sampleIntervalMs: 600000, nics: ['eth1'], ...extra }));
  return file;
}

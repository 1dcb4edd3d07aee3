// The two-guest rig (runners/targets/rig/) for a test file: booted once before its tests, stopped
// after them. Without root, or when qemu, the kernel or dropbear cannot be had, `unavailable` says
// why and the tests skip with it.
import { after, before } from 'node:test';
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

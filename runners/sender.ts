// The sender of tests A/B across two machines (`m3bench run --target RECEIVER --sender SENDER`): a
// target of its own that runs the paced stream's sending side against the receiver's NICs. Opened
// once per run beside the measured target (an unreachable sender fails the run before anything is
// measured), recorded in the manifest with its fingerprint, closed at the end.
import type { Target, TargetDescription, TargetFingerprint } from '../core/target.ts';
import type { TargetName } from '../core/types.ts';
import { ConfigError } from '../core/config-error.ts';
import { openTarget, type TargetOptions } from './targets/index.ts';

export interface OpenedSender {
  target: Target;
  entry: TargetDescription & { fingerprint: TargetFingerprint };
}

export async function openSender(name: TargetName, receivers: TargetName[], opts: TargetOptions): Promise<OpenedSender> {
  if (receivers.includes(name)) throw new ConfigError([`--sender ${name}: the sender must be another machine than the receiver (--target)`]);
  // One stream per pair: two receivers would share the sender's port, rate and CPU.
  if (receivers.length !== 1) throw new ConfigError([`--sender ${name}: give exactly one receiver (--target), not ${receivers.length}`]);
  const target = await openTarget(name, opts);
  try {
    return { target, entry: { ...(await target.describe()), fingerprint: await target.fingerprint() } };
  } catch (err) {
    await target.close().catch(() => {});
    throw new Error(`sender ${name}: ${(err as Error).message}`, { cause: err });
  }
}

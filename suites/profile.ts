// A kernel-configuration profile is data (config/profiles/*.json): a topology to run over, where
// the workload runs, and a list of knobs, each with its scope and value. This module validates and
// loads profiles; apply.ts applies them.
import path from 'node:path';
import { z } from 'zod';
import { PROFILE_DIR } from '../core/paths.ts';
import { ConfigError, parseOrThrow } from '../core/config-error.ts';
import { configPath, readConfigJson } from '../core/config-file.ts';

// Resolved here rather than through suites/index.ts, which imports the net-ab suite (and so this file).
export { PROFILE_DIR };

/** "rx0", "tx2", "rx*" (every receive-side device of the topology), or a real NIC name (lab). */
const devRef = z.string().regex(/^[A-Za-z0-9_.:*-]{1,15}$/, 'a device: rx<N>, tx<N>, rx*, tx* or a NIC name');
const cpuList = z.string().regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'a CPU list such as "0" or "0-1,3"');
const hexMask = z.string().regex(/^[0-9a-fA-F,]+$/, 'a hexadecimal CPU mask such as "1" or "3"');

export const knobSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('sysctl'),
    /** "netns": inside the run's receiver (or sender) namespace; "global": the host's. */
    scope: z.enum(['global', 'netns']),
    netns: z.enum(['rx', 'tx']).default('rx'),
    key: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_-]+)+$/, 'a sysctl key such as net.core.netdev_budget'),
    value: z.string(),
  }),
  z.strictObject({ kind: z.literal('rps'), scope: z.literal('device'), dev: devRef, value: hexMask }),
  z.strictObject({
    kind: z.literal('device-attr'),
    scope: z.literal('device'),
    dev: devRef,
    attr: z.enum(['threaded', 'napi_defer_hard_irqs', 'gro_flush_timeout']),
    value: z.string().regex(/^\d+$/),
  }),
  z.strictObject({ kind: z.literal('ethtool'), scope: z.literal('device'), dev: devRef, feature: z.string().min(1), value: z.enum(['on', 'off']) }),
  z.strictObject({
    kind: z.literal('irq-affinity'),
    scope: z.literal('irq'),
    dev: devRef,
    /** Regular expression on the IRQ's name in /proc/interrupts; default: names starting with dev. */
    irqName: z.string().optional(),
    value: cpuList,
  }),
  z.strictObject({ kind: z.literal('napi-affinity'), scope: z.literal('process'), dev: devRef, value: cpuList }),
  /** IRQ suspension: irq_suspend_timeout (ns) of the device's NAPIs, Linux >= 6.13 (resolve.ts says why it is unsupported). */
  z.strictObject({ kind: z.literal('irq-suspend'), scope: z.literal('device'), dev: devRef, value: z.string().regex(/^\d+$/) }),
]);
export type KnobSpec = z.output<typeof knobSpecSchema>;

export const profileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  topology: z.discriminatedUnion('kind', [
    /** CI / this machine: veth pairs between two namespaces the run creates and deletes. */
    z.strictObject({ kind: z.literal('veth'), pairs: z.number().int().min(1).max(8) }),
    /** Lab: real NICs of this host receive from remote senders (see runners/net/README.md). */
    z.strictObject({ kind: z.literal('nics'), nics: z.array(z.string().min(1)).min(1) }),
  ]),
  /** CPU of the receiving application (null = unpinned) and of the local sender (veth only). */
  receiverCpu: z.number().int().nonnegative().nullable().default(null),
  senderCpu: z.number().int().nonnegative().nullable().default(null),
  /** SO_BUSY_POLL on the receiving sockets, µs (0 = off): busy polling local to the run's sockets. */
  busyPollUs: z.number().int().nonnegative().default(0),
  /**
   * The receiver's epoll busy-polls busyPollUs µs per wait with prefer_busy_poll (EPIOCSPARAMS,
   * Linux >= 6.9; m3net --prefer-busy-poll): what irq_suspend_timeout needs to suspend the device
   * IRQ. A kernel without it skips the case with the reason.
   */
  preferBusyPoll: z.boolean().default(false),
  /** What the run verifies took effect. */
  expect: z
    .strictObject({
      /** NET_RX softirqs leave the receiver's CPU (profile B). */
      netRxOffAppCpu: z.boolean().default(false),
      /** Threaded NAPI kthreads of the run's devices get CPU time. */
      napiThreads: z.boolean().default(false),
    })
    .default({ netRxOffAppCpu: false, napiThreads: false }),
  knobs: z.array(knobSpecSchema),
});
export type Profile = z.output<typeof profileSchema>;

/** `A` → config/profiles/A.json; a path (with a slash or .json) is taken as is. */
export function profilePath(name: string): string {
  return configPath(name, PROFILE_DIR);
}

export async function loadProfile(name: string): Promise<Profile> {
  const file = profilePath(name);
  const source = path.relative(process.cwd(), file) || file;
  const raw = readConfigJson(file, source, 'no such profile (profiles live in config/profiles/)');
  const profile = parseOrThrow(profileSchema, raw, source);
  if (profile.preferBusyPoll && profile.busyPollUs === 0) {
    throw new ConfigError([`${source}: preferBusyPoll: epoll busy-polls busyPollUs µs per wait; set busyPollUs > 0`]);
  }
  if (profile.topology.kind === 'nics' && profile.senderCpu !== null) {
    throw new ConfigError([`${source}: senderCpu: a lab profile has remote senders; leave senderCpu out`]);
  }
  return profile;
}

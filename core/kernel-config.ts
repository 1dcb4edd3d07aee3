// A kernel configuration is data: which kernel a target boots, what is added to its command line,
// which sysctls and modules it must have, and (tests A/B) which runtime profile applies on top.
// Boot-time parts are applied by a reboot of the target and verified before anything is measured
// (runners/kernel/configurations.ts); this file is the vocabulary and the schema of the files.
import { z } from 'zod';

/** Names become part of case ids and file names: keep them plain. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `name` or `name=value`; a value may hold commas and colons (isolcpus=domain,1), never spaces. */
const PARAMETER = /^[A-Za-z0-9_.-]+(=[^\s"']+)?$/;

export const KernelConfigurationSchema = z.strictObject({
  name: z.string().regex(NAME, { message: 'letters, digits, ".", "_" and "-" only, starting with a letter or digit' }),
  description: z.string().optional(),
  /**
   * VM target: a Debian kernel ('6.1', '6.12', '7.2' or a full release such as 6.12.95+deb12-amd64),
   * fetched and cached. SSH target: an installed kernel release (/boot/vmlinuz-RELEASE). Absent: the
   * target's default kernel.
   */
  kernel: z.string().min(1).optional(),
  /** Parameters added to the target's default command line, e.g. ["isolcpus=1", "nohz_full=1"]. */
  cmdline: z.array(z.string().regex(PARAMETER, { message: 'one parameter, name or name=value, without spaces or quotes' })).default([]),
  /** Set at boot through the command line (sysctl.NAME=VALUE, kernel >= 5.8) and read back from /proc/sys. */
  sysctls: z.record(z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_-]+)+$/, { message: 'a dotted sysctl name such as kernel.sched_autogroup_enabled' }), z.union([z.string(), z.number()])).default({}),
  /** Modules that must be loaded once booted (m3ipc is loaded by m3bench itself on the VM and SSH targets). */
  modules: z.array(z.string().regex(/^[A-Za-z0-9_-]+$/)).default([]),
  /** Tests A/B: the runtime profile(s) (config/profiles/NAME.json) measured under it instead of the suite's; net-ab suites only. */
  runtimeProfile: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .transform((p) => [p].flat())
    .optional(),
});

export type KernelConfiguration = z.output<typeof KernelConfigurationSchema>;

export const ConfigSetSchema = z
  .strictObject({
    description: z.string().optional(),
    configurations: z.array(KernelConfigurationSchema).min(1),
  })
  .superRefine((set, ctx) => {
    const seen = new Set<string>();
    set.configurations.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: ['configurations', i, 'name'], message: `${JSON.stringify(c.name)} is used twice` });
      seen.add(c.name);
    });
  });

/** What a target is asked to boot. `null` where a Target takes one means its own default. */
export interface BootSpec {
  kernel?: string;
  /** Parameters appended to the target's default command line. */
  cmdline: string[];
}

/** The boot part of a configuration: its kernel, its parameters and its sysctls as sysctl.* parameters. */
export function bootSpecOf(c: KernelConfiguration): BootSpec | null {
  const sysctls = Object.entries(c.sysctls).map(([k, v]) => `sysctl.${k}=${v}`);
  const cmdline = [...c.cmdline, ...sysctls];
  if (!c.kernel && cmdline.length === 0) return null;
  return { ...(c.kernel ? { kernel: c.kernel } : {}), cmdline };
}

/** One verification: what was asked, what the booted kernel shows, and whether they agree. */
export interface BootCheck {
  what: string;
  expected: string;
  found: string;
  ok: boolean;
  /** E.g. "in /proc/cmdline; the kernel shows no effect of it in /proc or /sys". */
  note?: string;
}

/** What the manifest records of a configuration on a target. */
export interface ConfigurationRecord {
  name: string;
  target: string;
  configuration: KernelConfiguration;
  status: 'verified' | 'not applied';
  /** The target came up with this configuration (it may still be not applied: a parameter ignored). */
  booted: boolean;
  /** Why not applied (empty when verified). */
  reasons: string[];
  checks: BootCheck[];
  /** As the booted target reports them. */
  observed?: { release: string; cmdline: string; isolated?: string; nohzFull?: string; defaultIrqAffinity?: string };
  verifiedAt: string;
}

/** Separates a case id from the configuration it was measured under: `IPC2/pipe/...@vm~kernel-7.2`. */
export const CONFIG_ID_SEPARATOR = '~';

// Verifies a booted kernel configuration from what the kernel itself shows: the release, every
// added parameter in /proc/cmdline, not in the kernel's "Unknown kernel command line parameters"
// line, and in effect where the kernel exposes it (isolated and nohz_full CPUs, the default IRQ
// affinity, the vulnerabilities files, sysctls read back, the RCU offload line of the log, loaded
// modules). Pure: the caller reads the files (runners/kernel/configurations.ts).
import { cpuListToSet, cpuMaskToSet } from '../../core/cpu-list.ts';
import type { BootCheck, KernelConfiguration } from '../../core/kernel-config.ts';

/** What the booted target showed; a file it could not read is absent. */
export interface BootState {
  release: string;
  cmdline: string;
  kernelLog: string;
  modules: string[];
  files: Record<string, string | undefined>;
  /** vulnerabilities/NAME -> state */
  vulnerabilities: Record<string, string>;
}

export const ISOLATED = '/sys/devices/system/cpu/isolated';
export const NOHZ_FULL = '/sys/devices/system/cpu/nohz_full';
export const DEFAULT_IRQ_AFFINITY = '/proc/irq/default_smp_affinity';

export const sysctlPath = (name: string) => `/proc/sys/${name.replace(/\./g, '/')}`;

/** The files a check of `c` reads (besides release, command line, log, modules and vulnerabilities). */
export function filesToRead(c: KernelConfiguration): string[] {
  return [ISOLATED, NOHZ_FULL, DEFAULT_IRQ_AFFINITY, ...Object.keys(c.sysctls).map(sysctlPath)];
}

const sameSet = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const show = (cpus: number[]) => (cpus.length ? cpus.join(',') : '(none)');

/** "Unknown kernel command line parameters "foo=1 bar", will be passed to user space." */
function unknownParameters(log: string): Set<string> {
  const out = new Set<string>();
  for (const m of log.matchAll(/Unknown kernel command line parameters "([^"]*)"/g)) for (const p of m[1]!.split(/\s+/)) if (p) out.add(p);
  return out;
}

/** isolcpus=[flag,...,]CPULIST: the flags are words, the rest is the CPU list. */
function isolcpusParts(value: string): { flags: string[]; cpus: number[] } {
  const parts = value.split(',');
  const flags: string[] = [];
  while (parts.length && /^[a-z_]+$/.test(parts[0]!)) flags.push(parts.shift()!);
  return { flags, cpus: cpuListToSet(parts.join(',')) };
}

function cpuFileCheck(what: string, expected: number[], text: string | undefined, file: string): BootCheck {
  if (text === undefined) return { what, expected: show(expected), found: `${file} unreadable`, ok: false, note: 'the kernel does not expose it (not built in?)' };
  const found = text.trim() === '(null)' ? [] : cpuListToSet(text); // an empty nohz_full mask reads "(null)"
  return { what, expected: show(expected), found: `${file}: ${show(found)}`, ok: sameSet(found, expected) };
}

/** The effect of one parameter, where the kernel shows it; undefined when it shows nothing of it. */
function effectOf(name: string, value: string | undefined, s: BootState): BootCheck | undefined {
  const what = `${name}${value === undefined ? '' : `=${value}`} in effect`;
  if (name === 'isolcpus' && value !== undefined) {
    const { flags, cpus } = isolcpusParts(value);
    // Only domain isolation (the default, or the "domain" flag) is listed in .../isolated.
    if (flags.length && !flags.includes('domain')) return undefined;
    return cpuFileCheck(what, cpus, s.files[ISOLATED], ISOLATED);
  }
  if (name === 'nohz_full' && value !== undefined) return cpuFileCheck(what, cpuListToSet(value), s.files[NOHZ_FULL], NOHZ_FULL);
  if (name === 'irqaffinity' && value !== undefined) {
    const text = s.files[DEFAULT_IRQ_AFFINITY];
    const expected = cpuListToSet(value);
    if (text === undefined) return { what, expected: show(expected), found: `${DEFAULT_IRQ_AFFINITY} unreadable`, ok: false };
    const found = cpuMaskToSet(text);
    return { what, expected: show(expected), found: `${DEFAULT_IRQ_AFFINITY}: ${text.trim()} = CPUs ${show(found)}`, ok: sameSet(found, expected) };
  }
  if (name === 'rcu_nocbs' && value !== undefined) {
    const m = /Offload RCU callbacks from CPUs: ([0-9,-]+)/.exec(s.kernelLog);
    if (!m) return undefined;
    return { what, expected: show(cpuListToSet(value)), found: `kernel log: ${m[1]}`, ok: sameSet(cpuListToSet(m[1]!), cpuListToSet(value)) };
  }
  if (name === 'mitigations' && value === 'off') {
    const mitigated = Object.entries(s.vulnerabilities).filter(([, state]) => state.startsWith('Mitigation'));
    if (Object.keys(s.vulnerabilities).length === 0) return undefined;
    return { what, expected: 'no vulnerability file says "Mitigation"', found: mitigated.length ? mitigated.map(([n, st]) => `${n}: ${st}`).join('; ') : 'none mitigated', ok: mitigated.length === 0 };
  }
  if (name === 'preempt' && value !== undefined) {
    const m = /Dynamic Preempt: (\S+)/.exec(s.kernelLog);
    if (!m) return undefined;
    return { what, expected: value, found: `kernel log: Dynamic Preempt: ${m[1]}`, ok: m[1] === value };
  }
  if (name.startsWith('sysctl.') && value !== undefined) {
    const file = sysctlPath(name.slice('sysctl.'.length));
    const text = s.files[file];
    const found = text?.trim().replace(/\s+/g, ' ');
    return { what, expected: value, found: text === undefined ? `${file} unreadable` : `${file}: ${found}`, ok: found === value.trim().replace(/\s+/g, ' ') };
  }
  return undefined;
}

/** "6.12" matches 6.12.95+deb12-amd64; a full release must be equal. */
export function releaseMatches(release: string, spec: string): boolean {
  return release === spec || release.startsWith(`${spec}.`) || release.startsWith(`${spec}-`);
}

/** Every check of a configuration on a booted target; the configuration is applied when all are ok. */
export function checkBoot(c: KernelConfiguration, added: string[], s: BootState): BootCheck[] {
  const checks: BootCheck[] = [];
  if (c.kernel) checks.push({ what: 'kernel release', expected: c.kernel, found: s.release, ok: releaseMatches(s.release, c.kernel) });
  const booted = new Set(s.cmdline.trim().split(/\s+/));
  const unknown = unknownParameters(s.kernelLog);
  for (const p of added) {
    const [name, ...rest] = p.split('=');
    const value = rest.length ? rest.join('=') : undefined;
    if (!booted.has(p)) {
      checks.push({ what: `${p} on the command line`, expected: 'present', found: `/proc/cmdline: ${s.cmdline.trim()}`, ok: false });
      continue;
    }
    if (unknown.has(p) || unknown.has(name!)) {
      checks.push({ what: `${p} known to the kernel`, expected: 'a parameter of this kernel', found: 'kernel log: "Unknown kernel command line parameters" names it', ok: false });
      continue;
    }
    checks.push(effectOf(name!, value, s) ?? { what: `${p} on the command line`, expected: 'present', found: 'present', ok: true, note: 'the kernel shows no effect of it in /proc, /sys or its log: only its presence is verified' });
  }
  for (const m of c.modules) checks.push({ what: `module ${m} loaded`, expected: 'in /proc/modules', found: s.modules.includes(m) ? 'loaded' : 'not loaded', ok: s.modules.includes(m) });
  return checks;
}

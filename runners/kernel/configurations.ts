// Applying a kernel configuration to a target: boot it (the target reboots: qemu with another
// kernel and -append, kexec on a lab host), read back what the kernel shows, and verify every part
// (boot-check.ts). A configuration that did not boot or that the kernel did not take as asked is
// `not applied`, with the reasons; nothing is measured under it.
import { bootSpecOf, type ConfigurationRecord, type KernelConfiguration } from '../../core/kernel-config.ts';
import type { Target } from '../../core/target.ts';
import { type BootState, checkBoot, DEFAULT_IRQ_AFFINITY, filesToRead, ISOLATED, NOHZ_FULL } from './boot-check.ts';

const VULNERABILITIES = '/sys/devices/system/cpu/vulnerabilities';

const readOr = (target: Target, file: string) => target.readFile(file).catch(() => undefined);

async function readBootState(target: Target, c: KernelConfiguration): Promise<BootState> {
  const [release, cmdline, modules, log] = await Promise.all([
    readOr(target, '/proc/sys/kernel/osrelease'),
    readOr(target, '/proc/cmdline'),
    readOr(target, '/proc/modules'),
    target.exec(['dmesg'], { root: true, timeoutMs: 30_000 }).catch(() => undefined),
  ]);
  const files = Object.fromEntries(await Promise.all(filesToRead(c).map(async (f) => [f, await readOr(target, f)] as const)));
  const names = await target.listDir(VULNERABILITIES).catch(() => [] as string[]);
  const vulnerabilities = Object.fromEntries(await Promise.all(names.map(async (n) => [n, ((await readOr(target, `${VULNERABILITIES}/${n}`)) ?? '').trim()] as const)));
  return {
    release: (release ?? '').trim(),
    cmdline: (cmdline ?? '').trim(),
    kernelLog: log?.exitCode === 0 ? log.stdout : '',
    modules: (modules ?? '').split('\n').flatMap((l) => (l ? [l.split(' ')[0]!] : [])),
    files,
    vulnerabilities,
  };
}

/** A CPU file as observed; the kernel prints an empty nohz_full mask as "(null)". */
const optional = (key: string, text: string | undefined) => (text === undefined ? {} : { [key]: text.trim() === '(null)' ? '' : text.trim() });

export async function applyConfiguration(target: Target, c: KernelConfiguration): Promise<ConfigurationRecord> {
  const spec = bootSpecOf(c);
  const record = { name: c.name, target: target.name, configuration: c };
  try {
    await target.boot(spec);
  } catch (err) {
    return { ...record, status: 'not applied', booted: false, reasons: [`boot: ${(err as Error).message}`], checks: [], verifiedAt: new Date().toISOString() };
  }
  const state = await readBootState(target, c);
  const checks = checkBoot(c, spec?.cmdline ?? [], state);
  if (!state.release) checks.unshift({ what: 'kernel release', expected: 'readable', found: '/proc/sys/kernel/osrelease unreadable', ok: false });
  const failed = checks.filter((x) => !x.ok);
  return {
    ...record,
    status: failed.length ? 'not applied' : 'verified',
    booted: true,
    reasons: failed.map((f) => `${f.what}: expected ${f.expected}, found ${f.found}${f.note ? ` (${f.note})` : ''}`),
    checks,
    observed: {
      release: state.release,
      cmdline: state.cmdline,
      ...optional('isolated', state.files[ISOLATED]),
      ...optional('nohzFull', state.files[NOHZ_FULL]),
      ...optional('defaultIrqAffinity', state.files[DEFAULT_IRQ_AFFINITY]),
    },
    verifiedAt: new Date().toISOString(),
  };
}

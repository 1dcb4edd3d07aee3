// Applying a kernel configuration to a target: boot it (the target reboots: qemu with another
// kernel and -append, kexec on a lab host), read back what the kernel shows, and verify every part
// (boot-check.ts). A configuration that did not boot or that the kernel did not take as asked is
// `not applied`, with the reasons; nothing is measured under it.
import { bootSpecOf, type ConfigurationRecord, type KernelConfiguration } from '../../core/kernel-config.ts';
import type { Target } from '../../core/target.ts';
import { type BootState, checkBoot, DEFAULT_IRQ_AFFINITY, filesToRead, ISOLATED, NOHZ_FULL } from './boot-check.ts';

const readOr = (target: Target, file: string) => target.readFile(file).catch(() => undefined);

/** Release, command line, modules and vulnerabilities as the target's fingerprint reads them, plus the files and log the checks need. */
async function readBootState(target: Target, c: KernelConfiguration): Promise<BootState> {
  const [fp, log, files] = await Promise.all([
    target.fingerprint(),
    target.exec(['dmesg'], { root: true, timeoutMs: 30_000 }).catch(() => undefined),
    Promise.all(filesToRead(c).map(async (f) => [f, await readOr(target, f)] as const)),
  ]);
  return {
    release: fp.kernel.trim(),
    cmdline: fp.cmdline.trim(),
    kernelLog: log?.exitCode === 0 ? log.stdout : '',
    modules: fp.modules,
    files: Object.fromEntries(files),
    vulnerabilities: fp.mitigations,
  };
}

/** A CPU file as observed; the kernel prints an empty nohz_full mask as "(null)". */
const optional = (key: string, text: string | undefined) => (text === undefined ? {} : { [key]: text.trim() === '(null)' ? '' : text.trim() });

export async function applyConfiguration(target: Target, c: KernelConfiguration): Promise<ConfigurationRecord> {
  const spec = bootSpecOf(c);
  const record = { name: c.name, target: target.name, configuration: c };
  const notApplied = (booted: boolean, reason: string): ConfigurationRecord => ({ ...record, status: 'not applied', booted, reasons: [reason], checks: [], verifiedAt: new Date().toISOString() });
  try {
    await target.boot(spec);
  } catch (err) {
    return notApplied(false, `boot: ${(err as Error).message}`);
  }
  let state: BootState;
  try {
    state = await readBootState(target, c);
  } catch (err) {
    return notApplied(true, `reading the booted target: ${(err as Error).message}`);
  }
  const checks = checkBoot(c, spec?.cmdline ?? [], state);
  if (!state.release) checks.unshift({ what: 'kernel release', expected: 'readable', found: 'the target reports none', ok: false });
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

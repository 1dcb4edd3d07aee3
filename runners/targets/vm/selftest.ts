// One VM boot in test mode: insmod, the unchanged conformance suite on the kmod backend, the
// ioctl fuzzer, the worker's m3-kmod content self-test (and that a flipped byte fails it),
// /proc/m3ipc, a dmesg check and rmmod (runners/targets/vm/init.sh), then power-off.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareVm, type VmArtifacts } from './artifacts.ts';
import { parseGuestReport, type GuestReport } from './guest-report.ts';
import { bootVm, killQemu } from './qemu.ts';

export interface SelfTestOutcome {
  artifacts: VmArtifacts;
  report: GuestReport;
  console: string;
  exitCode: number | undefined;
  seconds: number;
  /** The qemu pid file of this boot: it names this VM among others on the host (ps args). */
  pidFile: string;
  /** The console of a first boot whose guest died before its /init said a word, when it was booted again. */
  silentBoot?: string;
}

/**
 * `kernel`: a spec of prepareVm (default bookworm's 6.1). `seconds` counts the boot, not the
 * preparation. Under TCG a guest now and then ends within seconds before its /init prints anything
 * (seen twice in ~70 boots, on 6.12 and 7.2): that says nothing of the module, which is loaded
 * only by /init, so such a boot is done once more and its console kept in `silentBoot`.
 */
export async function runVmSelfTest(timeoutS = 240, kernel?: string): Promise<SelfTestOutcome> {
  const artifacts = await prepareVm(kernel);
  const first = await bootOnce(artifacts, timeoutS);
  if (first.report.kernel !== null) return first;
  return { ...(await bootOnce(artifacts, timeoutS)), silentBoot: first.console };
}

async function bootOnce(artifacts: VmArtifacts, timeoutS: number): Promise<SelfTestOutcome> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'm3vm-'));
  const pidFile = path.join(dir, 'qemu.pid');
  const started = Date.now();
  try {
    const vm = await bootVm({ artifacts, mode: 'test', timeoutS, pidFile });
    const console = `${vm.stdout}\n${vm.stderr}`;
    return { artifacts, report: parseGuestReport(console), console, exitCode: vm.exitCode, seconds: (Date.now() - started) / 1000, pidFile };
  } finally {
    killQemu(pidFile);
    rmSync(dir, { recursive: true, force: true });
  }
}

// `tsx runners/targets/vm/selftest.ts [KERNEL]`: the same check by hand (KERNEL: 6.1, 6.12, 7.2, a
// Debian release), the guest's report on stdout.
if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await runVmSelfTest(240, process.argv[2]);
  process.stdout.write(out.console.split('\n').filter((l) => l.includes('M3VM:')).join('\n') + '\n');
  process.stdout.write(`${JSON.stringify({ seconds: out.seconds, steps: out.report.steps, done: out.report.done })}\n`);
  const ok = out.report.done && Object.values(out.report.steps).every((rc) => rc === 0);
  process.exit(ok ? 0 : 1);
}

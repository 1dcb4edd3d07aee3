// One VM boot in test mode: insmod, the unchanged conformance suite on the kmod backend, the
// ioctl fuzzer, /proc/m3ipc, a dmesg check and rmmod (runners/targets/vm/init.sh), then power-off.
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
}

export async function runVmSelfTest(timeoutS = 240): Promise<SelfTestOutcome> {
  const artifacts = await prepareVm();
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

// `tsx runners/targets/vm/selftest.ts`: the same check by hand, the guest's report on stdout.
if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await runVmSelfTest();
  process.stdout.write(out.console.split('\n').filter((l) => l.includes('M3VM:')).join('\n') + '\n');
  process.stdout.write(`${JSON.stringify({ seconds: out.seconds, steps: out.report.steps, done: out.report.done })}\n`);
  const ok = out.report.done && Object.values(out.report.steps).every((rc) => rc === 0);
  process.exit(ok ? 0 : 1);
}

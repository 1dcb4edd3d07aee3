// Rebooting a lab host over ssh. Into a kernel configuration: `kexec -l` the installed kernel
// (/boot/vmlinuz-RELEASE, its initrd if there is one) with the command line, then `systemctl kexec`
// (a clean shutdown) or, without systemd, `kexec -e`. Back to its own boot: a plain reboot, so the
// firmware and boot loader choose, as they do when the lab powers the host on (the kernel the run
// kexec'd from may not even be on a disk). Either way, wait with a deadline for ssh to answer with
// a new boot id.
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostBoot } from './host-journal.ts';
import { shellQuote, type SshConnection } from './ssh-connection.ts';

export type { HostBoot };

const BOOT_ID = '/proc/sys/kernel/random/boot_id';

export async function currentBoot(conn: SshConnection): Promise<HostBoot> {
  const r = await conn.run(`uname -r; cat /proc/cmdline; cat ${BOOT_ID}`, { timeoutMs: 30_000 });
  const [release, cmdline, bootId] = r.stdout.split('\n').map((l) => l.trim());
  if (r.exitCode !== 0 || !release || !bootId) throw new Error(`ssh ${conn.host}: cannot read the running kernel (${r.stderr.trim() || `exit ${r.exitCode}`})`);
  return { release, cmdline: cmdline ?? '', bootId };
}

/** The default command line without what the boot loader adds for itself (kexec is given the image directly). */
export function baseCommandLine(cmdline: string): string[] {
  return cmdline.split(/\s+/).filter((p) => p && !p.startsWith('BOOT_IMAGE=') && !p.startsWith('initrd='));
}

export interface RebootOptions {
  /** How long the host may take to answer ssh again, ms (default 300000). */
  deadlineMs?: number;
}

/** kexec into `release` with `cmdline`; resolves with the new boot once ssh answers from it. */
export async function kexecReboot(conn: SshConnection, release: string, cmdline: string, before: HostBoot, opts: RebootOptions = {}): Promise<HostBoot> {
  const image = `/boot/vmlinuz-${release}`;
  const initrd = `/boot/initrd.img-${release}`;
  const check = await conn.run(`command -v kexec >/dev/null || { echo "kexec is not installed (Debian: kexec-tools)"; exit 3; }; test -r ${shellQuote(image)} || { echo "no ${image}: kernel ${release} is not installed"; exit 3; }; test -r ${shellQuote(initrd)} && echo initrd`, { timeoutMs: 30_000 });
  if (check.exitCode === 3) throw new Error(`ssh ${conn.host}: ${check.stdout.trim()}`);
  const withInitrd = check.stdout.trim() === 'initrd';
  const load = await conn.exec(['kexec', '-l', image, ...(withInitrd ? [`--initrd=${initrd}`] : []), `--command-line=${cmdline}`], { root: true, timeoutMs: 120_000 });
  if (load.exitCode !== 0) throw new Error(`ssh ${conn.host}: kexec -l ${image} failed: ${load.stderr.trim() || load.stdout.trim()}`);
  return fireAndWait(conn, 'systemctl kexec', 'sync; kexec -e', before, opts.deadlineMs ?? 300_000);
}

/** A plain reboot: the host comes back in whatever its boot loader boots by default. */
export function rebootToDefault(conn: SshConnection, before: HostBoot, opts: RebootOptions = {}): Promise<HostBoot> {
  // Firmware and boot loader come on top of a kexec's time.
  // `reboot` asks init for a clean shutdown (which ends this shell too); a PID 1 that is no init
  // (a shell, as in an initramfs) ignores it, and 10 s later the reboot is forced.
  return fireAndWait(conn, 'systemctl reboot', 'sync; reboot; sleep 10; sync; reboot -f', before, opts.deadlineMs ?? 600_000);
}

async function fireAndWait(conn: SshConnection, withSystemd: string, without: string, before: HostBoot, deadlineMs: number): Promise<HostBoot> {
  // In a session of its own, a second later: the ssh command must return before the host goes
  // down, and the ssh server ends the session's process group with the session (nohup is not enough).
  const trigger = `setsid sh -c "sleep 1; if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then ${withSystemd}; else ${without}; fi" </dev/null >/dev/null 2>&1 &`;
  const fire = await conn.exec(['sh', '-c', trigger], { root: true, timeoutMs: 30_000 });
  if (fire.exitCode !== 0) throw new Error(`ssh ${conn.host}: starting the reboot failed: ${fire.stderr.trim()}`);
  await conn.dropMaster();
  return waitForNewBoot(conn, before.bootId, deadlineMs);
}

async function waitForNewBoot(conn: SshConnection, oldBootId: string, deadlineMs: number): Promise<HostBoot> {
  const deadline = Date.now() + deadlineMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const now = await currentBoot(conn);
      if (now.bootId !== oldBootId) return now;
      last = 'still the old boot';
      await conn.dropMaster(); // the old master may survive until the host goes down
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(2000);
  }
  throw new Error(`ssh ${conn.host}: did not come back from the reboot within ${Math.round(deadlineMs / 1000)} s (last: ${last})`);
}

export const sameCommandLine = (a: string, b: string) => baseCommandLine(a).join(' ') === baseCommandLine(b).join(' ');

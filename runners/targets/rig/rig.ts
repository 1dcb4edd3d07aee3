// A test rig of two qemu TCG guests (Debian's packaged kernel, busybox, dropbear) reachable over
// SSH on 127.0.0.1 and joined to each other by a second emulated e1000 link (192.168.77.0/24).
// qemu runs under `timeout` and `setpriv --pdeathsig KILL` (so it dies with its parent), with a pid
// file that stop(), powerOff() and a process 'exit' handler use to kill it.
import { execa, type ResultPromise } from 'execa';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, repoPath } from '../../../core/paths.ts';
import { fetchKernel, runScript } from '../debian/kernels.ts';
import { VmUnavailableError } from '../vm/artifacts.ts';
import { killQemu } from '../vm/qemu.ts';
import { forgetHostJournals } from '../host-journal.ts';

/** qemu, the kernel or dropbear cannot be installed here: callers skip. */
export class RigUnavailableError extends VmUnavailableError {}

export interface RigGuest {
  name: string;
  sshPort: number;
  /** Address on the guest-to-guest link, e.g. 192.168.77.1. */
  linkAddress: string;
  /** Of the last boot: qemu start to "sshd up" on the console, and to the first ssh `true` that succeeded. */
  timings: { sshdUpMs?: number; bootToSshMs?: number; firstSshMs?: number };
}

export interface Rig {
  dir: string;
  sshConfig: string;
  hosts: string[];
  guests: RigGuest[];
  kernelVersion: string;
  powerOff(name: string): Promise<void>;
  boot(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface RigOptions {
  guests?: number;
  /** Guest kernel: '6.1', '6.12', '7.2' or a Debian release (runners/targets/debian/); default bookworm's 6.1. */
  kernel?: string;
  /** Per guest: how long to wait for ssh, ms (default 120000). */
  bootTimeoutMs?: number;
  /** Wall-clock limit of each qemu, seconds (default 3600). */
  lifetimeS?: number;
}

const MEMORY_MIB = 512;
const CPUS = 2;

/** What a rig guest boots: a kernel's release, its vmlinuz and the rig's initramfs for it. */
export interface RigBootFiles {
  kver: string;
  kernel: string;
  initrd: string;
}

/** qemu, busybox, dropbear and kexec here (vm/prepare.sh rig), the kernel of a spec and its e1000.ko, the initramfs (build-rig.sh). */
export async function prepareRig(spec?: string): Promise<RigBootFiles> {
  await runScript(repoPath('runners', 'targets', 'vm', 'prepare.sh'), ['rig'], RigUnavailableError);
  const k = await fetchKernel(spec, ['e1000']).catch((err: unknown) => {
    throw err instanceof VmUnavailableError ? new RigUnavailableError(`rig unavailable: ${err.message}`) : err;
  });
  const built = await runScript(repoPath('runners', 'targets', 'rig', 'build-rig.sh'), [k.release, k.modules.e1000!]);
  return { kver: k.release, kernel: k.vmlinuz, initrd: path.join(REPO_ROOT, built.trim().split('\n').pop()!) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A LISTEN socket on 127.0.0.1:port (read from /proc/net/tcp: a probe connection would be taken as the peer). */
function listening(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').some((l) => {
    const f = l.trim().split(/\s+/);
    return f[1] === `0100007F:${hex}` && f[3] === '0A';
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  guest: RigGuest;
  index: number;
  proc?: ResultPromise;
  pidFile: string;
  console: string;
  ended?: boolean;
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const count = opts.guests ?? 2;
  if (count < 1 || count > 2) throw new Error('startRig: guests must be 1 or 2');
  const { kver, kernel, initrd } = await prepareRig(opts.kernel);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'm3rig-'));
  const key = path.join(dir, 'id_ed25519');
  const sshConfig = path.join(dir, 'ssh_config');
  const bootDir = path.join(dir, 'boot');
  const bootTimeoutMs = opts.bootTimeoutMs ?? 120_000;
  const lifetimeS = opts.lifetimeS ?? 3600;
  const guests: Running[] = [];
  let stopped = false;

  const killAll = () => {
    for (const g of guests) killQemu(g.pidFile);
  };
  const onExit = () => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killAll();
    await Promise.all(guests.map((g) => g.proc));
    killAll();
    process.off('exit', onExit);
    // Its guests are gone: what a run journalled about them has nothing left to restore.
    forgetHostJournals((j) => j.connection.configFile === sshConfig);
    rmSync(dir, { recursive: true, force: true });
  };

  let pubBlob = '';
  let linkPort = 0;
  let launch: (g: Running) => void = () => {};
  let waitSsh: (g: Running, started: number) => Promise<void> = async () => {};
  try {
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'm3rig', '-f', key]);
    pubBlob = readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/)[1]!;
    linkPort = await freePort();
    // What a lab host has in /boot, for the guests to fetch (read-only to them: qemu's TFTP server cannot write).
    mkdirSync(bootDir);
    copyFileSync(kernel, path.join(bootDir, 'vmlinuz'));
    copyFileSync(initrd, path.join(bootDir, 'initrd.img'));
    for (let i = 0; i < count; i++) {
      const letter = String.fromCharCode(97 + i);
      guests.push({
        guest: { name: `m3rig-${letter}`, sshPort: await freePort(), linkAddress: `192.168.77.${i + 1}`, timings: {} },
        index: i,
        pidFile: path.join(dir, `qemu-${letter}.pid`),
        console: path.join(dir, `console-${letter}.log`),
      });
    }
    writeFileSync(
      sshConfig,
      guests
        .map(
          ({ guest }) => `Host ${guest.name}
  HostName 127.0.0.1
  Port ${guest.sshPort}
  User root
  IdentityFile ${key}
  IdentitiesOnly yes
  UserKnownHostsFile ${path.join(dir, 'known_hosts')}
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking accept-new
  BatchMode yes
  ConnectTimeout 10
  LogLevel ERROR
`,
        )
        .join('\n'),
    );

    const qemuArgs = (g: Running): string[] => {
      const mac = (g.index + 1).toString(16).padStart(2, '0');
      const args = [
        '-accel', 'tcg',
        '-m', String(MEMORY_MIB),
        '-smp', String(CPUS),
        '-nodefaults',
        // No -no-reboot: a guest that reboots comes back in the rig's own kernel and command line,
        // as a lab host's firmware boots its default (how a kernel configuration returns home).
        '-display', 'none',
        '-monitor', 'none',
        '-pidfile', g.pidFile,
        '-kernel', kernel,
        '-initrd', initrd,
        '-append', `console=ttyS0 panic=-1 quiet m3rig_name=${g.guest.name} m3rig_link=${g.guest.linkAddress} m3rig_key=${pubBlob} m3rig_kver=${kver}`,
        '-serial', `file:${g.console}`,
        // tftp: the guest's /init installs the rig's kernel in /boot from there (init.sh).
        '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${g.guest.sshPort}-:22,tftp=${bootDir}`,
        '-device', `e1000,netdev=n0,mac=52:54:00:00:00:${mac}`,
      ];
      if (count > 1) {
        args.push('-netdev', `socket,id=n1,${g.index === 0 ? 'listen' : 'connect'}=127.0.0.1:${linkPort}`);
        args.push('-device', `e1000,netdev=n1,mac=52:54:00:77:00:${mac}`);
      }
      return args;
    };

    launch = (g: Running) => {
      rmSync(g.console, { force: true });
      g.ended = false;
      g.guest.timings = {};
      g.proc = execa(
        'setpriv',
        ['--pdeathsig', 'KILL', 'timeout', '-k', '5', String(lifetimeS), 'setpriv', '--pdeathsig', 'KILL', 'qemu-system-x86_64', ...qemuArgs(g)],
        { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', reject: false, cleanup: true, buffer: true },
      );
      void g.proc.then(() => (g.ended = true));
    };

    waitSsh = async (g: Running, started: number) => {
      const deadline = started + bootTimeoutMs;
      while (Date.now() < deadline) {
        if (g.ended) throw new Error(`${g.guest.name}: qemu ended: ${tail((await g.proc!).stderr as string)} | console: ${consoleTail(g.console)}`);
        if (g.guest.timings.sshdUpMs === undefined && existsSync(g.console) && readFileSync(g.console, 'utf8').includes('M3RIG: sshd up'))
          g.guest.timings.sshdUpMs = Date.now() - started;
        if (g.guest.timings.sshdUpMs !== undefined) {
          const t0 = Date.now();
          const r = await execa('ssh', ['-F', sshConfig, g.guest.name, 'true'], { reject: false, stdin: 'ignore', timeout: 30_000 });
          if (r.exitCode === 0) {
            g.guest.timings.firstSshMs = Date.now() - t0;
            g.guest.timings.bootToSshMs = Date.now() - started;
            return;
          }
        }
        await sleep(500);
      }
      throw new Error(`${g.guest.name}: no ssh within ${bootTimeoutMs} ms; console: ${consoleTail(g.console)}`);
    };

    const bootOne = async (g: Running) => {
      const started = Date.now();
      launch(g);
      // Guest B connects to A's link socket: A must be listening first.
      if (count > 1 && g.index === 0) {
        while (!listening(linkPort)) {
          if (g.ended || Date.now() - started > 20_000) throw new Error(`${g.guest.name}: link socket never listened: ${tail((await g.proc!).stderr as string)}`);
          await sleep(50);
        }
      }
      return () => waitSsh(g, started);
    };

    const waits = [];
    for (const g of guests) waits.push(await bootOne(g));
    await Promise.all(waits.map((w) => w()));
  } catch (err) {
    await stop();
    throw err;
  }

  const byName = (name: string) => {
    const g = guests.find((x) => x.guest.name === name);
    if (!g) throw new Error(`no rig guest ${name}`);
    return g;
  };
  return {
    dir,
    sshConfig,
    hosts: guests.map((g) => g.guest.name),
    guests: guests.map((g) => g.guest),
    kernelVersion: kver,
    async powerOff(name) {
      const g = byName(name);
      killQemu(g.pidFile);
      await g.proc;
    },
    async boot(name) {
      if (stopped) throw new Error('the rig is stopped');
      const g = byName(name);
      if (!g.ended) return;
      const started = Date.now();
      launch(g);
      await waitSsh(g, started);
    },
    stop,
  };
}

function tail(text: string | undefined, n = 6): string {
  return (text ?? '').trim().split('\n').slice(-n).join(' | ');
}

function consoleTail(file: string): string {
  try {
    return tail(readFileSync(file, 'utf8'), 10);
  } catch {
    return '(no console)';
  }
}

// The SSH target: a lab host reached through the user's own OpenSSH configuration
// (ssh-connection.ts). prepare() checks the host has this machine's architecture, makes a private
// run directory /tmp/m3bench-<random> there and copies the static worker (built here, cached in
// .cache/ssh-static/) into it; each worker is `ssh -T host <rundir>/m3worker` speaking the line
// protocol over ssh's stdio. ensureModule() loads the m3ipc module when /dev/m3ipc is missing
// (built on the host, or here against matching headers) and close() removes what we loaded.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CACHE_DIR, REPO_ROOT, repoPath } from '../../core/paths.ts';
import type { ExecOptions, ExecResult, Target, TargetCapabilities, TargetDescription, TargetFingerprint, TargetProcess, WorkerStream } from '../../core/target.ts';
import { parseProbe, PROBE_SCRIPT, type ProbeResult } from './remote-probe.ts';
import { shellJoin, shellQuote, SshConnection, type SshConnectionOptions } from './ssh-connection.ts';
import { relayedProcess, withPidLine } from './target-process.ts';
import { LocalTransport } from './transport.ts';
import { buildKernelModule, KernelUnavailableError } from './debian/kernels.ts';
import type { BootSpec } from '../../core/kernel-config.ts';
import { knobJournalOf, removeHostJournal, writeHostJournal } from './host-journal.ts';
import { baseCommandLine, currentBoot, type HostBoot, kexecReboot, rebootToDefault, sameCommandLine } from './ssh-reboot.ts';

/** The fields of `o` named in `keys` that are set. */
function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Partial<Pick<T, K>>;
}

export interface StaticBinaries {
  m3worker: string;
  m3net?: string;
  m3ipcConformance?: string;
}

const STATIC_DIR = path.join(CACHE_DIR, 'ssh-static');
let staticBuild: Promise<StaticBinaries> | null = null;

/** The worker (and m3net, the conformance suite when their sources exist), linked statically: built once per process. */
export function buildStaticBinaries(): Promise<StaticBinaries> {
  staticBuild ??= buildStaticOnce().catch((err: unknown) => {
    staticBuild = null;
    throw err;
  });
  return staticBuild;
}

async function buildStaticOnce(): Promise<StaticBinaries> {
  const cc = `${process.env.CC ?? 'cc'} -static`;
  const make = async (args: string[]) => {
    const r = await execa('make', ['-s', ...args], { cwd: REPO_ROOT, reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`static build failed: make ${args.join(' ')} (exit ${r.exitCode}): ${lastLines(r.all)}`);
  };
  const nativeDir = path.join(STATIC_DIR, 'native');
  const out: StaticBinaries = { m3worker: path.join(nativeDir, 'm3worker') };
  // M3LIB too: the native Makefile builds m3ipc with the inherited BUILD, so the library it links
  // must be the one in that directory (not whatever m3ipc/build/ holds).
  await make(['-C', 'native', `BUILD=${nativeDir}`, `M3LIB=${path.join(nativeDir, 'libm3ipc.a')}`, `CC=${cc}`, out.m3worker]);
  if (existsSync(repoPath('native', 'net', 'Makefile'))) {
    out.m3net = path.join(nativeDir, 'm3net');
    await make(['-C', 'native/net', `BUILD=${nativeDir}`, `CC=${cc}`, out.m3net]);
  }
  if (existsSync(repoPath('m3ipc', 'Makefile')) && existsSync(repoPath('m3ipc', 'tests'))) {
    const dir = path.join(STATIC_DIR, 'm3ipc');
    out.m3ipcConformance = path.join(dir, 'm3ipc-conformance');
    await make(['-C', 'm3ipc', 'STATIC=1', `BUILD=${dir}`, out.m3ipcConformance]);
  }
  return out;
}

function lastLines(text: string | undefined, n = 6): string {
  return (text ?? '').trim().split('\n').slice(-n).join(' | ');
}

/** uname -m of this host, in the kernel's spelling. */
function localArch(): string {
  return os.machine();
}

export interface SshTargetOptions extends Omit<SshConnectionOptions, 'host'> {
  /** What the target is called (`ssh:NAME`); default the host. */
  name?: string;
  /** Skip the static build and use these binaries (tests). */
  binaries?: StaticBinaries;
  /** false: keep no host journal — a target `m3bench restore` opens to undo a dead run's, which it must not overwrite. */
  journal?: boolean;
}

export interface ModuleState {
  ok: boolean;
  /** How it got there, or why it cannot. */
  detail: string;
}

/** A worker on the host: `ssh -T host <rundir>/m3worker`, the protocol over ssh's stdio. */
function sshWorkerStream(conn: SshConnection, workerPath: string): LocalTransport {
  return new LocalTransport({
    command: [conn.program, ...conn.commandArgs(`exec ${shellQuote(workerPath)}`, ['-T'])],
    label: `worker on ${conn.host}`,
    exitReasons: { 255: 'lost its ssh connection' },
    killAfterMs: 3000,
    relay: true,
  });
}

export class SshTarget implements Target {
  readonly name: string;
  readonly kind = 'ssh' as const;
  readonly cheapWorkerStart = true;
  readonly conn: SshConnection;
  private prepared: Promise<string> | null = null;
  private probed: Promise<ProbeResult> | null = null;
  private module: Promise<ModuleState> | null = null;
  private loadedModule = false;
  private runDir: string | null = null;
  private readonly workers = new Set<LocalTransport>();
  /** The host's own boot, read before the first reboot; null until boot() is first called. */
  private defaultBoot: HostBoot | null = null;
  private awayFromDefault = false;

  constructor(
    readonly host: string,
    private readonly opts: SshTargetOptions = {},
  ) {
    this.name = `ssh:${opts.name ?? host}`;
    this.conn = new SshConnection({ ...opts, host });
  }

  /** Connects, checks the architecture, makes the run directory and puts the static worker there. Returns the run directory. */
  prepare(): Promise<string> {
    this.prepared ??= this.prepareOnce().catch((err: unknown) => {
      this.prepared = null;
      throw err;
    });
    return this.prepared;
  }

  private async prepareOnce(): Promise<string> {
    const arch = (await this.conn.run('uname -m', { timeoutMs: 30_000 })).stdout.trim();
    if (arch !== localArch()) {
      throw new Error(`${this.name}: other architecture: the host is ${arch || '?'}, this machine ${localArch()} (the static worker is built here)`);
    }
    const bins = this.opts.binaries ?? (await buildStaticBinaries());
    if (!this.runDir) {
      const dir = `/tmp/m3bench-${randomBytes(6).toString('hex')}`;
      const r = await this.conn.run(`mkdir -m 700 ${shellQuote(dir)}`);
      if (r.exitCode !== 0) throw new Error(`${this.name}: cannot make ${dir}: ${r.stderr.trim()}`);
      this.runDir = dir;
      this.journal();
    }
    await this.conn.putFile(bins.m3worker, `${this.runDir}/m3worker`, '755');
    if (bins.m3net && existsSync(bins.m3net)) await this.conn.putFile(bins.m3net, `${this.runDir}/m3net`, '755');
    if (bins.m3ipcConformance && existsSync(bins.m3ipcConformance)) {
      await this.conn.putFile(bins.m3ipcConformance, `${this.runDir}/m3ipc-conformance`, '755');
    }
    return this.runDir;
  }

  /** The run directory on the host, once prepare() has made it. */
  get remoteRunDir(): string | null {
    return this.runDir;
  }

  async startWorker(): Promise<WorkerStream> {
    const dir = await this.prepare();
    // Before the first worker: its catalogue then lists m3-kmod as runnable or says why not.
    await this.ensureModule();
    const w = sshWorkerStream(this.conn, `${dir}/m3worker`);
    this.workers.add(w);
    const close = w.close.bind(w);
    w.close = async () => {
      this.workers.delete(w);
      await close();
    };
    return w;
  }

  exec(argv: string[], opts?: ExecOptions): Promise<ExecResult> {
    return this.conn.exec(argv, opts);
  }

  /** `ssh -T host <argv>`: its stdout streams back as it comes; kill() runs `kill -9 PID` on the host. */
  async spawn(argv: string[], opts: Pick<ExecOptions, 'root'> = {}): Promise<TargetProcess> {
    // sudo outside the pid line: the pid printed must be the program's, not sudo's.
    const sudo = opts.root && (await this.conn.remoteUid()) !== 0 ? ['sudo', '-n'] : [];
    const child = execa(this.conn.program, this.conn.commandArgs(shellJoin([...sudo, ...withPidLine(argv)]), ['-T']), { reject: false, stdin: 'ignore', buffer: false });
    return relayedProcess(child, (pid) => this.conn.exec(['kill', '-9', String(pid)], { ...opts, timeoutMs: 30_000 }));
  }

  /** The static copy prepare() put in the run directory on the host. */
  async program(name: 'm3net'): Promise<string> {
    const file = `${await this.prepare()}/${name}`;
    const r = await this.conn.run(`test -x ${shellQuote(file)}`);
    if (r.exitCode !== 0) throw new Error(`${this.name}: no ${file} (its static build did not make it)`);
    return file;
  }

  readFile(file: string): Promise<string> {
    return this.conn.readFile(file);
  }

  listDir(dir: string): Promise<string[]> {
    return this.conn.listDir(dir);
  }

  putFile(localPath: string, remotePath: string): Promise<void> {
    return this.conn.putFile(localPath, remotePath);
  }

  getFile(remotePath: string, localPath: string): Promise<void> {
    return this.conn.getFile(remotePath, localPath);
  }

  /** The probe of remote-probe.ts, run once. */
  probe(): Promise<ProbeResult> {
    // On stdin to sh: the login shell of the host's user need not be POSIX.
    this.probed ??= this.conn.run('sh -s', { input: PROBE_SCRIPT, timeoutMs: 60_000 }).then((r) => {
      const p = parseProbe(r.stdout);
      if (!p.facts.complete) throw new Error(`${this.name}: the probe did not finish (exit ${r.exitCode}): ${r.stderr.trim()}`);
      return p;
    }).catch((err: unknown) => {
      this.probed = null;
      throw err;
    });
    return this.probed;
  }

  async fingerprint(): Promise<TargetFingerprint> {
    return (await this.probe()).fingerprint;
  }

  async capabilities(): Promise<TargetCapabilities> {
    const caps = (await this.probe()).capabilities;
    const node = { ok: false, detail: 'no m3bench Node process on an SSH target (Node baselines run locally only)' };
    if (this.module) {
      const m = await this.module;
      return { ...caps, m3ipcModule: { ok: m.ok, detail: m.detail }, node };
    }
    return { ...caps, node };
  }

  async describe(): Promise<TargetDescription> {
    const fp = await this.fingerprint();
    const module = this.module ? `; m3ipc module: ${(await this.module).detail}` : '';
    // qemu's TCG presents its own CPU model; under KVM the guest sees the host's.
    const emulated = /^QEMU Virtual CPU/.test(fp.cpuModel);
    return {
      name: this.name,
      kernel: fp.kernel,
      emulated,
      note: `SSH target ${this.host}: ${fp.cpuModel}, ${fp.cores} CPUs, ${fp.os}${fp.virtualised ? ` (virtualised${fp.hypervisor ? `: ${fp.hypervisor}` : ''})` : ''}${module}${emulated ? '; software emulation (qemu TCG): timings are for relative comparison only' : ''}`,
    };
  }

  /**
   * kexec into `spec` (ssh-reboot.ts): its kernel (default: the running one) with the host's own
   * command line plus its parameters; null returns to the host's own boot by a plain reboot. What this run put on the
   * host goes first (a reboot would orphan it), and the journal lets `m3bench restore` bring the host
   * back if this process dies while it is away.
   */
  async boot(spec: BootSpec | null): Promise<void> {
    if (!spec && !this.awayFromDefault) return;
    const before = await currentBoot(this.conn);
    const home = (this.defaultBoot ??= before); // the first reboot leaves the host's own boot
    await this.releaseHostState();
    // Journalled before the reboot: if this process dies now, restore knows where home is.
    this.awayFromDefault = true;
    this.journal();
    if (spec) {
      const cmdline = [...baseCommandLine(home.cmdline), ...spec.cmdline].join(' ');
      await kexecReboot(this.conn, spec.kernel ?? home.release, cmdline, before);
      return;
    }
    const back = await rebootToDefault(this.conn, before);
    if (back.release !== home.release || !sameCommandLine(back.cmdline, home.cmdline)) {
      throw new Error(`${this.name} rebooted into ${back.release} (${back.cmdline}), not the boot it had before the run (${home.release}: ${home.cmdline}): check its boot loader's default`);
    }
    this.awayFromDefault = false;
    this.journal();
  }

  /** Keeps the host's journal (host-journal.ts) in step with what this run has left there. */
  private journal(): void {
    if (this.opts.journal === false) return;
    // A knob journal that could not be replayed (runners/kernel/journal.ts) keeps the host journal naming it.
    const knobJournal = knobJournalOf(this.name);
    if (!this.runDir && !this.loadedModule && !this.awayFromDefault && !existsSync(knobJournal)) {
      removeHostJournal(this.name);
      return;
    }
    writeHostJournal({
      target: this.name,
      pid: process.pid,
      connection: { host: this.host, ...pick(this.opts, ['hostName', 'port', 'user', 'configFile']) },
      ...(this.runDir ? { runDir: this.runDir } : {}),
      loadedModule: this.loadedModule,
      ...(this.awayFromDefault && this.defaultBoot ? { awayFrom: this.defaultBoot } : {}),
      knobJournal,
    });
  }

  /** Workers, the module and the run directory belong to one boot: gone with it, made again after. */
  private async releaseHostState(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.close().catch(() => {})));
    if (this.runDir) await this.conn.run(`rm -rf ${shellQuote(this.runDir)}`, { timeoutMs: 30_000 });
    this.runDir = null;
    this.prepared = null;
    this.probed = null;
    this.module = null;
    this.loadedModule = false;
  }

  /** Makes /dev/m3ipc available on the host if it can; the result says how, or why not (module cases are then skipped with it). */
  ensureModule(): Promise<ModuleState> {
    this.module ??= this.ensureModuleOnce().catch((err: unknown) => ({ ok: false, detail: `${this.name}: ${(err as Error).message}` }));
    return this.module;
  }

  private async ensureModuleOnce(): Promise<ModuleState> {
    const { facts } = await this.probe();
    if (facts.m3ipcDevice) return { ok: true, detail: '/dev/m3ipc already present' };
    const root = facts.uid === 0 || facts.sudo === 'ok';
    if (!root) return { ok: false, detail: `no /dev/m3ipc on ${this.host} and no root (or passwordless sudo) to load the module` };
    const dir = await this.prepare();
    const kernel = facts.kernel;
    let ko: string;
    if (facts.kernelBuildDir && facts.commands.make && (facts.commands.cc || facts.commands.gcc)) {
      const src = `${dir}/m3ipc-src`;
      const tar = await this.conn.run(`mkdir -p ${shellQuote(src)} && tar -C ${shellQuote(src)} -xf -`, { inputFile: await this.packModuleSources() });
      if (tar.exitCode !== 0) throw new Error(`cannot unpack the module sources on ${this.host}: ${tar.stderr.trim()}`);
      const build = await this.conn.run(`make -s -C /lib/modules/$(uname -r)/build M=${shellQuote(`${src}/kmod`)} modules 2>&1`, { timeoutMs: 600_000 });
      if (build.exitCode !== 0) throw new Error(`building the module on ${this.host} failed: ${lastLines(build.stdout)}`);
      ko = `${src}/kmod/m3ipc.ko`;
    } else {
      // Here, against the archive's headers of a Debian release (runners/targets/debian/, cached per release).
      const local = await buildKernelModule(kernel).catch((err: unknown) => {
        if (err instanceof KernelUnavailableError) return null;
        throw err;
      });
      if (!local) return { ok: false, detail: `no compiler or headers for the module on ${this.host} (kernel ${kernel})` };
      ko = `${dir}/m3ipc.ko`;
      await this.conn.putFile(local, ko);
    }
    const ins = await this.conn.exec(['insmod', ko], { root: true, timeoutMs: 60_000 });
    if (ins.exitCode !== 0) throw new Error(`insmod ${ko} failed: ${ins.stderr.trim() || ins.stdout.trim()}`);
    this.loadedModule = true;
    this.journal();
    const dev = await this.conn.run('test -e /dev/m3ipc');
    return dev.exitCode === 0
      ? { ok: true, detail: `loaded by m3bench (kernel ${kernel})` }
      : { ok: false, detail: `module loaded on ${this.host} but /dev/m3ipc did not appear` };
  }

  /** m3ipc/kmod's sources and m3ipc/include, as a tar file here (no build products). */
  private async packModuleSources(): Promise<string> {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'm3kmod-'));
    const file = path.join(tmp, 'kmod.tar');
    const r = await execa('tar', [
      '-C', repoPath('m3ipc'), '--exclude=*.o', '--exclude=*.ko', '--exclude=*.mod*', '--exclude=.*.cmd', '--exclude=Module.symvers', '--exclude=modules.order',
      '-cf', file, 'kmod', 'include',
    ], { reject: false });
    if (r.exitCode !== 0) throw new Error(`tar of m3ipc/kmod failed: ${r.stderr}`);
    process.once('exit', () => rmSync(tmp, { recursive: true, force: true }));
    return file;
  }

  /** Quits the workers, removes the module if we loaded it and the run directory, closes the connection. */
  async close(): Promise<string[]> {
    const log: string[] = [];
    await Promise.all([...this.workers].map((w) => w.close().catch(() => {})));
    try {
      if (this.loadedModule) {
        const r = await this.conn.exec(['rmmod', 'm3ipc'], { root: true, timeoutMs: 30_000 });
        log.push(`${this.name}: rmmod m3ipc ${r.exitCode === 0 ? 'ok' : `failed: ${r.stderr.trim()}`}`);
        if (r.exitCode === 0) this.loadedModule = false;
      }
      if (this.runDir) {
        const r = await this.conn.run(`rm -rf ${shellQuote(this.runDir)}`, { timeoutMs: 30_000 });
        log.push(`${this.name}: removed ${this.runDir}${r.exitCode === 0 ? '' : ` (failed: ${r.stderr.trim()})`}`);
        if (r.exitCode === 0) this.runDir = null;
      }
    } catch (err) {
      log.push(`${this.name}: cleanup failed: ${(err as Error).message}`);
    } finally {
      // What could not be undone stays journalled for `m3bench restore`.
      this.journal();
      await this.conn.close();
    }
    return log;
  }
}

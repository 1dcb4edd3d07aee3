// The local target: this host. The worker is spawned with execa and speaks over its stdio.
import { access, copyFile, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { DEFAULT_WORKER, NATIVE_BUILD } from '../../core/paths.ts';
import type { BootSpec } from '../../core/kernel-config.ts';
import type { ExecOptions, ExecResult, Target, TargetCapabilities, TargetDescription, TargetFingerprint, TargetProcess, WorkerStream } from '../../core/target.ts';
import { hostFingerprint } from '../../collectors/host.ts';
import { detectPerf } from '../../collectors/perf.ts';
import { relayedProcess, withPidLine } from './target-process.ts';
import { LocalTransport } from './transport.ts';
import { moduleNamesOf } from '../../core/proc-modules.ts';

/** Program and arguments of the local worker: explicit, else $M3BENCH_WORKER, else native/build/m3worker. */
export function localWorkerCommand(explicit?: string[]): string[] {
  if (explicit?.length) return explicit;
  const fromEnv = process.env.M3BENCH_WORKER;
  if (fromEnv) return [fromEnv];
  if (!existsSync(DEFAULT_WORKER)) {
    throw new Error(`the native worker ${path.relative(process.cwd(), DEFAULT_WORKER)} is not built: run \`npm run build\` (or set M3BENCH_WORKER)`);
  }
  return [DEFAULT_WORKER];
}

/** argv as this host runs it: `root` adds `sudo -n` when we are not root. */
function asRootHere(argv: string[], root: boolean | undefined): string[] {
  return root && process.getuid?.() !== 0 ? ['sudo', '-n', ...argv] : argv;
}

/** Runs argv on this host; `root` adds `sudo -n` when we are not root. */
export async function execHere(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = asRootHere(argv, opts.root);
  if (!file) throw new Error('exec: empty command');
  const r = await execa(file, args, {
    reject: false,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : undefined,
    timeout: opts.timeoutMs,
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, ...(r.timedOut ? { timedOut: true } : {}) };
}

export class LocalTarget implements Target {
  readonly name = 'local';
  readonly kind = 'local' as const;
  readonly cheapWorkerStart = true;

  /** Without a command, the worker is looked up when first started (`m3bench restore` needs none). */
  constructor(private readonly workerCommand?: string[]) {}

  async startWorker(): Promise<WorkerStream> {
    return new LocalTransport({ command: this.workerCommand ?? localWorkerCommand() });
  }

  exec(argv: string[], opts?: ExecOptions): Promise<ExecResult> {
    return execHere(argv, opts);
  }

  async spawn(argv: string[], opts: Pick<ExecOptions, 'root'> = {}): Promise<TargetProcess> {
    const [file, ...args] = asRootHere(withPidLine(argv), opts.root);
    const child = execa(file!, args, { reject: false, stdin: 'ignore', buffer: false });
    return relayedProcess(child, (pid) => execHere(['kill', '-9', String(pid)], opts));
  }

  async program(name: 'm3net'): Promise<string> {
    const file = path.join(NATIVE_BUILD, name);
    if (!existsSync(file)) throw new Error(`${path.relative(process.cwd(), file)} is not built (npm run build)`);
    return file;
  }

  readFile(file: string): Promise<string> {
    return readFile(file, 'utf8');
  }

  listDir(dir: string): Promise<string[]> {
    return readdir(dir);
  }

  async putFile(localPath: string, remotePath: string): Promise<void> {
    if (path.resolve(localPath) !== path.resolve(remotePath)) await copyFile(localPath, remotePath);
  }

  async getFile(remotePath: string, localPath: string): Promise<void> {
    await this.putFile(remotePath, localPath);
  }

  /** m3bench runs here: this host is never rebooted, so only its default boot is "booted". */
  async boot(spec: BootSpec | null): Promise<void> {
    if (spec) throw new Error('the local target cannot reboot the machine m3bench runs on: use --target vm or an ssh lab host for a kernel or command line');
  }

  private async readOr(file: string, fallback: string): Promise<string> {
    return readFile(file, 'utf8').catch(() => fallback);
  }

  async fingerprint(): Promise<TargetFingerprint> {
    const host = await hostFingerprint();
    const vulnerabilities = '/sys/devices/system/cpu/vulnerabilities';
    const names = await readdir(vulnerabilities).catch(() => [] as string[]);
    const mitigations = Object.fromEntries(await Promise.all(names.map(async (n) => [n, (await this.readOr(path.join(vulnerabilities, n), '')).trim()] as const)));
    const modules = moduleNamesOf(await this.readOr('/proc/modules', ''));
    return {
      hostname: host.hostname,
      arch: os.machine(),
      cpuModel: host.cpuModel,
      cores: os.availableParallelism(),
      kernel: host.kernel,
      cmdline: (await this.readOr('/proc/cmdline', '')).trim(),
      modules,
      mitigations,
      virtualised: host.virtualised,
      ...(host.hypervisor ? { hypervisor: host.hypervisor } : {}),
      memoryBytes: host.memoryBytes,
      os: host.os,
    };
  }

  async capabilities(): Promise<TargetCapabilities> {
    const root = process.getuid?.() === 0;
    const has = async (tool: string) => (await execHere(['sh', '-c', `command -v ${tool}`])).exitCode === 0;
    const perf = await detectPerf(this);
    const device = await access('/dev/m3ipc').then(() => true, () => false);
    return {
      root: root ? { ok: true } : { ok: false, detail: `running as uid ${process.getuid?.()}` },
      perf: { ok: perf.usable, detail: perf.usable ? `event ${perf.event}` : perf.reasons.join('; ') },
      m3ipcModule: device ? { ok: true, detail: '/dev/m3ipc present' } : { ok: false, detail: 'no /dev/m3ipc (module not loaded)' },
      netns: root && (await has('ip')) ? { ok: true } : { ok: false, detail: root ? 'iproute2 (ip) is not installed' : 'needs root' },
      ethtool: (await has('ethtool')) ? { ok: true } : { ok: false, detail: 'ethtool is not installed' },
      node: { ok: true, detail: process.version },
    };
  }

  async describe(): Promise<TargetDescription> {
    return { name: 'local', kernel: os.release(), emulated: false };
  }

  async close(): Promise<string[]> {
    return [];
  }
}

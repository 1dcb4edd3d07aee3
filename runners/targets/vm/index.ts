// The VM target's transport: boots the packaged kernel with the module loaded and the benchmark
// worker (native/build/m3worker, static) running inside, and carries the unchanged worker line
// protocol (docs/protocol.md) over the guest's second serial port, which qemu connects to a
// Unix socket we listen on. Only the transport differs from a local run.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { BootSpec } from '../../../core/kernel-config.ts';
import { LineQueue, TransportClosedError, type WorkerTransport } from '../transport.ts';
import { prepareVm, type VmArtifacts } from './artifacts.ts';
import { parseGuestReport, type GuestReport } from './guest-report.ts';
import { accelerator, bootVm, GUEST_CPUS, GUEST_MEMORY_MIB, guestCommandLine, killQemu } from './qemu.ts';

export interface VmTransportOptions {
  /** Wall-clock limit of the VM, seconds (default 3600): qemu is killed after it whatever happens. */
  timeoutS?: number;
  /** How long to wait for the guest to connect its worker port, ms (default 120000). */
  bootTimeoutMs?: number;
  /** After close() asked the worker to quit: how long the guest may take to power off, ms (default 60000). */
  shutdownTimeoutMs?: number;
  /** Kernel and added parameters of this boot (a kernel configuration); default: the packaged 6.1 as is. */
  boot?: BootSpec | null;
  /** How long the guest may take to send its boot snapshot once its worker port is open, ms (default 60000). */
  snapshotTimeoutMs?: number;
}

export interface VmDescription {
  kernel: string;
  emulated: boolean;
  /** What the guest was booted with. */
  ncpus: number;
  memoryBytes: number;
  cmdline: string;
}

export type VmTransport = WorkerTransport & {
  describe(): VmDescription;
  /** Files the guest's /init read at boot, before the worker started (init.sh, "M3SNAP"): path -> text. */
  readonly snapshot: ReadonlyMap<string, string>;
  /** After close(): what the guest reported on its console (/proc/m3ipc state, rmmod, dmesg). */
  guestReport(): GuestReport;
};

export async function startVmTransport(opts: VmTransportOptions = {}): Promise<VmTransport> {
  const artifacts = await prepareVm(opts.boot?.kernel);
  const extraCmdline = opts.boot?.cmdline ?? [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'm3vm-'));
  const cleanupDir = () => rmSync(dir, { recursive: true, force: true });
  const socketPath = path.join(dir, 'worker.sock');
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  const pidFile = path.join(dir, 'qemu.pid');
  const vm = bootVm({ artifacts, mode: 'worker', timeoutS: opts.timeoutS ?? 3600, workerSocket: socketPath, pidFile, extraCmdline });
  let socket: net.Socket | undefined;
  try {
    socket = await acceptOne(server, vm, opts.bootTimeoutMs ?? 120_000);
    const transport = new VmSerialTransport(artifacts, extraCmdline, socket, vm, pidFile, cleanupDir, opts.shutdownTimeoutMs ?? 60_000);
    await transport.readSnapshot(opts.snapshotTimeoutMs ?? 60_000);
    return transport;
  } catch (err) {
    killQemu(pidFile);
    await vm;
    socket?.destroy();
    cleanupDir();
    throw err;
  } finally {
    server.close();
  }
}

function acceptOne(server: net.Server, vm: Promise<unknown>, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the VM did not connect its worker port within ${timeoutMs} ms`)), timeoutMs);
    server.once('connection', (s) => {
      clearTimeout(timer);
      resolve(s);
    });
    void vm.then((r) => {
      clearTimeout(timer);
      reject(new Error(`qemu ended before connecting the worker port: ${describeQemuEnd(r)}`));
    });
  });
}

function describeQemuEnd(r: unknown): string {
  const { exitCode, stderr } = r as { exitCode?: number; stderr?: string };
  return `exit ${exitCode ?? '?'}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
}

class VmSerialTransport implements VmTransport {
  private readonly queue: LineQueue;
  private report: GuestReport | null = null;
  private readonly files = new Map<string, string>();

  constructor(
    private readonly artifacts: VmArtifacts,
    private readonly extraCmdline: string[],
    private readonly socket: net.Socket,
    private readonly vm: ReturnType<typeof bootVm>,
    private readonly pidFile: string,
    private readonly cleanupDir: () => void,
    private readonly shutdownTimeoutMs: number,
  ) {
    socket.setEncoding('utf8');
    // A killed VM resets the socket; that shows up as the end of the line stream. readline
    // re-emits input errors on the interface, so both need a listener.
    socket.on('error', () => {});
    const rl = createInterface({ input: socket, crlfDelay: Infinity });
    rl.on('error', () => {});
    this.queue = new LineQueue(rl, () => 'the VM closed its worker port (qemu ended)');
  }

  describe(): VmDescription {
    return {
      kernel: this.artifacts.kernelVersion,
      emulated: accelerator() !== 'kvm',
      ncpus: GUEST_CPUS,
      memoryBytes: GUEST_MEMORY_MIB * 2 ** 20,
      cmdline: guestCommandLine('worker', this.extraCmdline),
    };
  }

  get snapshot(): ReadonlyMap<string, string> {
    return this.files;
  }

  /** The "M3SNAP PATH BASE64" lines /init sends before the worker starts, up to "M3SNAP end". */
  async readSnapshot(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = (await this.queue.next(Math.max(1, deadline - Date.now()))).replace(/\r$/, '');
      const m = /^M3SNAP (\S+)(?: (\S*))?$/.exec(line);
      if (!m) continue; // noise while the port opened
      if (m[1] === 'end') return;
      this.files.set(m[1]!, Buffer.from(m[2] ?? '', 'base64').toString('utf8'));
    }
  }

  writeLine(line: string): Promise<void> {
    if (this.socket.destroyed) return Promise.reject(new TransportClosedError('the VM is gone'));
    return new Promise((resolve, reject) => {
      this.socket.write(`${line}\n`, (err) => (err ? reject(new TransportClosedError(`the VM is gone: ${err.message}`)) : resolve()));
    });
  }

  async readLine(timeoutMs: number): Promise<string> {
    // Skip anything that is not a protocol line (e.g. a stray byte while the port opened).
    for (;;) {
      const line = (await this.queue.next(timeoutMs)).replace(/\r$/, '');
      if (line.startsWith('{')) return line;
    }
  }

  /**
   * A serial port has no end-of-file, so the worker is told to quit; /init then prints the
   * module's /proc state, checks dmesg, removes the module and powers off. qemu is killed if it
   * has not ended within shutdownTimeoutMs.
   */
  async close(): Promise<void> {
    if (this.report) return;
    if (!this.socket.destroyed) this.socket.write('quit\n');
    const killer = setTimeout(() => killQemu(this.pidFile), this.shutdownTimeoutMs);
    const r = await this.vm;
    clearTimeout(killer);
    killQemu(this.pidFile);
    this.socket.destroy();
    this.cleanupDir();
    this.report = parseGuestReport(`${r.stdout}\n${r.stderr}`);
  }

  guestReport(): GuestReport {
    if (!this.report) throw new Error('guestReport() is only known after close()');
    return this.report;
  }
}

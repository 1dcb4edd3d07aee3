// How the TypeScript side talks to a worker: a line-oriented, bidirectional stream.
// The local transport spawns the worker with execa and speaks over its stdio; the VM transport
// (runners/targets/vm/) speaks over a virtio-serial or socket stream. Worker (runners/ipc/worker.ts) only
// ever sees this interface.
import { execa, type ResultPromise } from 'execa';
import { createInterface, type Interface } from 'node:readline';
import type { WorkerStream } from '../../core/target.ts';

/** The worker's stream as every target provides it (core/target.ts). */
export type WorkerTransport = WorkerStream;

export class TransportClosedError extends Error {}
export class TransportTimeoutError extends Error {}

/**
 * Turns a readable stream of text into awaitable lines. Lines that arrive while nobody waits are
 * queued; a waiter that arrives first is handed the next line directly.
 */
export class LineQueue {
  private lines: string[] = [];
  private waiters: Array<{ resolve: (l: string) => void; reject: (e: Error) => void }> = [];
  private ended: Error | null = null;

  constructor(rl: Interface, describeEnd: () => string) {
    rl.on('line', (line) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(line);
      else this.lines.push(line);
    });
    const end = (cause?: Error) => {
      this.ended ??= new TransportClosedError(cause ? `${describeEnd()} (${cause.message})` : describeEnd());
      for (const w of this.waiters.splice(0)) w.reject(this.ended);
    };
    rl.on('close', () => end());
    // A stream error (e.g. ECONNRESET on a VM socket) ends the transport; unhandled it would crash the run.
    rl.on('error', end);
  }

  next(timeoutMs: number): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (l: string) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new TransportTimeoutError(`no answer from the worker within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

export interface LocalTransportOptions {
  /** Program and arguments, e.g. ['native/build/m3worker'], or an ssh command that runs it elsewhere. */
  command: string[];
  env?: Record<string, string>;
  /** How errors name it (default "worker"), e.g. "worker on lab1". */
  label?: string;
  /** What an exit code means for this command, e.g. ssh's 255: the connection was lost. */
  exitReasons?: Record<number, string>;
  /** After EOF on stdin: how long it may take to leave before it is killed, ms (default 2000). */
  killAfterMs?: number;
  /** The spawned process is a relay (ssh), not the worker: its pid is not the worker's. */
  relay?: boolean;
}

/**
 * Spawns a process here and speaks the worker protocol over its stdin/stdout; stderr is kept for
 * errors. The process is the worker itself, or a relay to it (ssh) for the SSH target.
 */
export class LocalTransport implements WorkerTransport {
  private readonly child: ResultPromise;
  private readonly queue: LineQueue;
  private stderrTail = '';
  private readonly label: string;
  private readonly exitReasons: Record<number, string>;
  private readonly killAfterMs: number;
  private readonly relay: boolean;

  constructor(opts: LocalTransportOptions) {
    this.label = opts.label ?? 'worker';
    this.exitReasons = opts.exitReasons ?? {};
    this.killAfterMs = opts.killAfterMs ?? 2000;
    this.relay = opts.relay ?? false;
    const [file, ...args] = opts.command;
    if (!file) throw new Error('worker command is empty');
    this.child = execa(file, args, {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      env: opts.env,
      // Its own process group, so a terminal's Ctrl-C reaches only us and we tear the case down in
      // order. It cannot outlive us: EOF on its stdin (our exit, even by SIGKILL) makes it quit.
      detached: true,
    });
    this.child.stderr?.setEncoding('utf8');
    // Keep only the last few KB of diagnostics: enough to explain a crash.
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4096);
    });
    // A dead worker closes stdin under us; the next readLine reports it, so swallow EPIPE here.
    this.child.stdin?.on('error', () => {});
    const rl = createInterface({ input: this.child.stdout!, crlfDelay: Infinity });
    this.queue = new LineQueue(rl, () => this.describeExit());
  }

  /** The worker's pid when this process is the worker; a relay's pid is not the worker's. */
  get pid(): number | undefined {
    return this.relay ? undefined : this.child.pid;
  }

  private describeExit(): string {
    const { exitCode, signalCode } = this.child;
    const known = exitCode !== null ? this.exitReasons[exitCode] : undefined;
    const how = signalCode ? `killed by ${signalCode}` : known ?? (exitCode !== null ? `exited with code ${exitCode}` : 'closed its output');
    const stderr = this.stderrTail.trim();
    return `${this.label} ${how}${stderr ? `: ${stderr.split('\n').slice(-3).join(' | ')}` : ''}`;
  }

  writeLine(line: string): Promise<void> {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return Promise.reject(new TransportClosedError(this.describeExit()));
    return new Promise((resolve, reject) => {
      stdin.write(`${line}\n`, (err) => (err ? reject(new TransportClosedError(this.describeExit())) : resolve()));
    });
  }

  readLine(timeoutMs: number): Promise<string> {
    return this.queue.next(timeoutMs).catch(async (err: unknown) => {
      if (!(err instanceof TransportClosedError)) throw err;
      // stdout closes a moment before the exit status is known; wait for it so the error says how it died.
      await Promise.race([this.child, new Promise((r) => setTimeout(r, 1000))]);
      throw new TransportClosedError(this.describeExit());
    });
  }

  /** EOF on stdin means quit (protocol); a worker that does not leave within killAfterMs is killed. */
  async close(): Promise<void> {
    this.child.stdin?.end();
    const killer = setTimeout(() => this.child.kill('SIGKILL'), this.killAfterMs);
    await this.child;
    clearTimeout(killer);
  }
}

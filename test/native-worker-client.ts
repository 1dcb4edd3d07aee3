// A minimal line-protocol client for the native worker, used by the native-* tests only.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const WORKER = path.join(fileURLToPath(new URL('..', import.meta.url)), 'native', 'build', 'm3worker');

export type Answer = Record<string, any>;

export class WorkerClient {
  readonly proc: ChildProcessWithoutNullStreams;
  private readonly pending: Array<(a: Answer) => void> = [];
  private readonly lines: Answer[] = [];
  stderr = '';

  constructor(env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(WORKER, [], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as Answer; // every stdout line must be JSON
      const waiter = this.pending.shift();
      if (waiter) waiter(answer);
      else this.lines.push(answer);
    });
  }

  /** The next answer line (the hello line first). */
  next(): Promise<Answer> {
    const line = this.lines.shift();
    if (line) return Promise.resolve(line);
    return new Promise((resolve) => this.pending.push(resolve));
  }

  async send(command: string): Promise<Answer> {
    this.proc.stdin.write(`${command}\n`);
    return this.next();
  }

  get pid(): number {
    return this.proc.pid!;
  }

  async quit(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin.end('quit\n');
    await exited;
  }
}

/** Direct children of a process (empty once it is gone). */
export function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text ? text.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

export const alive = (pid: number): boolean => {
  try {
    return !/^State:\s+[ZX]/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

export const workerBuilt = existsSync(WORKER);

// The worker line protocol (docs/protocol.md) on any WorkerTransport.
import type { WorkerTransport } from '../targets/transport.ts';

export interface WorkerHello {
  hello: 'm3worker';
  protocol: number;
  ncpus: number;
  sizeof_message: number;
}

export interface MechanismInfo {
  name: string;
  description: string;
  family: string;
  /** Per test: "ok" or the reason the mechanism cannot express it here. */
  tests: Record<string, string>;
}

export interface SetupRequest {
  mechanism: string;
  test: string;
  size: number;
  placement: string;
  pairs: number;
  spin: number;
  cpus?: [number, number];
}

export type SetupOutcome =
  | { kind: 'ready'; detail: Record<string, unknown> }
  | { kind: 'skipped'; reason: string };

export interface BatchTiming {
  iterations: number;
  ns: number;
}

/** An answer line with `ok:false` and an `error`: the worker is alive but the command failed. */
export class WorkerCommandError extends Error {}

export const PROTOCOL_VERSION = 1;

/** Generous: a batch is calibrated to ~10–50 ms, but a setup may fork and pin several processes. */
const DEFAULT_TIMEOUT_MS = 30_000;

export class Worker {
  private constructor(
    private readonly transport: WorkerTransport,
    readonly hello: WorkerHello,
  ) {}

  /** Reads the hello line and checks that we speak the same protocol. */
  static async start(transport: WorkerTransport, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Worker> {
    let hello: WorkerHello;
    try {
      hello = JSON.parse(await transport.readLine(timeoutMs)) as WorkerHello;
    } catch (err) {
      await transport.close();
      throw new Error(`worker did not say hello: ${(err as Error).message}`);
    }
    if (hello.hello !== 'm3worker' || hello.protocol !== PROTOCOL_VERSION) {
      await transport.close();
      throw new Error(`worker speaks protocol ${JSON.stringify(hello)}, expected m3worker protocol ${PROTOCOL_VERSION}`);
    }
    return new Worker(transport, hello);
  }

  get pid(): number | undefined {
    return this.transport.pid;
  }

  private async command(line: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Record<string, any>> {
    await this.transport.writeLine(line);
    const answer = await this.transport.readLine(timeoutMs);
    try {
      return JSON.parse(answer) as Record<string, any>;
    } catch {
      throw new Error(`worker answered "${line.split(' ')[0]}" with a line that is not JSON: ${answer.slice(0, 200)}`);
    }
  }

  async list(): Promise<MechanismInfo[]> {
    const answer = await this.command('list');
    if (!answer.ok) throw new WorkerCommandError(`list: ${answer.error ?? 'failed'}`);
    return answer.mechanisms as MechanismInfo[];
  }

  async setup(req: SetupRequest): Promise<SetupOutcome> {
    const answer = await this.command(`setup ${JSON.stringify(req)}`);
    if (answer.ok) return { kind: 'ready', detail: (answer.detail ?? {}) as Record<string, unknown> };
    if (answer.skipped) return { kind: 'skipped', reason: String(answer.reason ?? 'skipped by the worker') };
    throw new WorkerCommandError(`setup: ${answer.error ?? 'failed'}`);
  }

  async run(iterations: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<BatchTiming> {
    const answer = await this.command(`run ${iterations}`, timeoutMs);
    if (!answer.ok) throw new WorkerCommandError(`run: ${answer.error ?? 'failed'}`);
    const timing = { iterations: Number(answer.iterations), ns: Number(answer.ns) };
    // tinybench would silently fall back to its own clock on a non-numeric duration: refuse it here.
    if (!Number.isFinite(timing.ns) || timing.ns < 0 || !Number.isInteger(timing.iterations) || timing.iterations < iterations) {
      throw new Error(`worker answered "run ${iterations}" with an invalid timing: ${JSON.stringify(answer)}`);
    }
    return timing;
  }

  async teardown(): Promise<void> {
    const answer = await this.command('teardown');
    if (!answer.ok) throw new WorkerCommandError(`teardown: ${answer.error ?? 'failed'}`);
  }

  /** Asks the worker to quit (it tears down first), then closes the transport whatever happens. */
  async quit(): Promise<void> {
    try {
      await this.command('quit', 5000);
    } catch {
      // Already dead or wedged: close() below kills it.
    } finally {
      await this.transport.close();
    }
  }
}

// The worker line protocol (docs/protocol.md) on any WorkerTransport.
import type { z } from 'zod';
import type { WorkerTransport } from '../targets/transport.ts';
import {
  parseWith,
  schemaError,
  WorkerAnswerSchema,
  WorkerFailureSchema,
  WorkerHelloSchema,
  WorkerListSchema,
  WorkerOkSchema,
  WorkerRunSchema,
  WorkerSetupOkSchema,
} from '../../core/schemas.ts';

export interface WorkerHello {
  hello: 'm3worker';
  protocol: number;
  ncpus: number;
  sizeof_message: number;
  /** "<mechanism>:<fraction>" when the worker was started with a planted slowdown (tests only). */
  planted_slowdown?: string;
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
  /** COPY only (docs/protocol.md): "sync" | "stream", stream's blocks per acknowledgement, block offsets in their pages. */
  copy_mode?: string;
  burst?: number;
  src_offset?: number;
  dst_offset?: number;
}

export type SetupOutcome =
  | { kind: 'ready'; detail: Record<string, unknown> }
  | { kind: 'skipped'; reason: string };

export interface BatchTiming {
  /** Iterations timed, over all pairs (N × P, or more when the worker rounds N up). */
  iterations: number;
  ns: number;
  /** CPU time of every process of the case over the batch (docs/protocol.md). */
  cpuNs?: number;
  cpuByRole?: Record<string, number>;
  /** Why cpuNs is absent (a worker that does not measure it). */
  cpuUnavailable?: string;
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
      const line = await transport.readLine(timeoutMs);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`not JSON: ${line.slice(0, 200)}`);
      }
      hello = parseWith(WorkerHelloSchema, value, 'hello line') as WorkerHello;
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

  /**
   * Sends one command and reads its answer: not JSON, or without a boolean `ok`, is an error naming
   * the command; `ok:false` is a WorkerCommandError with the worker's error; `ok:true` is checked
   * against `schema` (an error naming the field).
   */
  private async command<T>(line: string, schema: z.ZodType<T>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    const answer = await this.answer(line, timeoutMs);
    const name = line.split(' ')[0];
    if (!answer.ok) {
      const failure = parseWith(WorkerFailureSchema, answer, `worker answered "${name}"`);
      throw new WorkerCommandError(`${name}: ${failure.error ?? 'failed'}`);
    }
    return parseWith(schema, answer, `worker answered "${name}"`);
  }

  private async answer(line: string, timeoutMs: number): Promise<z.infer<typeof WorkerAnswerSchema>> {
    await this.transport.writeLine(line);
    const text = await this.transport.readLine(timeoutMs);
    const name = line.split(' ')[0];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`worker answered "${name}" with a line that is not JSON: ${text.slice(0, 200)}`);
    }
    return parseWith(WorkerAnswerSchema, value, `worker answered "${name}"`);
  }

  async list(): Promise<MechanismInfo[]> {
    return (await this.command('list', WorkerListSchema)).mechanisms;
  }

  async setup(req: SetupRequest): Promise<SetupOutcome> {
    const answer = await this.answer(`setup ${JSON.stringify(req)}`, DEFAULT_TIMEOUT_MS);
    if (answer.ok) return { kind: 'ready', detail: parseWith(WorkerSetupOkSchema, answer, 'worker answered "setup"').detail ?? {} };
    const failure = parseWith(WorkerFailureSchema, answer, 'worker answered "setup"');
    if (failure.skipped) return { kind: 'skipped', reason: failure.reason ?? 'skipped by the worker' };
    throw new WorkerCommandError(`setup: ${failure.error ?? 'failed'}`);
  }

  async run(iterations: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<BatchTiming> {
    const answer = await this.answer(`run ${iterations}`, timeoutMs);
    if (!answer.ok) {
      const failure = parseWith(WorkerFailureSchema, answer, 'worker answered "run"');
      throw new WorkerCommandError(`run: ${failure.error ?? 'failed'}`);
    }
    // tinybench would silently fall back to its own clock on a non-numeric duration: refuse it here.
    const bad = schemaError(WorkerRunSchema, answer);
    if (bad) throw new Error(`worker answered "run ${iterations}" with an invalid timing (${bad}): ${JSON.stringify(answer)}`);
    const timing = parseWith(WorkerRunSchema, answer, 'worker answered "run"');
    if (timing.iterations < iterations) {
      throw new Error(`worker answered "run ${iterations}" with an invalid timing (iterations: fewer than asked): ${JSON.stringify(answer)}`);
    }
    const cpu =
      timing.cpu_ns !== undefined
        ? { cpuNs: timing.cpu_ns, ...(timing.cpu_ns_by_role ? { cpuByRole: timing.cpu_ns_by_role } : {}) }
        : { cpuUnavailable: 'the worker reported no CPU time' };
    return { iterations: timing.iterations, ns: timing.ns, ...cpu };
  }

  async teardown(): Promise<void> {
    await this.command('teardown', WorkerOkSchema);
  }

  /** Asks the worker to quit (it tears down first), then closes the transport whatever happens. */
  async quit(): Promise<void> {
    try {
      await this.answer('quit', 5000);
    } catch {
      // Already dead or wedged: close() below kills it.
    } finally {
      await this.transport.close();
    }
  }
}

// Drives the native paced TCP stream (native/build/m3net): the receiver in the receive namespace
// (or on the host for lab NICs), the local sender in the send namespace. The receiver's own
// CLOCK_MONOTONIC figures are the throughput; TypeScript never times the stream.
import { existsSync } from 'node:fs';
import readline from 'node:readline';
import { M3NET } from '../../core/paths.ts';
import { execa, type ResultPromise } from 'execa';
import type { Netns } from '../targets/netns-exec.ts';
import type { z } from 'zod';
import { M3netAnswerSchema, M3netFailureSchema, M3netReceiverSchema, M3netSenderSchema, parseJsonWith, parseWith } from '../../core/schemas.ts';

export { M3NET };

export function m3netBuilt(): boolean {
  return existsSync(M3NET);
}

export interface ReceiverResult {
  bytes: number;
  seconds: number;
  reads: number;
  napiIds: number[];
}

export interface SenderResult {
  bytes: number;
  seconds: number;
}

function spawn(netns: Netns, args: string[]): ResultPromise {
  const [file, argv] = netns ? ['ip', ['netns', 'exec', netns, M3NET, ...args]] : [M3NET, args];
  // `ip netns exec` execs the program, so the child's pid is m3net's own pid.
  return execa(file, argv, { reject: false, stdin: 'ignore', buffer: { stdout: false } });
}

/** The program's result line, checked against `schema`; a killed or failed program is an error saying so. */
function resultLine<T>(r: { exitCode?: number; signal?: string }, lines: string[], who: string, schema: z.ZodType<T>): T {
  if (r.signal) throw new Error(`${who} killed by ${r.signal}`);
  const line = lines.at(-1);
  if (!line) throw new Error(`${who} printed nothing (exit ${r.exitCode})`);
  const parsed = parseJsonWith(M3netAnswerSchema, line, `${who} result line`);
  if (parsed.ok !== true || r.exitCode !== 0) {
    const failure = parsed.ok === false ? parseWith(M3netFailureSchema, parsed, `${who} result line`) : {};
    throw new Error(`${who}: ${String(('error' in failure && failure.error) || `exit ${r.exitCode}`)}`);
  }
  return parseWith(schema, parsed, `${who} result line`);
}

/** The result promise, marked handled: when a run fails early nobody may await it, and that is fine. */
function settled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

export interface Receiver {
  pid: number;
  /** Resolves once every flow is connected (rejects if the receiver ends first). */
  connected: Promise<void>;
  /** Resolves with the receiver's figures once every flow has closed. */
  done: Promise<ReceiverResult>;
  kill(): void;
}

export async function startReceiver(o: { netns: Netns; port: number; flows: number; cpu: number | null; busyPollUs: number }): Promise<Receiver> {
  const args = ['recv', '--port', String(o.port), '--flows', String(o.flows), '--busy-poll', String(o.busyPollUs)];
  if (o.cpu !== null) args.push('--cpu', String(o.cpu));
  const child = spawn(o.netns, args);
  const lines: string[] = [];
  const rl = readline.createInterface({ input: child.stdout! });
  const seen = (marker: string, stage: string) =>
    settled(
      new Promise<void>((resolve, reject) => {
        rl.on('line', (line) => line.includes(marker) && resolve());
        child.then((r) => reject(new Error(`receiver exited before ${stage}: ${lines.at(-1) ?? ''} ${String(r.stderr).trim()}`)));
      }),
    );
  rl.on('line', (line) => lines.push(line));
  const ready = seen('"ready":true', 'listening');
  const connected = seen('"connected":true', 'every flow connected');
  await ready;
  const done = settled(child.then((r) => resultLine(r, lines, 'receiver', M3netReceiverSchema)));
  return { pid: child.pid!, connected, done, kill: () => child.kill('SIGKILL') };
}

export interface Sender {
  pid: number;
  done: Promise<SenderResult>;
  kill(): void;
}

export function startSender(o: {
  netns: Netns;
  addrs: string[];
  port: number;
  flows: number;
  rateMbit: number;
  duration: number;
  cpu: number | null;
}): Sender {
  const args = ['send', '--addrs', o.addrs.join(','), '--port', String(o.port), '--flows', String(o.flows)];
  args.push('--rate-mbit', String(o.rateMbit), '--duration', String(o.duration));
  if (o.cpu !== null) args.push('--cpu', String(o.cpu));
  const child = spawn(o.netns, args);
  const lines: string[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  const done = settled(child.then((r) => resultLine(r, lines, 'sender', M3netSenderSchema)));
  return { pid: child.pid!, done, kill: () => child.kill('SIGKILL') };
}

/** What to run on each remote machine of a lab setup (documented in runners/net/README.md). */
export function remoteSenderCommand(o: { port: number; flows: number; rateMbit: number; duration: number }): string {
  return `m3net send --addrs <this host's address on each NIC, comma-separated> --port ${o.port} --flows ${o.flows} --rate-mbit ${o.rateMbit} --duration ${o.duration}`;
}

// Drives the native paced TCP stream (m3net, native/net/m3net.c) on targets: the receiver on the
// receiver's target (in the receive namespace, or the host's for NICs), the sender in the send
// namespace of the same target (veth) or on a sender target (NICs). The receiver's own
// CLOCK_MONOTONIC figures are the throughput; TypeScript never times the stream.
import type { z } from 'zod';
import type { TargetProcess } from '../../core/target.ts';
import type { KernelShell, Netns } from '../targets/kernel-shell.ts';
import { M3netReceiverSchema, M3netSenderSchema } from '../../core/schemas.ts';
import { m3netAnswer } from '../kernel/m3net-answer.ts';

export interface ReceiverResult {
  bytes: number;
  seconds: number;
  reads: number;
  napiIds: number[];
  /** Its own context switches and CPU time from "connected" to its end (getrusage). */
  rusage?: { seconds: number; voluntary: number; involuntary: number; cpuSeconds: number };
  /** With preferBusyPoll: the epoll busy-poll parameters the kernel held (read back by m3net). */
  epollParams?: { busyPollUsecs: number; busyPollBudget: number; preferBusyPoll: number };
}

export interface SenderResult {
  bytes: number;
  seconds: number;
}

/** Where m3net runs: a target's shell, the program's path there, and the namespace. */
export interface Place {
  sh: KernelShell;
  m3net: string;
  netns: Netns;
}

/** The program's result line, checked against `schema`; a killed or failed program is an error saying so. */
function resultLine<T>(r: Awaited<TargetProcess['done']>, lines: string[], who: string, schema: z.ZodType<T>): T {
  if (r.signal) throw new Error(`${who} killed by ${r.signal}`);
  return m3netAnswer(lines.at(-1), r, who, schema);
}

/** The result promise, marked handled: when a run fails early nobody may await it, and that is fine. */
function settled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

interface Started {
  /** pid on its target. */
  pid: number;
  kill(): Promise<void>;
}

async function start(at: Place, args: string[], who: string): Promise<{ proc: TargetProcess; lines: string[]; pid: number }> {
  const proc = await at.sh.spawn(at.netns, at.m3net, args);
  const lines: string[] = [];
  proc.onLine((l) => lines.push(l));
  const pid = await proc.pid.catch(async (err: Error) => {
    const r = await proc.done;
    throw new Error(`${who} did not start on ${at.sh.target.name}: ${err.message}${r.stderr.trim() ? ` (${r.stderr.trim()})` : ''}`);
  });
  return { proc, lines, pid };
}

export interface Receiver extends Started {
  /** Resolves once every flow is connected (rejects if the receiver ends first). */
  connected: Promise<void>;
  /** Resolves with the receiver's figures once every flow has closed. */
  done: Promise<ReceiverResult>;
}

export async function startReceiver(at: Place, o: { port: number; flows: number; cpu: number | null; busyPollUs: number; preferBusyPoll: boolean }): Promise<Receiver> {
  const args = ['recv', '--port', String(o.port), '--flows', String(o.flows), '--busy-poll', String(o.busyPollUs)];
  if (o.preferBusyPoll) args.push('--prefer-busy-poll');
  if (o.cpu !== null) args.push('--cpu', String(o.cpu));
  const { proc, lines, pid } = await start(at, args, 'receiver');
  const seen = (marker: string, stage: string) =>
    settled(
      new Promise<void>((resolve, reject) => {
        proc.onLine((line) => line.includes(marker) && resolve());
        void proc.done.then((r) => reject(new Error(`receiver exited before ${stage}: ${lines.at(-1) ?? ''} ${r.stderr.trim()}`)));
      }),
    );
  const ready = seen('"ready":true', 'listening');
  const connected = seen('"connected":true', 'every flow connected');
  await ready;
  const done = settled(proc.done.then((r) => resultLine(r, lines, 'receiver', M3netReceiverSchema)));
  return { pid, connected, done, kill: () => proc.kill() };
}

export interface Sender extends Started {
  done: Promise<SenderResult>;
}

export async function startSender(
  at: Place,
  o: { addrs: string[]; port: number; flows: number; rateMbit: number; duration: number; cpu: number | null },
): Promise<Sender> {
  const args = ['send', '--addrs', o.addrs.join(','), '--port', String(o.port), '--flows', String(o.flows)];
  args.push('--rate-mbit', String(o.rateMbit), '--duration', String(o.duration));
  if (o.cpu !== null) args.push('--cpu', String(o.cpu));
  const { proc, lines, pid } = await start(at, args, 'sender');
  const done = settled(proc.done.then((r) => resultLine(r, lines, 'sender', M3netSenderSchema)));
  return { pid, done, kill: () => proc.kill() };
}

/** What to run on each remote machine of a lab setup without a sender target (runners/net/README.md). */
export function remoteSenderCommand(o: { port: number; flows: number; rateMbit: number; duration: number }, addrs: Array<string | null>): string {
  const known = addrs.every((a) => a !== null) ? addrs.join(',') : "<this host's address on each NIC, comma-separated>";
  return `m3net send --addrs ${known} --port ${o.port} --flows ${o.flows} --rate-mbit ${o.rateMbit} --duration ${o.duration}`;
}

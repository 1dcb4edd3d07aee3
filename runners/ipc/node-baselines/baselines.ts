// The two Node-level baselines, IPC1 semantics between this (main) thread as the client and one
// worker thread as the server: what a Node user would pick to talk between threads.
//
// CPU time: client and server are threads of this one process, so process.cpuUsage() (user +
// system of every thread, µs resolution) read around the batch covers both; it also covers this
// process's other threads (V8's, libuv's), which a Node user pays for as well. Neither baseline
// uses another process.
import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Batch } from '../sampling.ts';

export interface OpenBaseline {
  /** Linux thread id of the server thread (for pinning). */
  serverTid: number;
  /** Performs `n` round trips: elapsed ns timed around the loop only, CPU ns read around it. */
  runBatch(n: number): Promise<Batch>;
  close(): Promise<void>;
}

/** Times `loop` (n iterations): wall time inside, this process's CPU time just outside. */
async function timed(n: number, loop: () => Promise<void> | void): Promise<Batch> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const pending = loop();
  if (pending) await pending; // a synchronous loop must not yield before the clock is read
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  return { ns, iterations: n, cpuNs: (cpu.user + cpu.system) * 1000 };
}

export interface NodeBaseline {
  name: string;
  description: string;
  open(size: number): Promise<OpenBaseline>;
}

async function startServer(file: string, options: ConstructorParameters<typeof Worker>[1]): Promise<{ thread: Worker; tid: number }> {
  const thread = new Worker(new URL(file, import.meta.url), options);
  const [hello] = (await once(thread, 'message')) as [{ tid: number }];
  return { thread, tid: hello.tid };
}

const messageChannel: NodeBaseline = {
  name: 'node-messagechannel',
  description: 'worker_threads MessageChannel ping-pong (structured clone of the message each way)',
  async open(size) {
    const { port1, port2 } = new MessageChannel();
    const { thread, tid } = await startServer('./messagechannel-server.js', { workerData: { port: port2 }, transferList: [port2] });
    const message = new Uint8Array(size);
    let onReply: () => void = () => {};
    port1.on('message', () => onReply());
    const roundTrip = () =>
      new Promise<void>((resolve) => {
        onReply = resolve;
        port1.postMessage(message);
      });
    return {
      serverTid: tid,
      runBatch: (n) =>
        timed(n, async () => {
          for (let i = 0; i < n; i++) await roundTrip();
        }),
      async close() {
        port1.close();
        await thread.terminate();
      },
    };
  },
};

const atomics: NodeBaseline = {
  name: 'node-atomics',
  description: 'SharedArrayBuffer + Atomics.wait/notify ping-pong (message copied in and out of shared memory)',
  async open(size) {
    const sab = new SharedArrayBuffer(4 + size);
    const ctrl = new Int32Array(sab, 0, 1);
    const payload = new Uint8Array(sab, 4, size);
    const message = new Uint8Array(size);
    const reply = new Uint8Array(size);
    const { thread, tid } = await startServer('./atomics-server.js', { workerData: { sab, size } });
    let seq = 0;
    return {
      serverTid: tid,
      runBatch: (n) =>
        timed(n, () => {
          for (let i = 0; i < n; i++) {
            payload.set(message);
            const request = seq + 1;
            Atomics.store(ctrl, 0, request);
            Atomics.notify(ctrl, 0);
            while (Atomics.load(ctrl, 0) === request) Atomics.wait(ctrl, 0, request);
            reply.set(payload);
            seq = request + 1;
          }
        }),
      async close() {
        Atomics.store(ctrl, 0, -1);
        Atomics.notify(ctrl, 0);
        const exited = once(thread, 'exit');
        // A server stuck anywhere but in its wait loop would never see -1.
        const timer = setTimeout(() => void thread.terminate(), 2000);
        await exited;
        clearTimeout(timer);
      },
    };
  },
};

export const NODE_BASELINES: readonly NodeBaseline[] = [messageChannel, atomics];

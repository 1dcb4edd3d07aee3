// Server of the node-atomics baseline (plain JS, see messagechannel-server.js). Shared layout:
// ctrl[0] is a sequence number (odd: request from the client, even: reply; -1: stop), the payload
// follows. IPC1's server half: wait for a request, copy the message out, copy the reply in, wake
// the client.
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { sab, size } = workerData;
const ctrl = new Int32Array(sab, 0, 1);
const payload = new Uint8Array(sab, 4, size);
const inbox = new Uint8Array(size);

parentPort.postMessage({ tid: Number(readlinkSync('/proc/thread-self').split('/').pop()) });
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  const seq = Atomics.load(ctrl, 0);
  if (seq === -1) break;
  if (seq % 2 === 0) continue; // our own reply, not yet consumed: spurious wake-up
  inbox.set(payload);
  payload.set(inbox);
  seen = seq + 1;
  Atomics.store(ctrl, 0, seen);
  Atomics.notify(ctrl, 0);
}

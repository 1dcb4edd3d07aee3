// Echo server of the node-messagechannel baseline (plain JS: worker threads do not get tsx's loader
// when m3bench is started through bin/m3bench.js). Receives on the transferred port and sends the
// same message back: IPC1's server half.
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { port } = workerData;
port.on('message', (msg) => port.postMessage(msg));
// "/proc/thread-self" → "<pid>/task/<tid>": the tid lets the client pin this thread.
parentPort.postMessage({ tid: Number(readlinkSync('/proc/thread-self').split('/').pop()) });

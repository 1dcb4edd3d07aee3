// `m3bench m3 status`: the M3-IPC simulator's state, like the paper's /proc files — every VM
// table in /dev/shm, its endpoints, their flags (S sending, R receiving) and counters. It runs
// m3ipc/build/m3ipc-status, which maps the tables read-only; the kernel-module backend shows
// its own state under /proc/m3ipc/ instead.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { M3IPC_BUILD } from '../../core/paths.ts';
import Table from 'cli-table3';
import { execa } from 'execa';
import type { Argv, CommandModule } from 'yargs';

export const STATUS_TOOL = path.join(M3IPC_BUILD, 'm3ipc-status');

export interface M3Endpoint {
  p_nr: number;
  endpoint: number;
  pid: number;
  tid: number;
  alive: boolean;
  flags: string;
  getfrom: number;
  notify_pending: boolean;
  sent: number;
  received: number;
  notify_sent: number;
  notify_received: number;
  vcopy: number;
}

export interface M3Vm {
  segment: string;
  vmid: number;
  nodeid: number;
  creator_pid: number;
  alive: boolean;
  bound: number;
  endpoints: M3Endpoint[];
}

export interface M3Status {
  backend: 'sim';
  sizeof_message: number;
  vms: M3Vm[];
}

export async function readM3Status(): Promise<M3Status> {
  if (!existsSync(STATUS_TOOL)) throw new Error(`${STATUS_TOOL} is missing: run npm run build`);
  const { stdout } = await execa(STATUS_TOOL);
  return JSON.parse(stdout) as M3Status;
}

function render(status: M3Status): string {
  if (status.vms.length === 0) return 'no M3-IPC simulator VM exists\n';
  const table = new Table({
    head: ['segment', 'vm', 'ep', 'p_nr', 'pid/tid', 'alive', 'flags', 'sent', 'recv', 'ntfy out/in', 'vcopy'],
    style: { head: [], border: [] },
  });
  for (const vm of status.vms) {
    if (vm.endpoints.length === 0) table.push([vm.segment, vm.vmid, '-', '-', '-', vm.alive ? 'yes' : 'ended', '', '', '', '', '']);
    for (const e of vm.endpoints)
      table.push([vm.segment, vm.vmid, e.endpoint, e.p_nr, `${e.pid}/${e.tid}`, e.alive ? 'yes' : 'dead',
        e.flags + (e.notify_pending ? 'N' : ''), e.sent, e.received, `${e.notify_sent}/${e.notify_received}`, e.vcopy]);
  }
  return `${table.toString()}\nflags: S sending, R receiving, N notification pending; sizeof(message) ${status.sizeof_message} B\n`;
}

interface StatusArgs {
  json: boolean;
}

const status: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: 'VMs, endpoints, flags and counters of the M3-IPC simulator',
  builder: (y: Argv) => y.option('json', { type: 'boolean', default: false }) as unknown as Argv<StatusArgs>,
  handler: async (args) => {
    try {
      const s = await readM3Status();
      process.stdout.write(args.json ? `${JSON.stringify(s, null, 2)}\n` : render(s));
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  },
};

const command: CommandModule = {
  command: 'm3 <command>',
  describe: 'the M3-IPC reference implementation (m3ipc/)',
  builder: (y: Argv) => y.command(status).demandCommand(1),
  handler: () => {},
};

export default command;

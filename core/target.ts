// Where a case runs. A Target is the one place that knows: it starts the worker (the line protocol
// of docs/protocol.md over any stream), runs commands, reads /proc and /sys, moves files, and says
// what the machine is (fingerprint) and what it can do (capabilities). Collectors, perf, doctor,
// restore, the knob journal and the net workload go through the Target of their case, so nothing
// reads this host's /proc for a case that runs elsewhere. Implementations: runners/targets/.

import type { BootSpec } from './kernel-config.ts';

/** A line-oriented, bidirectional stream to one worker process. */
export interface WorkerStream {
  writeLine(line: string): Promise<void>;
  /** The next line from the worker; rejects after `timeoutMs` or when the stream ends. */
  readLine(timeoutMs: number): Promise<string>;
  close(): Promise<void>;
  /** OS pid of the worker process on its target, when the target knows it. */
  readonly pid?: number;
}

export interface ExecOptions {
  /** Kill the command after this long (ms); the result then has `timedOut`. */
  timeoutMs?: number;
  /** Text fed to the command's stdin. */
  input?: string;
  /** Run as root: directly when the target's user is root, else through `sudo -n`. */
  root?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
}

/**
 * A long-running command on a target (the paced stream's receiver and sender): its stdout lines as
 * they come, its pid there, its end. Whatever runs it (this host, ssh), kill() ends the process on
 * the target itself, not only the relay to it.
 */
export interface TargetProcess {
  /** Its pid on the target; rejects if it ended before saying it. */
  readonly pid: Promise<number>;
  /** Calls `listener` with every stdout line, those already seen first. */
  onLine(listener: (line: string) => void): void;
  /** Resolves when it has ended; `signal` is set when kill() ended it. */
  readonly done: Promise<{ exitCode: number | null; signal?: string; stderr: string }>;
  kill(): Promise<void>;
}

/** What the machine of a target is. Every field is read on that machine. */
export interface TargetFingerprint {
  hostname: string;
  arch: string;
  cpuModel: string;
  /** Online logical CPUs. */
  cores: number;
  kernel: string;
  /** /proc/cmdline. */
  cmdline: string;
  /** Names from /proc/modules. */
  modules: string[];
  /** /sys/devices/system/cpu/vulnerabilities/*: name -> state. */
  mitigations: Record<string, string>;
  virtualised: boolean | null;
  hypervisor?: string;
  memoryBytes: number;
  os: string;
}

export interface Capability {
  ok: boolean;
  /** Why not, or a detail of how (e.g. perf's event source). */
  detail?: string;
}

export interface TargetCapabilities {
  root: Capability;
  perf: Capability;
  /** The m3ipc module: loaded (/dev/m3ipc present), or loadable (root and a module for this kernel). */
  m3ipcModule: Capability;
  netns: Capability;
  ethtool: Capability;
  node: Capability;
}

/** What a run directory's manifest records of a target. */
export interface TargetDescription {
  /** 'local', 'vm', or 'ssh:HOST'. */
  name: string;
  kernel?: string;
  emulated?: boolean;
  note?: string;
  /** Its worker announced a planted slowdown (`M3BENCH_SLOWDOWN`, tests only: docs/protocol.md), "<mechanism>:<fraction>". */
  plantedSlowdown?: string;
}

export interface Target {
  /** 'local', 'vm', or 'ssh:HOST': what cases and manifests call it. */
  readonly name: string;
  readonly kind: 'local' | 'vm' | 'ssh';
  /** Starting a worker costs milliseconds, not a boot: each round may have a fresh one. */
  readonly cheapWorkerStart: boolean;
  startWorker(): Promise<WorkerStream>;
  exec(argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts argv in the background (`root` as for exec); rejects when the target has no command channel. */
  spawn(argv: string[], opts?: Pick<ExecOptions, 'root'>): Promise<TargetProcess>;
  /** Where a program m3bench built is on the target (here: native/build; a lab host: the static copy put there); rejects when it is not there. */
  program(name: 'm3net'): Promise<string>;
  /** A file's text on the target (/proc/*, /sys/*, ...). Rejects when it cannot be read. */
  readFile(path: string): Promise<string>;
  /** Entry names of a directory on the target (e.g. /proc/PID/task). Rejects when it cannot be read. */
  listDir(path: string): Promise<string[]>;
  putFile(localPath: string, remotePath: string): Promise<void>;
  getFile(remotePath: string, localPath: string): Promise<void>;
  fingerprint(): Promise<TargetFingerprint>;
  capabilities(): Promise<TargetCapabilities>;
  describe(): Promise<TargetDescription>;
  /**
   * Reboots into `spec` (null: the target's own default kernel and command line) and resolves once
   * the target answers again. The caller verifies what booted (uname, /proc/cmdline, /sys) through
   * readFile; a target that cannot boot `spec` (this host, a kernel it does not have) rejects.
   */
  boot(spec: BootSpec | null): Promise<void>;
  /** After every worker is closed: releases what the target holds (guests, connections, loaded
   * modules) and returns lines for the log; what it reports may be written into `runDir`. */
  close(runDir?: string): Promise<string[]>;
}

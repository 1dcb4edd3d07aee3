// Where a case runs. A Target is the one place that knows: it starts the worker (the line protocol
// of docs/protocol.md over any stream), runs commands, reads /proc and /sys, moves files, and says
// what the machine is (fingerprint) and what it can do (capabilities). Collectors, perf, doctor,
// restore, the knob journal and the net workload go through the Target of their case, so nothing
// reads this host's /proc for a case that runs elsewhere. Implementations: runners/targets/.

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
}

export interface Target {
  /** 'local', 'vm', or 'ssh:HOST': what cases and manifests call it. */
  readonly name: string;
  readonly kind: 'local' | 'vm' | 'ssh';
  /** Starting a worker costs milliseconds, not a boot: each round may have a fresh one. */
  readonly cheapWorkerStart: boolean;
  startWorker(): Promise<WorkerStream>;
  exec(argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** A file's text on the target (/proc/*, /sys/*, ...). Rejects when it cannot be read. */
  readFile(path: string): Promise<string>;
  /** Entry names of a directory on the target (e.g. /proc/PID/task). Rejects when it cannot be read. */
  listDir(path: string): Promise<string[]>;
  putFile(localPath: string, remotePath: string): Promise<void>;
  getFile(remotePath: string, localPath: string): Promise<void>;
  fingerprint(): Promise<TargetFingerprint>;
  capabilities(): Promise<TargetCapabilities>;
  describe(): Promise<TargetDescription>;
  /** After every worker is closed: releases what the target holds (guests, connections, loaded
   * modules) and returns lines for the log; what it reports may be written into `runDir`. */
  close(runDir?: string): Promise<string[]>;
}

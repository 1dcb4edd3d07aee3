// One connection to a lab host through the system OpenSSH client (never a library of our own):
// the host is resolved by the user's ssh configuration (or `-F file`), BatchMode (never a password
// prompt), and one shared master connection (ControlMaster/ControlPersist) whose socket lives in a
// private temporary directory this connection creates and removes on close — also when the
// process exits without close() (a synchronous 'exit' handler).
import { execa, execaSync } from 'execa';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ExecOptions, ExecResult } from '../../core/target.ts';
import { processAlive } from '../../core/process-alive.ts';

export interface SshConnectionOptions {
  /** Host name or alias, as the ssh configuration knows it. */
  host: string;
  /** `-o HostName=..` (e.g. from an Ansible inventory's ansible_host). */
  hostName?: string;
  port?: number;
  user?: string;
  /** `-F file`: an ssh configuration file instead of ~/.ssh/config. */
  configFile?: string;
  /** Extra `-o` options, e.g. ['StrictHostKeyChecking=accept-new']. */
  options?: string[];
  /** ConnectTimeout, seconds (default 10). */
  connectTimeoutS?: number;
  /** The ssh program (default 'ssh'). */
  sshProgram?: string;
}

export type SshFailureKind = 'unreachable' | 'auth' | 'hostkey' | 'other';

/** ssh itself failed (exit 255), not the remote command. */
export class SshError extends Error {
  constructor(
    message: string,
    readonly kind: SshFailureKind,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Single-quotes one word for a POSIX shell: `it's` -> `'it'\''s'`. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** Turns ssh's exit 255 + stderr into a clear message; null when stderr does not look like ssh's own failure. */
export function classifySshFailure(host: string, stderr: string): SshError {
  const s = stderr.trim();
  const last = s.split('\n').filter((l) => l.trim() && !l.startsWith('@@@')).slice(-2).join(' | ');
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed|host key for .* has changed/i.test(s)) {
    return new SshError(`ssh ${host}: host key changed or not verified — check ~/.ssh/known_hosts (${last})`, 'hostkey', s);
  }
  if (/Permission denied|Too many authentication failures|no more authentication methods/i.test(s)) {
    return new SshError(`ssh ${host}: authentication refused (BatchMode: no password prompt; check the key and user) (${last})`, 'auth', s);
  }
  if (/Connection refused|Connection timed out|timed out|No route to host|Could not resolve hostname|Name or service not known|Network is unreachable|Temporary failure in name resolution|Connection closed by|Connection reset/i.test(s)) {
    return new SshError(`ssh ${host}: unreachable (${last})`, 'unreachable', s);
  }
  return new SshError(`ssh ${host}: ssh failed (exit 255)${last ? `: ${last}` : ''}`, 'other', s);
}

const CONTROL_DIR_PREFIX = 'm3ssh-';

/**
 * Commands in flight on one connection at most. Sessions opened in a burst over one master are
 * refused past a server limit (OpenSSH MaxSessions is 10; the rig's dropbear refused the 6th of a
 * burst, the client exiting 255 with nothing said) — and collectors stopping together are a burst.
 */
const MAX_COMMANDS_IN_FLIGHT = 4;

/** Tries of a read-only command whose session ssh failed to open (read()). */
const READ_ATTEMPTS = 3;

/**
 * Control directories of runs that died without closing (kill -9): each master still listening is
 * told to exit (it would by itself after ControlPersist), then the directory goes. Returns them.
 */
export async function removeStaleControlDirs(): Promise<string[]> {
  const tmp = os.tmpdir();
  const stale = readdirSync(tmp).flatMap((name) => {
    const m = new RegExp(`^${CONTROL_DIR_PREFIX}(\\d+)-`).exec(name);
    return m && !processAlive(Number(m[1])) ? [path.join(tmp, name)] : [];
  });
  for (const dir of stale) {
    for (const socket of readdirSync(dir)) {
      // With an explicit ControlPath the host name only fills the command line.
      await execa('ssh', ['-o', `ControlPath=${path.join(dir, socket)}`, '-O', 'exit', 'stale-m3bench-master'], { reject: false, stdin: 'ignore', timeout: 10_000 });
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return stale;
}

const open = new Set<SshConnection>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of open) c.closeSync();
  });
}

export class SshConnection {
  readonly host: string;
  /** Directory of the control socket (mode 0700); gone after close(). */
  readonly controlDir: string;
  private readonly ssh: string;
  private uid: Promise<number> | null = null;
  private closed = false;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly opts: SshConnectionOptions) {
    this.host = opts.host;
    this.ssh = opts.sshProgram ?? 'ssh';
    // The pid in the name lets `m3bench restore` find the directories of dead runs.
    this.controlDir = mkdtempSync(path.join(os.tmpdir(), `${CONTROL_DIR_PREFIX}${process.pid}-`));
    // mkdtemp makes 0700 already; assert it rather than trust the umask.
    if ((statSync(this.controlDir).mode & 0o077) !== 0) throw new Error(`${this.controlDir}: not private`);
    open.add(this);
    installExitHook();
  }

  /** Options common to every ssh invocation of this connection (before the host). */
  baseArgs(): string[] {
    const o = this.opts;
    const args: string[] = [];
    if (o.configFile) args.push('-F', o.configFile);
    args.push(
      '-o', 'BatchMode=yes',
      '-o', `ConnectTimeout=${o.connectTimeoutS ?? 10}`,
      '-o', 'ServerAliveInterval=5',
      '-o', 'ServerAliveCountMax=3',
      '-o', 'ControlMaster=auto',
      '-o', 'ControlPersist=60',
      '-o', `ControlPath=${path.join(this.controlDir, '%C')}`,
    );
    if (o.hostName) args.push('-o', `HostName=${o.hostName}`);
    if (o.port !== undefined) args.push('-p', String(o.port));
    if (o.user) args.push('-l', o.user);
    for (const opt of o.options ?? []) args.push('-o', opt);
    return args;
  }

  /** Full argv of `ssh ... host -- remoteCommand` (for a caller that spawns itself, e.g. the worker stream). */
  commandArgs(remoteCommand: string, extra: string[] = []): string[] {
    return [...this.baseArgs(), ...extra, this.host, '--', remoteCommand];
  }

  get program(): string {
    return this.ssh;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`ssh ${this.host}: connection closed`);
  }

  /** Runs a remote shell command line as is. Rejects with SshError when ssh itself fails. */
  async run(command: string, opts: { timeoutMs?: number; input?: string; inputFile?: string; allow255?: boolean } = {}): Promise<ExecResult> {
    this.assertOpen();
    // A finishing command hands its slot straight to the next waiter.
    if (this.inFlight >= MAX_COMMANDS_IN_FLIGHT) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight++;
    try {
      return await this.runNow(command, opts);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }

  private async runNow(command: string, opts: { timeoutMs?: number; input?: string; inputFile?: string; allow255?: boolean }): Promise<ExecResult> {
    const stdinOpt = opts.inputFile !== undefined ? { inputFile: opts.inputFile } : opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const };
    // A timed command is also limited on the host by `timeout` (coreutils or busybox) when it is
    // there: a command killed only here would keep running in the shared master's session.
    const timed = opts.timeoutMs !== undefined;
    const secs = timed ? Math.max(1, Math.ceil(opts.timeoutMs! / 1000)) : 0;
    const q = shellQuote(command);
    const remote = timed ? `if command -v timeout >/dev/null 2>&1; then exec timeout -s TERM ${secs} sh -c ${q}; else exec sh -c ${q}; fi` : command;
    const child = execa(this.ssh, this.commandArgs(remote), {
      reject: false,
      stripFinalNewline: false,
      ...stdinOpt,
    });
    // Not execa's `timeout`: through the shared master the mux client hands its stdio to the
    // master, so killing it leaves our pipes open until the remote command ends. Kill it and let
    // go of the pipes ourselves.
    let timedOut = false;
    const timer = !timed ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, opts.timeoutMs);
    const r = await child;
    clearTimeout(timer);
    const stdout = String(r.stdout ?? '');
    const stderr = String(r.stderr ?? '');
    if (timedOut) return { exitCode: r.exitCode ?? -1, stdout, stderr, timedOut: true };
    // Nothing on stderr (e.g. a session the server refused): at least say which command it was.
    if (r.exitCode === 255 && !opts.allow255) {
      const err = classifySshFailure(this.host, stderr);
      throw stderr.trim() ? err : new SshError(`${err.message}: nothing on stderr, running: ${command.slice(0, 120)}`, err.kind, stderr);
    }
    if (r.exitCode === undefined) throw new Error(`ssh ${this.host}: ${r.message ?? 'could not run ssh'}`);
    return { exitCode: r.exitCode, stdout, stderr };
  }

  /** Checks the connection (and opens the shared master): rejects with a clear SshError. */
  async connect(): Promise<void> {
    await this.remoteUid();
  }

  remoteUid(): Promise<number> {
    this.uid ??= this.run('id -u', { timeoutMs: 30_000 }).then((r) => {
      const uid = Number(r.stdout.trim());
      if (r.exitCode !== 0 || !Number.isInteger(uid)) throw new Error(`ssh ${this.host}: id -u failed (${r.exitCode}): ${r.stderr.trim()}`);
      return uid;
    }).catch((err: unknown) => {
      this.uid = null;
      throw err;
    });
    return this.uid;
  }

  /** argv quoted for the remote shell; `root` runs it directly as uid 0 or else through `sudo -n`. */
  async exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (!argv.length) throw new Error('exec: empty command');
    const asSudo = opts.root && (await this.remoteUid()) !== 0;
    const command = shellJoin(asSudo ? ['sudo', '-n', ...argv] : argv);
    const r = await this.run(command, { timeoutMs: opts.timeoutMs, input: opts.input });
    return { ...r, stdout: r.stdout.replace(/\n$/, ''), stderr: r.stderr.replace(/\n$/, '') };
  }

  /**
   * A read-only command, tried again when ssh fails with nothing said: the rig's dropbear now and
   * then refuses a session while the guest is busy (exit 255, empty stderr), and a read can be
   * repeated whether or not it ran. Commands that change state are never repeated.
   */
  private async read(command: string): Promise<ExecResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.run(command);
      } catch (err) {
        const refused = err instanceof SshError && err.kind === 'other' && err.stderr.trim() === '';
        if (!refused || attempt >= READ_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  async readFile(remotePath: string): Promise<string> {
    const r = await this.read(`cat -- ${shellQuote(remotePath)}`);
    if (r.exitCode !== 0) throw new Error(`ssh ${this.host}: cannot read ${remotePath}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    return r.stdout;
  }

  async listDir(remotePath: string): Promise<string[]> {
    const r = await this.read(`cd -- ${shellQuote(remotePath)} && ls -1A`);
    if (r.exitCode !== 0) throw new Error(`ssh ${this.host}: cannot list ${remotePath}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    return r.stdout.split('\n').filter(Boolean);
  }

  /** Copies a local file to the host (`cat > path` with the file on stdin); `mode` e.g. '755'. */
  async putFile(localPath: string, remotePath: string, mode?: string): Promise<void> {
    const q = shellQuote(remotePath);
    const r = await this.run(`cat > ${q}${mode ? ` && chmod ${mode} ${q}` : ''}`, { inputFile: localPath });
    if (r.exitCode !== 0) throw new Error(`ssh ${this.host}: cannot write ${remotePath}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  }

  /** Copies a file from the host (binary-safe: `cat` streamed into the local file). */
  async getFile(remotePath: string, localPath: string): Promise<void> {
    this.assertOpen();
    await mkdir(path.dirname(path.resolve(localPath)), { recursive: true });
    const r = await execa(this.ssh, this.commandArgs(`cat -- ${shellQuote(remotePath)}`), {
      reject: false,
      stdin: 'ignore',
      stdout: { file: localPath },
    });
    if (r.exitCode === 255) throw classifySshFailure(this.host, String(r.stderr ?? ''));
    if (r.exitCode !== 0) throw new Error(`ssh ${this.host}: cannot read ${remotePath}: ${String(r.stderr ?? '').trim() || `exit ${r.exitCode}`}`);
  }

  /** Ends the shared master but stays usable: the next command opens a new one (after a reboot of the host). */
  async dropMaster(): Promise<void> {
    this.assertOpen();
    await this.exitMaster();
  }

  private async exitMaster(): Promise<void> {
    await execa(this.ssh, [...this.baseArgs(), '-O', 'exit', this.host], { reject: false, stdin: 'ignore', timeout: 10_000 });
  }

  /** Ends the shared master (`ssh -O exit`) and removes the control directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    open.delete(this);
    await this.exitMaster();
    rmSync(this.controlDir, { recursive: true, force: true });
  }

  /** The same, synchronously (process 'exit' handler). */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    open.delete(this);
    try {
      execaSync(this.ssh, [...this.baseArgs(), '-O', 'exit', this.host], { reject: false, stdin: 'ignore', timeout: 5_000 });
    } catch {
      // nothing more can be done on the way out
    }
    rmSync(this.controlDir, { recursive: true, force: true });
  }
}

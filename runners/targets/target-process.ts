// A TargetProcess (core/target.ts) over a process spawned here: the command itself (local target)
// or ssh relaying it (SSH target). The command is wrapped so that its first line is its pid on the
// target — `sh -c 'echo $$; exec "$@"'`: the shell execs the program, so that pid is the
// program's — and kill() ends it there through the target's own exec (`kill -9 PID`), then the
// relay: killing only an ssh client would leave the program running on the host.
import type { ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import type { TargetProcess } from '../../core/target.ts';

/** argv behind a shell that first prints its pid (the program's, after exec). */
export function withPidLine(argv: string[]): string[] {
  return ['sh', '-c', 'echo $$; exec "$@"', 'sh', ...argv];
}

/** How long kill() waits for a pid line that has not come yet (the process is starting). */
const PID_WAIT_MS = 5000;

export function relayedProcess(child: ResultPromise, killOnTarget: (pid: number) => Promise<unknown>): TargetProcess {
  const seen: string[] = [];
  const listeners: Array<(line: string) => void> = [];
  let stderr = '';
  let killed = false;
  let resolvePid: (pid: number) => void = () => {};
  let rejectPid: (err: Error) => void = () => {};
  const pid = new Promise<number>((resolve, reject) => {
    resolvePid = resolve;
    rejectPid = reject;
  });
  pid.catch(() => {}); // a caller that never asks is fine
  child.stderr?.setEncoding('utf8');
  // The last few KB are enough to explain a failure.
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4096);
  });
  let first = true;
  createInterface({ input: child.stdout!, crlfDelay: Infinity }).on('line', (line) => {
    if (first) {
      first = false;
      const n = Number(line.trim());
      if (Number.isInteger(n) && n > 0) resolvePid(n);
      else rejectPid(new Error(`expected its pid as the first line, got ${JSON.stringify(line)}`));
      return;
    }
    seen.push(line);
    for (const l of listeners) l(line);
  });
  const done = child.then((r) => {
    rejectPid(new Error(`it ended before saying its pid: ${stderr.trim() || `exit ${r.exitCode}`}`));
    const signal = killed ? 'SIGKILL' : r.signal;
    return { exitCode: killed ? null : (r.exitCode ?? null), ...(signal ? { signal } : {}), stderr };
  });
  return {
    pid,
    done,
    onLine(listener) {
      for (const line of seen) listener(line);
      listeners.push(listener);
    },
    async kill() {
      killed = true;
      const timeout = new Promise<null>((r) => setTimeout(() => r(null), PID_WAIT_MS).unref());
      const known = await Promise.race([pid.catch(() => null), done.then(() => null), timeout]);
      if (known !== null) await killOnTarget(known).catch(() => {});
      child.kill('SIGKILL');
      await done;
    },
  };
}

// A root shell on a target for kernel state: run a tool (ip, ethtool, taskset, ...) in the host's
// network namespace or inside one of the run's own (`ip netns exec` remounts /sys for that
// namespace, so sysfs and /proc/sys/net show its own devices and sysctls), read and write kernel
// files, find tasks by name. Made from any Target, so tests A/B change the knobs of the machine
// the case runs on — this host or a lab host — and nothing else.
import type { ExecResult, Target, TargetProcess } from '../../core/target.ts';

/** null = the target's initial (host) network namespace. */
export type Netns = string | null;

export class KernelShell {
  constructor(readonly target: Target) {}

  private argv(netns: Netns, cmd: string, args: string[]): string[] {
    return netns ? ['ip', 'netns', 'exec', netns, cmd, ...args] : [cmd, ...args];
  }

  /** stdout of the tool, run as root; rejects with its stderr when it fails. */
  async run(netns: Netns, cmd: string, args: string[]): Promise<string> {
    const r = await this.target.exec(this.argv(netns, cmd, args), { root: true });
    if (r.exitCode !== 0) throw new Error(`${[cmd, ...args].join(' ')}${netns ? ` (netns ${netns})` : ''}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    return r.stdout;
  }

  /** The tool's exit status and output, run as root, failing or not: for tools that explain a failure on stdout (m3net). */
  exec(netns: Netns, cmd: string, args: string[]): Promise<ExecResult> {
    return this.target.exec(this.argv(netns, cmd, args), { root: true });
  }

  /** A long-running program as root (the paced stream), in `netns` or the host's namespace. */
  spawn(netns: Netns, cmd: string, args: string[]): Promise<TargetProcess> {
    return this.target.spawn(this.argv(netns, cmd, args), { root: true });
  }

  async read(netns: Netns, path: string): Promise<string> {
    return (netns ? await this.run(netns, 'cat', [path]) : await this.target.readFile(path)).trim();
  }

  async write(netns: Netns, path: string, value: string): Promise<void> {
    await this.run(netns, 'sh', ['-c', 'printf %s "$1" > "$2"', 'sh', value, path]);
  }

  async has(tool: string): Promise<boolean> {
    return this.run(null, 'sh', ['-c', `command -v ${tool}`]).then(() => true, () => false);
  }

  async netnsExists(name: string): Promise<boolean> {
    const list = await this.run(null, 'ip', ['netns', 'list']);
    return list.split('\n').some((l) => l.split(' ')[0] === name);
  }

  /** Every task whose name (comm) starts with `prefix`, in one command (over ssh, one read per task would take seconds). */
  async tasksNamed(prefix: string): Promise<Array<{ pid: number; comm: string }>> {
    // A task that exits mid-loop fails only its own `read`.
    const out = await this.run(null, 'sh', ['-c', 'for f in /proc/[0-9]*/comm; do read -r c 2>/dev/null < "$f" && echo "$f $c"; done; true']);
    return out.split('\n').flatMap((line) => {
      const m = /^\/proc\/(\d+)\/comm (.*)$/.exec(line);
      return m && m[2]!.startsWith(prefix) ? [{ pid: Number(m[1]), comm: m[2]! }] : [];
    });
  }
}

// Reading and writing kernel files and running tools either in the host's namespaces or inside one
// of the run's network namespaces (`ip netns exec` remounts /sys for that namespace, so sysfs and
// /proc/sys/net show the namespace's own devices and sysctls).
import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';

/** null = the host's (initial) network namespace. */
export type Netns = string | null;

export async function run(netns: Netns, cmd: string, args: string[]): Promise<string> {
  const [file, argv] = netns ? ['ip', ['netns', 'exec', netns, cmd, ...args]] : [cmd, args];
  const r = await execa(file, argv, { reject: false, stdin: 'ignore' });
  if (r.exitCode !== 0) throw new Error(`${[cmd, ...args].join(' ')}${netns ? ` (netns ${netns})` : ''}: ${String(r.stderr).trim() || `exit ${r.exitCode}`}`);
  return String(r.stdout);
}

export async function readKernelFile(netns: Netns, path: string): Promise<string> {
  return (netns ? await run(netns, 'cat', [path]) : await readFile(path, 'utf8')).trim();
}

export async function writeKernelFile(netns: Netns, path: string, value: string): Promise<void> {
  if (netns) await run(netns, 'sh', ['-c', 'printf %s "$1" > "$2"', 'sh', value, path]);
  else await writeFile(path, value);
}

export async function netnsExists(name: string): Promise<boolean> {
  const list = await run(null, 'ip', ['netns', 'list']);
  return list.split('\n').some((l) => l.split(' ')[0] === name);
}

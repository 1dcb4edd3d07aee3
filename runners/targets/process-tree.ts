// Descendants of a local process, from /proc/<pid>/task/<tid>/children (Linux ≥ 3.5 with
// CONFIG_PROC_CHILDREN, as Debian builds it). Used to find a worker's server processes for the
// collectors when the worker does not list them itself.
import { readdirSync, readFileSync } from 'node:fs';

export function descendants(pid: number): number[] {
  const children = new Set<number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) for (const child of text.split(/\s+/)) children.add(Number(child));
    }
  } catch {
    return []; // gone already, or not ours to read
  }
  return [...children].flatMap((child) => [child, ...descendants(child)]);
}

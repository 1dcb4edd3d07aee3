/** Module names of /proc/modules text (its first field per line). */
export function moduleNamesOf(procModules: string): string[] {
  return procModules.split('\n').flatMap((l) => (l ? [l.split(' ')[0]!] : []));
}

// The order mechanisms appear in every figure and table: the reference implementation first
// (as in the paper's Figure 1), then the baselines, then modern paths, then Node-level ones.
export const MECHANISM_ORDER = [
  'm3-kmod',
  'm3-sim',
  'pipe',
  'fifo',
  'posix-mq',
  'sysv-mq',
  'unix-stream',
  'unix-dgram',
  'tcp',
  'simpl',
  'eventfd',
  'futex',
  'pvm',
  'memcpy',
  'node-messagechannel',
  'node-atomics',
] as const;

/** Known mechanisms in the canonical order, then any unknown ones alphabetically. */
export function orderMechanisms(names: Iterable<string>): string[] {
  const present = new Set(names);
  const known = MECHANISM_ORDER.filter((m) => present.has(m));
  const unknown = [...present].filter((m) => !(MECHANISM_ORDER as readonly string[]).includes(m)).sort();
  return [...known, ...unknown];
}

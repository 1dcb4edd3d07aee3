// Counter arithmetic shared by the /proc parsers: differences that survive a counter wrap.

/** Width of the kernel counters we read: /proc/interrupts and /proc/softirqs print `unsigned int`. */
export const U32 = 2 ** 32;

/**
 * cur − prev for a counter of `modulo` range. A smaller current value means the counter wrapped
 * once (intervals are far too short for two wraps); with no modulo (64-bit counters), a decrease
 * can only be a reset, reported as 0 rather than a negative rate.
 */
export function counterDelta(prev: number, cur: number, modulo?: number): number {
  if (cur >= prev) return cur - prev;
  return modulo ? cur + modulo - prev : 0;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

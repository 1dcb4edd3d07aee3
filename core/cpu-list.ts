// The kernel's CPU list format ("0-1,3", as in /sys/devices/system/cpu/online, isolcpus= and
// smp_affinity_list) and its hex masks (/proc/irq/*/smp_affinity, "00000003" or "ff,00000000").

/** The CPUs of a list, sorted, each once: "0-1,3" -> [0, 1, 3]. */
export function cpuListToSet(list: string): number[] {
  const out = new Set<number>();
  for (const part of list.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a!; c <= (b ?? a!); c++) out.add(c);
  }
  return [...out].sort((x, y) => x - y);
}

/** The CPUs of a hex mask, sorted: "00000005" -> [0, 2]. */
export function cpuMaskToSet(mask: string): number[] {
  const bits = BigInt(`0x${mask.trim().replace(/,/g, '') || '0'}`);
  const out: number[] = [];
  for (let c = 0; bits >> BigInt(c) > 0n; c++) if ((bits >> BigInt(c)) & 1n) out.push(c);
  return out;
}

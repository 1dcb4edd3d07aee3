// The kernel configurations of the runs as applied and verified on each target (manifest
// `configurations`): what booted, what the kernel showed, and why a configuration was not applied.
import type { LoadedRun } from './load.ts';
import type { Table } from './table.ts';

export function configurationsTable(runs: LoadedRun[]): Table | undefined {
  const records = runs.flatMap((run) => run.manifest.configurations ?? []);
  if (records.length === 0) return undefined;
  return {
    title: 'Kernel configurations: applied and verified before measuring',
    columns: ['target', 'configuration', 'status', 'kernel release', 'added to the command line', 'isolated', 'nohz_full', 'default IRQ affinity', 'why not applied'],
    rows: records.map((r) => [
      r.target,
      r.name,
      r.status,
      r.observed?.release ?? '',
      [...r.configuration.cmdline, ...Object.entries(r.configuration.sysctls).map(([k, v]) => `sysctl.${k}=${v}`)].join(' ') || '(nothing)',
      r.observed?.isolated || '–',
      r.observed?.nohzFull || '–',
      r.observed?.defaultIrqAffinity ?? '',
      r.reasons.join('; '),
    ]),
    notes: [
      'Verified from the booted kernel: uname -r, /proc/cmdline, /sys/devices/system/cpu/{isolated,nohz_full}, /proc/irq/default_smp_affinity, vulnerabilities, sysctls read back, the kernel log (unknown parameters, RCU offload); nothing is measured under a configuration that is not applied.',
      '–: empty (no CPU isolated / no nohz_full CPU).',
    ],
  };
}

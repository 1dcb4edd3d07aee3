// Host fingerprint for the run manifest: systeminformation first, /proc where it returns nothing
// (it can come back empty inside containers and minimal VMs).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import si from 'systeminformation';
import type { HostFingerprint } from '../core/types.ts';

function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function procCpuModel(): string | undefined {
  return /^model name\s*:\s*(.+)$/m.exec(readProc('/proc/cpuinfo'))?.[1]?.trim();
}

function procMemoryBytes(): number {
  const kb = /^MemTotal:\s*(\d+) kB$/m.exec(readProc('/proc/meminfo'))?.[1];
  return kb ? Number(kb) * 1024 : os.totalmem();
}

/** The CPU's "hypervisor" flag is set by every mainstream hypervisor (CPUID leaf 1, ECX bit 31). */
function procVirtualised(): boolean | null {
  const cpuinfo = readProc('/proc/cpuinfo');
  if (!cpuinfo) return null;
  return /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo);
}

export async function hostFingerprint(): Promise<HostFingerprint> {
  const [cpu, osInfo, mem, system] = await Promise.all([
    si.cpu().catch(() => null),
    si.osInfo().catch(() => null),
    si.mem().catch(() => null),
    si.system().catch(() => null),
  ]);
  const cpuModel = [cpu?.manufacturer, cpu?.brand].filter(Boolean).join(' ').trim();
  const virtualised = system?.virtual === true ? true : procVirtualised();
  return {
    hostname: osInfo?.hostname || os.hostname(),
    // The full model string from /proc is more specific than systeminformation's brand.
    cpuModel: procCpuModel() || cpuModel || os.cpus()[0]?.model || 'unknown',
    cores: cpu?.cores || os.availableParallelism(),
    ...(cpu?.physicalCores ? { physicalCores: cpu.physicalCores } : {}),
    kernel: osInfo?.kernel || readProc('/proc/sys/kernel/osrelease').trim() || os.release(),
    os: osInfo?.distro ? `${osInfo.distro} ${osInfo.release}`.trim() : os.type(),
    memoryBytes: mem?.total || procMemoryBytes(),
    virtualised,
    ...(system?.virtualHost ? { hypervisor: system.virtualHost } : {}),
    node: process.version,
  };
}

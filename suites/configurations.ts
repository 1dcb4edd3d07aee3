// Kernel configurations of a run: a config set file (config/kernels/NAME.json or a path) or one
// configuration per `--kernel VERSION`. Validated before anything runs: a bad file is a ConfigError
// naming the field.
import { z } from 'zod';
import path from 'node:path';
import { ConfigError, parseOrThrow } from '../core/config-error.ts';
import { configPath, readConfigJson } from '../core/config-file.ts';
import { ConfigSetSchema, type KernelConfiguration, KernelConfigurationSchema } from '../core/kernel-config.ts';
import { CONFIG_DIR } from '../core/paths.ts';

export const KERNEL_CONFIG_DIR = path.join(CONFIG_DIR, 'kernels');

/** `--config-set isolation` → config/kernels/isolation.json; anything with a slash or .json is a path. */
export function resolveConfigSetPath(name: string): string {
  return configPath(name, KERNEL_CONFIG_DIR);
}

export function loadConfigSet(name: string): KernelConfiguration[] {
  const file = resolveConfigSetPath(name);
  const source = path.relative(process.cwd(), file) || file;
  const raw = readConfigJson(file, source, `no such configuration set (sets live in ${path.relative(process.cwd(), KERNEL_CONFIG_DIR)}/)`);
  return parseOrThrow(ConfigSetSchema, raw, source).configurations;
}

/** Configurations recorded elsewhere (a run's manifest, for --resume), validated as a set's are. */
export function parseConfigurations(value: unknown, source: string): KernelConfiguration[] {
  return parseOrThrow(z.array(KernelConfigurationSchema), value, source);
}

/** `--kernel 6.12` → a configuration named kernel-6.12 that boots that kernel and adds nothing (a release's "+" becomes "_" in the name). */
export function kernelConfigurations(versions: string[]): KernelConfiguration[] {
  return versions.map((v, i) => parseOrThrow(KernelConfigurationSchema, { name: `kernel-${v.replace(/[^A-Za-z0-9._-]/g, '_')}`, kernel: v }, `--kernel[${i}]`));
}

/** A runtime profile is applied by the tests A/B runner: under any other suite it would be recorded but not applied. */
export function checkRuntimeProfiles(configs: KernelConfiguration[], suiteKind: string, source: string): void {
  const bad = configs.filter((c) => c.runtimeProfile !== undefined && suiteKind !== 'net-ab');
  if (bad.length) {
    throw new ConfigError(bad.map((c) => `${source}: configuration ${c.name}: runtimeProfile applies to net-ab suites only (this suite is ${suiteKind})`));
  }
}

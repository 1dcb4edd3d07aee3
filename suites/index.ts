// Config file → validated config → plan of cases, through the registry of suite kinds.
import path from 'node:path';
import { CONFIG_DIR } from '../core/paths.ts';
import { type Case, TARGET_ID_SEPARATOR, type TargetName } from '../core/types.ts';
import { ConfigError, parseOrThrow, problem } from '../core/config-error.ts';
import { configPath, readConfigJson } from '../core/config-file.ts';
import { ipcSuite } from './ipc.ts';
import type { CatalogueEntry, PlanOverrides, SuiteKind } from './types.ts';

export { ConfigError } from '../core/config-error.ts';
export type { CatalogueEntry, PlanOverrides } from './types.ts';

const SUITE_KINDS: Record<string, SuiteKind> = {
  ipc: ipcSuite,
  // ---- other suite kinds register here (one line each) ----
  'net-ab': (await import('./netab.ts')).netAbSuite,
};

export { CONFIG_DIR };

/** `--suite paper` → config/paper.json; anything with a slash or .json is a path. */
export function resolveSuitePath(suite: string): string {
  return configPath(suite, CONFIG_DIR);
}

export interface LoadedSuite {
  source: string;
  kind: string;
  name: string;
  config: Record<string, unknown>;
}

/** Reads and validates a suite config; throws ConfigError naming the field. Nothing is run. */
export async function loadSuite(suite: string): Promise<LoadedSuite> {
  const file = resolveSuitePath(suite);
  const relative = path.relative(process.cwd(), file);
  const source = relative && !relative.startsWith('..') ? relative : file;
  const raw = readConfigJson(file, source, `no such suite config (suites live in ${path.relative(process.cwd(), CONFIG_DIR) || CONFIG_DIR}/)`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError([problem(source, [], 'a suite config is a JSON object')]);
  const kind = (raw as { kind?: unknown }).kind ?? 'ipc';
  const suiteKind = typeof kind === 'string' ? SUITE_KINDS[kind] : undefined;
  if (!suiteKind) throw new ConfigError([problem(source, ['kind'], `${JSON.stringify(kind)} is not one of ${Object.keys(SUITE_KINDS).join(', ')}`)]);
  const config = parseOrThrow(suiteKind.schema, raw, source) as Record<string, unknown>;
  return { source, kind: suiteKind.kind, name: String(config.name), config };
}

export interface PlanOptions {
  /** Append `@TARGET` to every case id: a lab host's cases, or any target's in a run over several. */
  qualifyIds?: boolean;
}


export function expandPlan(suite: LoadedSuite, catalogue: CatalogueEntry[], overrides: PlanOverrides, target: TargetName, options: PlanOptions = {}): Case[] {
  const cases = SUITE_KINDS[suite.kind]!.expand({ config: suite.config, source: suite.source, catalogue, overrides, target });
  if (cases.length === 0) throw new ConfigError([`${suite.source}: the plan is empty after the command-line filters`]);
  return options.qualifyIds ? cases.map((c) => ({ ...c, id: `${c.id}${TARGET_ID_SEPARATOR}${target}` })) : cases;
}

// Config files by name or path (suites, profiles, configuration sets): where a name points, and
// its JSON or a ConfigError naming the file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config-error.ts';

/** `name` → DIR/name.json; anything with a slash or ending in .json is a path. */
export function configPath(name: string, dir: string): string {
  if (name.includes('/') || name.endsWith('.json')) return path.resolve(name);
  return path.join(dir, `${name}.json`);
}

/** The parsed JSON of `file`; a missing file says `missing` (e.g. "no such profile (...)"). */
export function readConfigJson(file: string, source: string, missing: string): unknown {
  if (!existsSync(file)) throw new ConfigError([`${source}: ${missing}`]);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`${source}: not valid JSON: ${(err as Error).message}`]);
  }
}

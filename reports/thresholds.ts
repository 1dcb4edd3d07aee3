// Regression thresholds per test (config/thresholds.json) and the --threshold syntax ("5%", "0.05").
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_DIR } from '../core/paths.ts';
import { parseJsonWith, ThresholdsFileSchema } from '../core/schemas.ts';
import { TESTS } from '../core/types.ts';

export interface Thresholds {
  default: number;
  tests: Record<string, number>;
}

export const DEFAULT_THRESHOLDS_FILE = path.join(CONFIG_DIR, 'thresholds.json');

function checkFraction(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 10) {
    throw new Error(`${field}: must be a fraction such as 0.05 (5 %), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** "5%" → 0.05, "0.05" → 0.05; anything else is an error naming the option. */
export function parseThreshold(text: string, field = '--threshold'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (!m) throw new Error(`${field}: expected a percentage like 5% or a fraction like 0.05, got "${text}"`);
  return checkFraction(m[2] ? Number(m[1]) / 100 : Number(m[1]), field);
}

export async function loadThresholds(file: string | URL = DEFAULT_THRESHOLDS_FILE): Promise<Thresholds> {
  const where = String(file instanceof URL ? file.pathname : file);
  const raw = parseJsonWith(ThresholdsFileSchema, await readFile(file, 'utf8'), where);
  const tests = raw.tests ?? {};
  for (const name of Object.keys(tests)) {
    if (!(TESTS as readonly string[]).includes(name)) throw new Error(`${where}: tests.${name}: unknown test (known: ${TESTS.join(', ')})`);
  }
  return { default: raw.default, tests };
}

export function thresholdFor(t: Thresholds, test: string): number {
  return t.tests[test] ?? t.default;
}

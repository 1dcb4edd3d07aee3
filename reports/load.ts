// Reads run directories (manifest.json + results.jsonl) into memory for every report and comparison.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { mergeRounds } from '../core/rounds.ts';
import { ManifestSchema, parseWith, ResultSchema } from '../core/schemas.ts';
import type { Manifest, Result } from '../core/types.ts';

export interface LoadedRun {
  dir: string;
  manifest: Manifest;
  results: Result[];
  /** Lines of results.jsonl that could not be parsed (e.g. a run killed mid-write). */
  badLines: number;
}

/**
 * Every field readers need is checked (core/schemas.ts): a corrupt file is an error naming the file,
 * the line and the field, e.g. `runs/x/results.jsonl line 2: case: required`. Only a line that is
 * not JSON at all (torn by a crash mid-write) is skipped and counted in `badLines`.
 */
export async function loadRun(dir: string): Promise<LoadedRun> {
  const manifestPath = path.join(dir, 'manifest.json');
  const resultsPath = path.join(dir, 'results.jsonl');
  const manifestText = await readFile(manifestPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === 'ENOENT' ? `${dir}: not a run directory (no manifest.json)` : `${manifestPath}: ${err.message}`);
  });
  let manifestValue: unknown;
  try {
    manifestValue = JSON.parse(manifestText);
  } catch (err) {
    throw new Error(`${manifestPath}: not JSON (${(err as Error).message})`);
  }
  // Validated: the casts below only restore the declared types over the schemas' loose output.
  const manifest = parseWith(ManifestSchema, manifestValue, manifestPath) as unknown as Manifest;
  const text = await readFile(resultsPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === 'ENOENT' ? `${dir}: no results.jsonl (the run measured nothing yet)` : `${resultsPath}: ${err.message}`);
  });
  const results: Result[] = [];
  let badLines = 0;
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A crash can leave a torn last line; the results before it are still good.
      badLines++;
      return;
    }
    results.push(parseWith(ResultSchema, value, `${resultsPath} line ${i + 1}`) as unknown as Result);
  });
  // One line per case and round in the file; one result per case from here on.
  return { dir, manifest, results: await mergeRounds(results), badLines };
}

export async function loadRuns(dirs: string[]): Promise<LoadedRun[]> {
  return Promise.all(dirs.map(loadRun));
}

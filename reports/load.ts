// Reads run directories (manifest.json + results.jsonl) into memory for every report and comparison.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { mergeRounds } from '../core/rounds.ts';
import type { Manifest, Result } from '../core/types.ts';

export interface LoadedRun {
  dir: string;
  manifest: Manifest;
  results: Result[];
  /** Lines of results.jsonl that could not be parsed (e.g. a run killed mid-write). */
  badLines: number;
}

export async function loadRun(dir: string): Promise<LoadedRun> {
  const manifestPath = path.join(dir, 'manifest.json');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
  } catch (err) {
    throw new Error(`run directory ${dir}: cannot read manifest.json (${(err as Error).message})`);
  }
  const text = await readFile(path.join(dir, 'results.jsonl'), 'utf8').catch(() => '');
  const results: Result[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      results.push(JSON.parse(line) as Result);
    } catch {
      // A crash can leave a torn last line; the results before it are still good.
      badLines++;
    }
  }
  // One line per case and round in the file; one result per case from here on.
  return { dir, manifest, results: await mergeRounds(results), badLines };
}

export async function loadRuns(dirs: string[]): Promise<LoadedRun[]> {
  return Promise.all(dirs.map(loadRun));
}

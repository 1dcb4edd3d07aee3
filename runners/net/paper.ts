// Paper 2's reference values (config/profiles/paper-ab.json) for one of our results: Table 1, and
// each row of Table 2/3 beside our share of the same work under today's symbol names.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CollectorOutput } from '../../core/types.ts';
import { PROFILE_DIR } from '../../suites/profile.ts';

interface PaperRow {
  samples: number;
  percent: number;
  symbol: string;
}

interface PaperAB {
  table1: Record<string, { cswchPerSec: number; intrPerSec: number }>;
  profiles: Record<string, PaperRow[]>;
  symbolMap: Record<string, { modern: string[]; note: string }>;
}

export const PAPER_FILE = path.join(PROFILE_DIR, 'paper-ab.json');

export function loadPaper(): PaperAB {
  return JSON.parse(readFileSync(PAPER_FILE, 'utf8')) as PaperAB;
}

/** The symbol groups the perf collector should total: 2.6 name → today's names. */
export function symbolGroups(paper: PaperAB = loadPaper()): Record<string, string[]> {
  return Object.fromEntries(Object.entries(paper.symbolMap).map(([old, m]) => [old, m.modern]));
}

/** "A-lab" is compared with the paper's A. */
export function paperTest(profile: string): string {
  return profile.replace(/-.*$/, '');
}

export function paperReference(profile: string, perf: CollectorOutput | undefined, paper: PaperAB = loadPaper()) {
  const test = paperTest(path.basename(profile, '.json'));
  if (!(test in paper.table1)) return undefined;
  const groups = perf?.summary.groups as Record<string, { percent: number; samples: number }> | undefined;
  return {
    source: 'config/profiles/paper-ab.json',
    test,
    table1: paper.table1[test],
    profile: paper.profiles[test].map((row) => ({
      ...row,
      modern: paper.symbolMap[row.symbol]?.modern ?? [],
      note: paper.symbolMap[row.symbol]?.note ?? '',
      ours: groups?.[row.symbol] ? { samples: groups[row.symbol].samples, percent: groups[row.symbol].percent } : null,
    })),
  };
}

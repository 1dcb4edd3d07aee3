// "Absent bar" footnotes: skipped or failed cases grouped by mechanism and reason, as the paper
// leaves a zero where a mechanism cannot express a test.
import type { Result } from '../../core/types.ts';
import { orderMechanisms } from '../mechanisms.ts';

function absentNotes(results: Result[]): string[] {
  const groups = new Map<string, { mechanism: string; why: string; tests: Set<string> }>();
  for (const r of results) {
    if (r.status === 'ok') continue;
    const why = r.status === 'skipped' ? `skipped: ${r.reason ?? 'no reason given'}` : `failed: ${r.error ?? 'unknown error'}`;
    const key = `${r.case.mechanism}\u0000${why}`;
    const g = groups.get(key) ?? { mechanism: r.case.mechanism, why, tests: new Set<string>() };
    g.tests.add(r.case.test);
    groups.set(key, g);
  }
  const order = orderMechanisms([...groups.values()].map((g) => g.mechanism));
  return [...groups.values()]
    .sort((a, b) => order.indexOf(a.mechanism) - order.indexOf(b.mechanism))
    .map((g) => `* ${g.mechanism} (${[...g.tests].sort().join(', ')}) ${g.why}`);
}

/** The footnote block under a figure: a heading and one line per group, or nothing. */
export function absentBlock(results: Result[]): string[] {
  const notes = absentNotes(results);
  return notes.length ? ['Absent bars:', ...notes] : [];
}

// Renders a Table as GitHub-flavoured Markdown (CI job summaries, check/compare output).
import type { Table } from './table.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(t: Table, heading = '###'): string {
  const lines = [
    `${heading} ${t.title}`,
    '',
    `| ${t.columns.map(cell).join(' | ')} |`,
    `|${t.columns.map(() => ' --- ').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
  if (t.notes.length) lines.push('', ...t.notes.map((n) => `_${cell(n)}_  `));
  return lines.join('\n') + '\n';
}

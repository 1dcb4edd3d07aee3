// summary.md: a Markdown summary fit for a CI job summary ($GITHUB_STEP_SUMMARY).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReportContext } from '../context.ts';
import { markdownTable } from '../markdown-table.ts';
import { statusSummary } from '../results-table.ts';
import type { Exporter } from './exporter.ts';

export function markdownSummary(ctx: ReportContext): string {
  const parts = ['# m3bench report', ''];
  for (const { manifest: m, dir } of ctx.runs) {
    parts.push(
      `- run \`${m.id}\` (suite ${m.suite}, ${dir}): ${m.host.cpuModel}, ${m.host.cores} CPUs, kernel ${m.host.kernel}, Node ${m.host.node}` +
        (m.target.note ? ` — **${m.target.note}**` : ''),
    );
  }
  parts.push(`- ${statusSummary(ctx.results)}`, ...ctx.notes.map((n) => `- ${n}`), '');
  for (const f of ctx.figures) parts.push(`- ${f.title}: \`${f.name}.png\` (spec \`${f.name}.vl.json\`)`);
  for (const m of ctx.missingFigures) parts.push(`- not drawn: ${m}`);
  parts.push('');
  for (const t of ctx.tables) parts.push(markdownTable(t));
  return parts.join('\n');
}

export const markdownExporter: Exporter = {
  name: 'markdown',
  async write(ctx, outDir) {
    const file = path.join(outDir, 'summary.md');
    await writeFile(file, markdownSummary(ctx));
    return [file];
  },
};

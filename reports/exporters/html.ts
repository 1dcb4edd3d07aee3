// report.html: one self-contained page (inline SVG, tables, host fingerprint, config, versions);
// no script, stylesheet or font is fetched, so it opens offline and as a CI artifact.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReportContext } from '../context.ts';
import type { LoadedRun } from '../load.ts';
import type { Table } from '../table.ts';
import type { Exporter } from './exporter.ts';
import { statusSummary } from '../results-table.ts';

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function tableHtml(t: Table): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  const notes = t.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('');
  return `<section class="table"><h2>${escapeHtml(t.title)}</h2><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${notes}</section>`;
}

function runHtml({ dir, manifest: m, badLines }: LoadedRun): string {
  const facts: Array<[string, string]> = [
    ['run', `${m.id} (suite ${m.suite})`],
    ['directory', dir],
    ['started / ended', `${m.startedAt} / ${m.endedAt ?? 'unfinished'}`],
    ['host', `${m.host.hostname}: ${m.host.cpuModel}, ${m.host.cores} CPUs, ${(m.host.memoryBytes / 2 ** 30).toFixed(1)} GiB`],
    ['kernel / OS', `${m.host.kernel} / ${m.host.os}`],
    ['virtualised', m.host.virtualised === null ? 'unknown' : m.host.virtualised ? `yes (${m.host.hypervisor ?? 'unknown hypervisor'})` : 'no'],
    ['target', `${m.target.name}${m.target.kernel ? `, kernel ${m.target.kernel}` : ''}${m.target.emulated ? ', emulated' : ''}${m.target.note ? ` — ${m.target.note}` : ''}`],
    ['git', m.git.revision ? `${m.git.revision}${m.git.dirty ? ' (dirty)' : ''}` : 'unknown'],
    ['versions', Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['command', m.argv.join(' ')],
  ];
  if (badLines) facts.push(['unreadable result lines', String(badLines)]);
  const rows = facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  return `<section class="run"><h2>Run ${escapeHtml(m.id)}</h2><table class="facts">${rows}</table>
<details><summary>configuration</summary><pre>${escapeHtml(JSON.stringify(m.config, null, 2))}</pre></details></section>`;
}

const STYLE = `body{font-family:"DejaVu Sans",sans-serif;margin:2em;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}
th{background:#f3f3f3}.note{font-size:12px;color:#555;margin:.2em 0}figure{margin:1.5em 0}
figure svg{max-width:100%;height:auto}figcaption{font-size:12px;color:#555}`;

/** `heading`: the page's title; a page of no run (the run history's) has no status summary. */
export function htmlReport(ctx: ReportContext, heading = 'm3bench report'): string {
  const summary = ctx.runs.length ? `<p>${escapeHtml(statusSummary(ctx.results))}. IPC rates are msgs/s = 2 × round trips/s, as the paper counts.</p>` : '';
  const figures = ctx.figures
    .map((f) => `<figure id="${f.name}" class="chart">${f.svg}<figcaption>${escapeHtml(f.title)} — spec: ${escapeHtml(f.name)}.vl.json</figcaption></figure>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(heading)}</title>
<style>${STYLE}</style></head>
<body><h1>${escapeHtml(heading)}</h1>
${summary}
${ctx.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('')}
${ctx.runs.map(runHtml).join('\n')}
<section class="figures"><h2>Figures</h2>${figures}${ctx.missingFigures.map((m) => `<p class="note">Not drawn: ${escapeHtml(m)}.</p>`).join('')}</section>
${ctx.tables.map(tableHtml).join('\n')}
</body></html>
`;
}

export const htmlExporter: Exporter = {
  name: 'html',
  async write(ctx, outDir) {
    const file = path.join(outDir, 'report.html');
    await writeFile(file, htmlReport(ctx));
    return [file];
  },
};

// What every figure shares: font, sizes, the mechanism colour/order scale, footnote layout.
import type { TopLevelSpec } from 'vega-lite';
import { orderMechanisms } from '../mechanisms.ts';

export const FONT = 'DejaVu Sans';

/** One chart of the report: its vega-lite spec and the notes printed under it. */
export interface Figure {
  name: string; // file stem, e.g. "figure1-linear"
  title: string;
  spec: TopLevelSpec;
  footnotes: string[];
}

const chartConfig = {
  font: FONT,
  background: 'white',
  padding: 12,
  axis: { labelFontSize: 12, titleFontSize: 13, labelLimit: 220 },
  legend: { labelFontSize: 12, titleFontSize: 13, labelLimit: 220 },
  header: { labelFontSize: 13, titleFontSize: 13 },
  title: { fontSize: 16, subtitleFontSize: 12, anchor: 'start' as const, subtitlePadding: 6 },
  view: { stroke: '#ccc' },
};

const PLACEMENT_LABELS: Record<string, string> = {
  'same-cpu': 'same CPU',
  'cross-cpu': 'cross CPU',
  unpinned: 'unpinned',
};
export const placementLabel = (p: string) => PLACEMENT_LABELS[p] ?? p;

/** A colour encoding whose legend and bar order put m3-kmod/m3-sim first. */
export function mechanismColor(mechanisms: Iterable<string>) {
  const domain = orderMechanisms(mechanisms);
  return {
    field: 'mechanism',
    type: 'nominal' as const,
    title: 'mechanism',
    sort: domain,
    scale: { domain, scheme: 'tableau20' },
  };
}

/** Breaks a long note into lines that fit a figure of the given character width. */
function wrapLines(text: string, width = 110): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The title block: heading plus wrapped footnote lines as the subtitle. */
function titleWithNotes(text: string, notes: string[]) {
  return { text, subtitle: notes.flatMap((n) => wrapLines(n)) };
}

/** SI-formatted axes print 0 as "0k"/"0M"; a plain 0 reads better. */
export const ZERO_LABEL = "datum.value === 0 ? '0' : datum.label";

/** Panels top to bottom in this order. */
export const PANEL_ORDER = ['same-cpu', 'cross-cpu', 'unpinned'].map(placementLabel);

/** A faceted figure: shared schema, config and title block around one panel spec. */
export function facetedFigure(f: { name: string; title: string; footnotes: string[]; values: object[]; facet: object; spec: object }): Figure {
  return {
    name: f.name,
    title: f.title,
    footnotes: f.footnotes,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: titleWithNotes(f.title, f.footnotes),
      config: chartConfig,
      data: { values: f.values },
      facet: f.facet,
      spec: f.spec,
      // Each panel on its own y axis: one fast spinning mechanism across CPUs must not flatten the rest.
      resolve: { scale: { y: 'independent' } },
    } as unknown as TopLevelSpec,
  };
}

// What every figure shares: font, sizes, the mechanism colour/order scale, footnote layout.
import type { TopLevelSpec } from 'vega-lite';
import { type MECHANISM_ORDER, orderMechanisms } from '../mechanisms.ts';

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

type KnownMechanism = (typeof MECHANISM_ORDER)[number];

/**
 * A mechanism's colour in every figure of every report, whatever else a figure draws (a scheme
 * indexed by the figure's own domain gave one mechanism two colours in two figures). vega's
 * tableau20 shades: related mechanisms share a hue, dark and light (m3-kmod/m3-sim, pipe/fifo, the
 * two queues, the two Unix sockets, eventfd/futex, the two Node baselines).
 */
const MECHANISM_COLOURS: Record<KnownMechanism, string> = {
  'm3-kmod': '#4c78a8',
  'm3-sim': '#9ecae9',
  pipe: '#f58518',
  fifo: '#ffbf79',
  'posix-mq': '#54a24b',
  'sysv-mq': '#88d27a',
  'unix-stream': '#e45756',
  'unix-dgram': '#ff9d98',
  tcp: '#79706e',
  simpl: '#b79a20',
  eventfd: '#439894',
  futex: '#83bcb6',
  pvm: '#b279a2',
  memcpy: '#9e765f',
  'node-messagechannel': '#d67195',
  'node-atomics': '#fcbfd2',
};
/** tableau20's shades no known mechanism has, for a mechanism MECHANISM_ORDER does not know (by its name's hash). */
const SPARE_COLOURS = ['#f2cf5b', '#d6a5c9', '#d8b5a5', '#bab0ac'];

function mechanismColorOf(mechanism: string): string {
  const known = MECHANISM_COLOURS[mechanism as KnownMechanism];
  if (known) return known;
  const hash = [...mechanism].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7);
  return SPARE_COLOURS[hash % SPARE_COLOURS.length]!;
}

/** A colour encoding of the mechanisms drawn (the legend lists only them), m3-kmod/m3-sim first. */
export function mechanismColor(drawn: Iterable<string>) {
  const domain = orderMechanisms(drawn);
  return {
    field: 'mechanism',
    type: 'nominal' as const,
    title: 'mechanism',
    sort: domain,
    scale: { domain, range: domain.map(mechanismColorOf) },
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
/** `sharedY`: one y scale for all panels, where panels are meant to be compared by eye (the size sweep). */
export function facetedFigure(f: { name: string; title: string; footnotes: string[]; values: object[]; facet: object; spec: object; sharedY?: boolean }): Figure {
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
      resolve: { scale: { y: f.sharedY ? 'shared' : 'independent' } },
    } as unknown as TopLevelSpec,
  };
}

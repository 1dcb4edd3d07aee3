// A table as data, so that Markdown, HTML and the terminal render the same rows.
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  notes: string[];
}

export function formatNumber(x: number | undefined, digits = 3): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  const abs = Math.abs(x);
  if (x === 0) return '0';
  if (abs >= 1e6) return `${(x / 1e6).toPrecision(digits)} M`;
  if (abs >= 1e4) return `${(x / 1e3).toPrecision(digits)} k`;
  return x.toPrecision(digits);
}

export function formatRatio(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(3)}×`;
}

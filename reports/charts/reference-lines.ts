// Dashed horizontal reference lines with a label (memcpy bound, the papers' values), per panel.
export interface RefRow {
  kind: 'ref';
  placement?: string;
  /** COPY delivery mode label: the Figure 2 column the line belongs to. */
  mode?: string;
  value: number;
  label: string;
  dashed: boolean;
}

/** `scale` must be the bars' y scale (a layer with its own scale type would conflict). */
export function referenceLayers(scale: object = {}) {
  const only = [{ filter: "datum.kind === 'ref'" }];
  return [
    {
      transform: only,
      mark: { type: 'rule' as const, color: '#333', strokeWidth: 1.5 },
      encoding: {
        y: { field: 'value', type: 'quantitative' as const, scale },
        strokeDash: { condition: { test: 'datum.dashed', value: [6, 4] }, value: [2, 2] },
      },
    },
    {
      transform: only,
      mark: { type: 'text' as const, align: 'left' as const, dx: 4, dy: -7, fontSize: 12, color: '#333' },
      encoding: { x: { value: 0 }, y: { field: 'value', type: 'quantitative' as const, scale }, text: { field: 'label' } },
    },
  ];
}

// Every figure as a vega-lite spec (.vl.json, for restyling), SVG and PNG.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { svgToPng } from '../charts/render.ts';
import type { Exporter } from './exporter.ts';

export const chartsExporter: Exporter = {
  name: 'charts',
  async write(ctx, outDir) {
    const files: string[] = [];
    for (const f of ctx.figures) {
      const stem = path.join(outDir, f.name);
      await writeFile(`${stem}.vl.json`, JSON.stringify(f.spec, null, 2) + '\n');
      await writeFile(`${stem}.svg`, f.svg);
      await writeFile(`${stem}.png`, svgToPng(f.svg));
      files.push(`${stem}.vl.json`, `${stem}.svg`, `${stem}.png`);
    }
    return files;
  },
};

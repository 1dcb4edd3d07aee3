// report.json: every run's manifest and every case with its statistics (raw samples stay in results.jsonl).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Exporter } from './exporter.ts';

export const jsonExporter: Exporter = {
  name: 'json',
  async write(ctx, outDir) {
    const file = path.join(outDir, 'report.json');
    const body = {
      runs: ctx.runs.map((r) => ({ dir: r.dir, manifest: r.manifest, unreadableLines: r.badLines })),
      results: ctx.results.map(({ samples: _samples, ...rest }) => rest),
    };
    await writeFile(file, JSON.stringify(body, null, 2) + '\n');
    return [file];
  },
};

// One interface for every output format: take the report context, write files, say which.
import type { ReportContext } from '../context.ts';

export interface Exporter {
  name: string;
  /** Writes into outDir and returns the paths written. */
  write(ctx: ReportContext, outDir: string): Promise<string[]>;
}

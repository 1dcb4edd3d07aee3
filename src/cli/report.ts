// `m3bench report RUN_DIR...`: CSV, JSON, Markdown, HTML and the paper-style charts of one or more runs.
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { writeReport } from '../../reports/index.ts';

interface ReportArgs {
  runs: string[];
  out?: string;
  db?: string;
}

const command: CommandModule<object, ReportArgs> = {
  command: 'report <runs..>',
  describe: 'write the report (csv, json, markdown, html, charts) for run directories',
  builder: (y: Argv) =>
    y
      .positional('runs', { type: 'string', array: true, describe: 'run directories' })
      .option('out', { type: 'string', describe: 'output directory (default: <run>/report for one run, ./report for several)' })
      .option('db', { type: 'string', describe: 'add the trend of these cases from this run history (e.g. runs.db) to the report' }) as unknown as Argv<ReportArgs>,
  handler: async (args) => {
    const outDir = path.resolve(args.out ?? (args.runs.length === 1 ? path.join(args.runs[0], 'report') : 'report'));
    try {
      const { files } = await writeReport(args.runs, outDir, { historyDb: args.db });
      process.stdout.write(`${files.map((f) => path.relative(process.cwd(), f)).join('\n')}\nreport: ${path.join(outDir, 'report.html')}\n`);
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  },
};

export default command;

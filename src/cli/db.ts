// `m3bench db import RUN_DIR...`: put run directories into the run history (idempotent: a run
// imported twice is one run); `m3bench db check`: is the database whole, and what is in it.
import type { Argv, CommandModule } from 'yargs';
import { importRun } from '../../reports/history/import.ts';
import { dbOption, withHistory } from './history-db.ts';

interface ImportArgs {
  runs: string[];
  db?: string;
}

const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import <runs..>',
  describe: 'import run directories into the run history (one transaction per run; again = no change)',
  builder: (y: Argv) =>
    y.positional('runs', { type: 'string', array: true, describe: 'run directories' }).option('db', dbOption) as unknown as Argv<ImportArgs>,
  handler: async (args) => {
    try {
      await withHistory(args.db, {}, (db, file) => {
        let failed = 0;
        for (const dir of args.runs) {
          try {
            const o = importRun(db, dir);
            const torn = o.tornLines ? `; ${o.tornLines} torn line(s) of results.jsonl skipped` : '';
            const what = o.action === 'unchanged' ? 'already in the history, unchanged' : `${o.action}: ${o.results} cases, ${o.batches} batches`;
            process.stdout.write(`${dir}: ${what}${torn}\n`);
          } catch (err) {
            failed++;
            if ((err as { code?: string }).code?.startsWith('SQLITE_')) throw err; // the database, not this run: stop
            process.stderr.write(`${dir}: not imported: ${(err as Error).message}\n`);
          }
        }
        process.stdout.write(`db: ${args.runs.length - failed} of ${args.runs.length} run(s) in ${file}\n`);
        if (failed) process.exitCode = 2;
      });
    } catch (err) {
      process.stderr.write(`db: error: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  },
};

const checkCommand: CommandModule<object, { db?: string }> = {
  command: 'check',
  describe: 'check the run history database (SQLite integrity) and count what it holds',
  builder: (y: Argv) => y.option('db', dbOption) as unknown as Argv<{ db?: string }>,
  handler: async (args) => {
    try {
      await withHistory(args.db, { mustExist: true }, (db, file) => {
        const problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).filter((r) => r !== 'ok');
        const keys = db.pragma('foreign_key_check') as unknown[];
        const count = (table: string) => (db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number).toLocaleString('en-US');
        process.stdout.write(`${file}: schema v${db.pragma('user_version', { simple: true })}, ${count('runs')} runs, ${count('results')} results, ${count('samples')} batches, ${count('hosts')} hosts\n`);
        if (problems.length || keys.length) {
          process.stdout.write(`db: DAMAGED: ${[...problems, ...(keys.length ? [`${keys.length} row(s) pointing at nothing`] : [])].join('; ')}\n`);
          process.exitCode = 1;
        } else process.stdout.write('db: ok (integrity check passed)\n');
      });
    } catch (err) {
      process.stderr.write(`db: error: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  },
};

const command: CommandModule = {
  command: 'db <command>',
  describe: 'the run history database: import runs, check the file',
  builder: (y: Argv) => y.command(importCommand).command(checkCommand).demandCommand(1, 'name a db command: import, check'),
  handler: () => {},
};

export default command;

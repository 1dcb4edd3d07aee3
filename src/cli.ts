// m3bench command-line entry (yargs). Commands live in src/cli/, one module each.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './cli/index.ts';

await yargs(hideBin(process.argv))
  .scriptName('m3bench')
  .command(commands)
  .demandCommand(1, 'name a command: run, list, report, compare, check, history, db, doctor, restore')
  .strict()
  .help()
  .parseAsync();

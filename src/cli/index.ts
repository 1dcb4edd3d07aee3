// Every CLI command, one module each. A module default-exports a yargs CommandModule.
import type { CommandModule } from 'yargs';

export const commands: CommandModule<any, any>[] = [
  (await import('./run.ts')).default,
  (await import('./list.ts')).default,
  (await import('./report.ts')).default,
  (await import('./compare.ts')).default,
  (await import('./check.ts')).default,
  (await import('./history.ts')).default,
  (await import('./db.ts')).default,
  (await import('./doctor.ts')).default,
  (await import('./restore.ts')).default,
  (await import('./m3.ts')).default,
];

// What a run has left on each lab host, so that `m3bench restore` can undo it after the run died
// (kill -9, a crash, this machine's power): its run directory there, the module it loaded, the
// host's own boot when the run rebooted it into another, and the tests-A/B knob journal of the
// host (runners/kernel/journal.ts). One JSON file per host under .cache/host-journal/, rewritten on
// every change and removed when the run released the host.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CACHE_DIR } from '../../core/paths.ts';
import { parseJsonWith } from '../../core/schemas.ts';

export const HOST_JOURNAL_DIR = path.join(CACHE_DIR, 'host-journal');

const HostBootSchema = z.strictObject({ release: z.string().min(1), cmdline: z.string(), bootId: z.string() });

const HostJournalSchema = z.strictObject({
  target: z.string(),
  /** The pid of the run: a live run releases the host itself. */
  pid: z.number().int().positive(),
  connection: z.strictObject({
    host: z.string().min(1),
    hostName: z.string().optional(),
    port: z.number().int().positive().optional(),
    user: z.string().optional(),
    configFile: z.string().optional(),
  }),
  runDir: z.string().regex(/^\/tmp\/m3bench-[0-9a-f]+$/, { message: 'expected a run directory /tmp/m3bench-HEX' }).optional(),
  loadedModule: z.boolean().default(false),
  /** Set while the host runs a boot other than its own: this is its own. */
  awayFrom: HostBootSchema.optional(),
  /** Where this host's knob journal is while a tests-A/B profile is applied there (knobJournalOf); restore replays it first. */
  knobJournal: z.string().optional(),
});

export type HostJournal = z.output<typeof HostJournalSchema>;
export type HostBoot = z.output<typeof HostBootSchema>;

// Per host and run: two runs on one host (two users of a shared lab machine, two rigs whose guests
// have the same names) must not overwrite each other's record.
const baseOf = (target: string, pid: number) => path.join(HOST_JOURNAL_DIR, `${target.replace(/[^A-Za-z0-9._-]/g, '_')}-${pid}`);
const fileOf = (target: string, pid: number) => `${baseOf(target, pid)}.json`;

/** The knob journal of a lab host for the run `pid`: on this machine (the host may be rebooted, or unreachable, when it is replayed). */
export const knobJournalOf = (target: string, pid: number = process.pid): string => `${baseOf(target, pid)}.knobs.jsonl`;

export function writeHostJournal(entry: HostJournal): void {
  mkdirSync(HOST_JOURNAL_DIR, { recursive: true });
  const file = fileOf(entry.target, entry.pid);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(entry, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function removeHostJournal(target: string, pid: number = process.pid): void {
  rmSync(fileOf(target, pid), { force: true });
}

/** Every journal, validated (a malformed one is an error naming its file and field). */
export function listHostJournals(): HostJournal[] {
  if (!existsSync(HOST_JOURNAL_DIR)) return [];
  return readdirSync(HOST_JOURNAL_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      const file = path.join(HOST_JOURNAL_DIR, f);
      return parseJsonWith(HostJournalSchema, readFileSync(file, 'utf8'), file);
    });
}

/** Removes the journals (and knob journals) `which` selects: hosts that no longer exist, such as a stopped rig's guests. */
export function forgetHostJournals(which: (j: HostJournal) => boolean): void {
  for (const j of listHostJournals().filter(which)) {
    removeHostJournal(j.target, j.pid);
    if (j.knobJournal) rmSync(j.knobJournal, { force: true });
  }
}

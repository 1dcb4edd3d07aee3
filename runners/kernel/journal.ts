// The restore journal: every change is recorded here *before* it is made (the old value of a knob,
// the name of a namespace about to be created), so that whatever kills the run, `m3bench restore`
// can put the machine back. It is always on this machine, whatever the target: this host's under
// /run (tmpfs: after a reboot the kernel state it describes is gone too, and so is the journal); a
// lab host's beside its host journal (runners/targets/host-journal.ts names it there), which
// outlives a reboot of either machine — so a journal starts with the boot id of the target it
// describes, and a replay on another boot of it finds everything gone.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { JournalEntrySchema, parseWith } from '../../core/schemas.ts';
import type { Target } from '../../core/target.ts';
import { knobJournalOf } from '../targets/host-journal.ts';
import type { KernelShell } from '../targets/kernel-shell.ts';
import type { ResolvedKnob } from './knobs.ts';

export type JournalEntry =
  | { op: 'boot'; bootId: string }
  | { op: 'netns'; name: string }
  | { op: 'knob'; knob: ResolvedKnob; old: string };

/** The target's boot id (/proc/sys/kernel/random/boot_id): new at every boot. */
export function bootId(sh: KernelShell): Promise<string> {
  return sh.read(null, '/proc/sys/kernel/random/boot_id');
}

export const JOURNAL_DIR = '/run/m3bench';
const JOURNAL_NAME = /^net-journal-(\d+)\.jsonl$/;

/** One journal per runner process, so that concurrent runs never mix their entries. */
export function journalPath(pid: number = process.pid): string {
  return process.env.M3BENCH_JOURNAL ?? `${JOURNAL_DIR}/net-journal-${pid}.jsonl`;
}

/** Where the journal of a run on `target` goes: this host's per run, a lab host's per host. */
export function journalFor(target: Target): Journal {
  return new Journal(target.kind === 'local' ? journalPath() : knobJournalOf(target.name));
}

/** Journals in JOURNAL_DIR with the pid of the run that wrote each. */
export function listJournals(): Array<{ path: string; pid: number }> {
  if (!existsSync(JOURNAL_DIR)) return [];
  return readdirSync(JOURNAL_DIR).flatMap((f) => {
    const m = JOURNAL_NAME.exec(f);
    return m ? [{ path: `${JOURNAL_DIR}/${f}`, pid: Number(m[1]) }] : [];
  });
}

export class Journal {
  constructor(readonly path: string = journalPath()) {}

  exists(): boolean {
    return existsSync(this.path);
  }

  /** Synchronous append + no buffering: the entry is on disk before the change it announces. */
  record(entry: JournalEntry): void {
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }

  /**
   * Every entry, checked strictly (core/schemas.ts) because restore replays them as root: a
   * malformed line throws an error naming the line and the field, and nothing is returned. The one
   * exception is a torn last line (not JSON, no final newline): a crash mid-write, announcing a
   * change that never happened.
   */
  entries(): JournalEntry[] {
    if (!this.exists()) return [];
    const text = readFileSync(this.path, 'utf8');
    const lines = text.split('\n');
    const entries: JournalEntry[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${this.path} line ${i + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        if (i === lines.length - 1 && !text.endsWith('\n')) return; // torn by a crash mid-write
        throw new Error(`${where}: not JSON; nothing restored (fix or remove the line)`);
      }
      try {
        entries.push(parseWith(JournalEntrySchema, value, where) as JournalEntry);
      } catch (err) {
        throw new Error(`${(err as Error).message}; nothing restored (fix or remove the line)`);
      }
    });
    return entries;
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}

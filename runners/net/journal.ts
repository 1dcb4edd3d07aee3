// The restore journal: every change is recorded here *before* it is made (the old value of a knob,
// the name of a namespace about to be created), so that whatever kills the run, `m3bench restore`
// can put the machine back. It lives under /run (tmpfs): after a reboot the kernel state it
// describes is gone too, and so is the journal.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ResolvedKnob } from './knobs.ts';

export type JournalEntry =
  | { op: 'netns'; name: string }
  | { op: 'knob'; knob: ResolvedKnob; old: string };

export const DEFAULT_JOURNAL = '/run/m3bench/net-journal.jsonl';

export function journalPath(): string {
  return process.env.M3BENCH_JOURNAL ?? DEFAULT_JOURNAL;
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

  entries(): JournalEntry[] {
    if (!this.exists()) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as JournalEntry];
        } catch {
          return []; // a line torn by a crash mid-write announced a change that never happened
        }
      });
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}

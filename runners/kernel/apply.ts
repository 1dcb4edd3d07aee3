// Applying a profile's knobs and undoing them. Each knob: read the current value (cannot → the
// knob is unsupported here), journal it, write, read back: applied if the kernel now holds the
// value, ineffective if it silently kept another, unsupported if the write was refused.
// Restoring replays the journal backwards, so it works the same in-process and after a crash.
import type { Journal } from './journal.ts';
import { readKnob, sameValue, writeKnob, type ResolvedKnob } from './knobs.ts';
import { netnsExists } from '../targets/netns-exec.ts';
import type { KnobSpec } from '../../suites/profile.ts';
import { knobLabel, resolveKnob } from './resolve.ts';
import { deleteNetns, type Topology } from './topology.ts';

export type KnobStatus = 'applied' | 'unsupported' | 'ineffective';

export interface KnobReport {
  knob: string;
  status: KnobStatus;
  before?: string;
  after?: string;
  reason?: string;
}

async function applyOne(k: ResolvedKnob, journal: Journal): Promise<KnobReport> {
  let before: string;
  try {
    before = await readKnob(k);
  } catch (err) {
    return { knob: k.label, status: 'unsupported', reason: `cannot read: ${(err as Error).message}` };
  }
  journal.record({ op: 'knob', knob: k, old: before });
  try {
    await writeKnob(k, k.value);
  } catch (err) {
    return { knob: k.label, status: 'unsupported', before, reason: `write refused: ${(err as Error).message}` };
  }
  const after = await readKnob(k).catch((err: Error) => `unreadable: ${err.message}`);
  return sameValue(k, after, k.value)
    ? { knob: k.label, status: 'applied', before, after }
    : { knob: k.label, status: 'ineffective', before, after, reason: `wrote ${k.value}, kernel holds ${after}` };
}

export async function applyKnobs(specs: KnobSpec[], topo: Topology, journal: Journal): Promise<KnobReport[]> {
  const reports: KnobReport[] = [];
  for (const spec of specs) {
    const r = await resolveKnob(spec, topo);
    if ('unsupported' in r) reports.push({ knob: knobLabel(spec), status: 'unsupported', reason: r.unsupported });
    else for (const k of r.knobs) reports.push(await applyOne(k, journal));
  }
  return reports;
}

export interface RestoreReport {
  restored: string[];
  /** Objects that no longer exist (their namespace or thread went away): nothing to restore. */
  gone: string[];
  failed: string[];
}

async function knobStillThere(k: ResolvedKnob): Promise<boolean> {
  if (k.kind !== 'task-affinity' && k.netns && !(await netnsExists(k.netns))) return false;
  return readKnob(k).then(() => true, () => false);
}

/** Undo everything in the journal, newest first; the journal is removed only if nothing failed. */
export async function restoreJournal(journal: Journal): Promise<RestoreReport> {
  const report: RestoreReport = { restored: [], gone: [], failed: [] };
  for (const entry of journal.entries().reverse()) {
    if (entry.op === 'netns') {
      try {
        await deleteNetns(entry.name);
        report.restored.push(`netns ${entry.name} deleted`);
      } catch (err) {
        report.failed.push(`netns ${entry.name}: ${(err as Error).message}`);
      }
      continue;
    }
    const k = entry.knob;
    if (!(await knobStillThere(k))) {
      report.gone.push(k.label);
      continue;
    }
    try {
      await writeKnob(k, entry.old);
      const now = await readKnob(k);
      if (sameValue(k, now, entry.old)) report.restored.push(`${k.label} ← ${entry.old}`);
      else report.failed.push(`${k.label}: wrote ${entry.old}, kernel holds ${now}`);
    } catch (err) {
      report.failed.push(`${k.label}: ${(err as Error).message}`);
    }
  }
  if (report.failed.length === 0) journal.remove();
  return report;
}

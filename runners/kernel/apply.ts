// Applying a profile's knobs and undoing them. Each knob: read the current value (cannot → the
// knob is unsupported here), journal it, write, read back: applied if the kernel now holds the
// value, ineffective if it silently kept another, unsupported if the write was refused.
// Restoring replays the journal backwards, so it works the same in-process and after a crash.
import { bootId, type Journal } from './journal.ts';
import { readKnob, sameValue, writeKnob, type ResolvedKnob } from './knobs.ts';
import type { KernelShell } from '../targets/kernel-shell.ts';
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

async function applyOne(sh: KernelShell, k: ResolvedKnob, journal: Journal): Promise<KnobReport> {
  let before: string;
  try {
    before = await readKnob(sh, k);
  } catch (err) {
    return { knob: k.label, status: 'unsupported', reason: `cannot read: ${(err as Error).message}` };
  }
  journal.record({ op: 'knob', knob: k, old: before });
  try {
    await writeKnob(sh, k, k.value);
  } catch (err) {
    return { knob: k.label, status: 'unsupported', before, reason: `write refused: ${(err as Error).message}` };
  }
  const after = await readKnob(sh, k).catch((err: Error) => `unreadable: ${err.message}`);
  return sameValue(k, after, k.value)
    ? { knob: k.label, status: 'applied', before, after }
    : { knob: k.label, status: 'ineffective', before, after, reason: `wrote ${k.value}, kernel holds ${after}` };
}

/** Applies the profile's knobs on the shell's target, each journaled before it is written. */
export async function applyKnobs(sh: KernelShell, specs: KnobSpec[], topo: Topology, journal: Journal): Promise<KnobReport[]> {
  const reports: KnobReport[] = [];
  for (const spec of specs) {
    const r = await resolveKnob(sh, spec, topo);
    if ('unsupported' in r) reports.push({ knob: knobLabel(spec), status: 'unsupported', reason: r.unsupported });
    else for (const k of r.knobs) reports.push(await applyOne(sh, k, journal));
  }
  return reports;
}

export interface RestoreReport {
  restored: string[];
  /** Objects that no longer exist (their namespace or thread went away): nothing to restore. */
  gone: string[];
  failed: string[];
}

async function knobStillThere(sh: KernelShell, k: ResolvedKnob): Promise<boolean> {
  if (k.kind !== 'task-affinity' && k.netns && !(await sh.netnsExists(k.netns))) return false;
  return readKnob(sh, k).then(() => true, () => false);
}

/**
 * Undo everything in the journal on the shell's target, newest first; the journal is removed only
 * if nothing failed. A journal of another boot of that machine describes state the reboot undid:
 * every entry is then gone.
 */
export async function restoreJournal(sh: KernelShell, journal: Journal): Promise<RestoreReport> {
  const report: RestoreReport = { restored: [], gone: [], failed: [] };
  const entries = journal.entries();
  const boot = entries.find((e) => e.op === 'boot');
  if (boot && boot.bootId !== (await bootId(sh))) {
    report.gone.push(...entries.flatMap((e) => (e.op === 'knob' ? [e.knob.label] : e.op === 'netns' ? [`netns ${e.name}`] : [])));
    journal.remove();
    return report;
  }
  for (const entry of entries.reverse()) {
    if (entry.op === 'boot') continue;
    if (entry.op === 'netns') {
      try {
        await deleteNetns(sh, entry.name);
        report.restored.push(`netns ${entry.name} deleted`);
      } catch (err) {
        report.failed.push(`netns ${entry.name}: ${(err as Error).message}`);
      }
      continue;
    }
    const k = entry.knob;
    if (!(await knobStillThere(sh, k))) {
      report.gone.push(k.label);
      continue;
    }
    try {
      await writeKnob(sh, k, entry.old);
      const now = await readKnob(sh, k);
      if (sameValue(k, now, entry.old)) report.restored.push(`${k.label} ← ${entry.old}`);
      else report.failed.push(`${k.label}: wrote ${entry.old}, kernel holds ${now}`);
    } catch (err) {
      report.failed.push(`${k.label}: ${(err as Error).message}`);
    }
  }
  if (report.failed.length === 0) journal.remove();
  return report;
}

// `m3bench restore` for the tests-A/B knobs a dead run left on a lab host: the knob journal its
// host journal names (runners/targets/host-journal.ts), replayed through an SSH target of that
// host — before the rest of the host journal (run directory, module, boot) is undone.
import type { HostJournal } from '../targets/host-journal.ts';
import { KernelShell } from '../targets/kernel-shell.ts';
import { SshTarget } from '../targets/ssh.ts';
import { restoreJournal, type RestoreReport } from './apply.ts';
import { Journal } from './journal.ts';

/** What was put back on the host, or null when the dead run left no knob journal for it. */
export async function restoreHostKnobs(entry: HostJournal): Promise<RestoreReport | null> {
  const journal = entry.knobJournal ? new Journal(entry.knobJournal) : null;
  if (!journal?.exists()) return null;
  const { host, ...connection } = entry.connection;
  // journal: false — this target must not rewrite the dead run's host journal it is replaying.
  const target = new SshTarget(host, { ...connection, name: entry.target.replace(/^ssh:/, ''), journal: false });
  try {
    return await restoreJournal(new KernelShell(target), journal);
  } finally {
    await target.close();
  }
}

// `m3bench restore` for lab hosts: undoes what a dead run left on a host (host-journal.ts): the
// programs still running from its run directory (a worker, the paced stream), the module it
// loaded, its run directory, and a boot other than the host's own (kexec back).
import { type HostJournal, removeHostJournal } from './host-journal.ts';
import { shellQuote, SshConnection } from './ssh-connection.ts';
import { currentBoot, rebootToDefault, sameCommandLine } from './ssh-reboot.ts';

/** Lines saying what was done; rejects (journal kept) when the host cannot be reached or put back. */
export async function releaseHost(entry: HostJournal): Promise<string[]> {
  const conn = new SshConnection(entry.connection);
  const done: string[] = [];
  try {
    if (entry.loadedModule) {
      const r = await conn.exec(['sh', '-c', 'if [ -d /sys/module/m3ipc ]; then rmmod m3ipc; fi'], { root: true, timeoutMs: 30_000 });
      if (r.exitCode !== 0) throw new Error(`rmmod m3ipc failed: ${r.stderr.trim()}`);
      done.push(`${entry.target}: m3ipc module unloaded (or already gone)`);
    }
    if (entry.runDir) {
      // Only processes whose program is in the run's own directory: nothing else on the host is ours.
      const kill = `for p in /proc/[0-9]*; do case "$(readlink "$p/exe" 2>/dev/null)" in "$1"/*) kill -9 "\${p#/proc/}" && echo "\${p#/proc/}";; esac; done; true`;
      const killed = await conn.exec(['sh', '-c', kill, 'sh', entry.runDir], { root: true, timeoutMs: 30_000 });
      const pids = killed.stdout.split('\n').filter(Boolean);
      if (pids.length) done.push(`${entry.target}: killed ${pids.length} process(es) of the run still running from ${entry.runDir} (pid ${pids.join(', ')})`);
      const r = await conn.run(`rm -rf ${shellQuote(entry.runDir)}`, { timeoutMs: 30_000 });
      if (r.exitCode !== 0) throw new Error(`rm -rf ${entry.runDir} failed: ${r.stderr.trim()}`);
      done.push(`${entry.target}: removed ${entry.runDir}`);
    }
    const home = entry.awayFrom;
    if (home) {
      const now = await currentBoot(conn);
      if (now.release === home.release && sameCommandLine(now.cmdline, home.cmdline)) done.push(`${entry.target}: already at its own boot (${home.release})`);
      else {
        const back = await rebootToDefault(conn, now);
        if (back.release !== home.release || !sameCommandLine(back.cmdline, home.cmdline)) throw new Error(`rebooted, but came back in ${back.release} (${back.cmdline}), not ${home.release}: check its boot loader's default`);
        done.push(`${entry.target}: rebooted back into ${home.release} with its own command line`);
      }
    }
    removeHostJournal(entry.target, entry.pid);
    return done;
  } finally {
    await conn.close();
  }
}

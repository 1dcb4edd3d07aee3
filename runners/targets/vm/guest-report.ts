// What the guest's /init reported on the console: lines "M3VM: step NAME rc=N", each step's
// output as "M3VM: [NAME] ...", and "M3VM: done" once the module was removed and it powers off.
export interface GuestReport {
  kernel: string | null;
  /** Exit code of each step that ran: insmod, conformance, fuzz, proc, dmesg, rmmod, ... */
  steps: Record<string, number>;
  /** Output lines of each step. */
  output: Record<string, string[]>;
  /** Things /init said outside a step (missing binaries, worker start/exit). */
  notes: string[];
  done: boolean;
}

export function parseGuestReport(console: string): GuestReport {
  const report: GuestReport = { kernel: null, steps: {}, output: {}, notes: [], done: false };
  // The console may carry terminal escapes and CRs; a report line may not start the line.
  for (const raw of console.split('\n')) {
    const at = raw.indexOf('M3VM: ');
    if (at < 0) continue;
    const line = raw.slice(at + 6).replace(/\r$/, '');
    let m: RegExpExecArray | null;
    if ((m = /^step (\S+) rc=(\d+)$/.exec(line))) report.steps[m[1]!] = Number(m[2]);
    else if ((m = /^\[([^\]]+)\] (.*)$/.exec(line))) (report.output[m[1]!] ??= []).push(m[2]!);
    else if ((m = /^kernel (\S+)/.exec(line))) report.kernel = m[1]!;
    else if (line === 'done') report.done = true;
    else if (!line.startsWith('begin ')) report.notes.push(line);
  }
  return report;
}

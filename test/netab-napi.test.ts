// The irq-suspend knob without the rig: resolution per kernel release (unsupported below 6.13, one
// knob per NAPI id above), apply → journal → restore through a fake target whose `m3net napi`
// keeps per-NAPI state like the kernel, the guard against a NAPI id now another device's, the
// prefer_busy_poll check, and this host's real m3net: napi get/set answers and EPIOCSPARAMS.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { M3NET } from '../core/paths.ts';
import type { ExecResult, Target } from '../core/target.ts';
import { JournalEntrySchema } from '../core/schemas.ts';
import { applyKnobs, restoreJournal } from '../runners/kernel/apply.ts';
import { Journal } from '../runners/kernel/journal.ts';
import { resolveKnob } from '../runners/kernel/resolve.ts';
import type { Topology } from '../runners/kernel/topology.ts';
import { verifyRun } from '../runners/net/verify.ts';
import { KernelShell } from '../runners/targets/kernel-shell.ts';
import type { KnobSpec, Profile } from '../suites/profile.ts';
import { loadProfile } from '../suites/profile.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'netab-napi-'));
const topo: Topology = { rx: [{ name: 'eth1', netns: null, address: '192.168.77.1' }], tx: [], rxNetns: null, txNetns: null, namespaces: [] };
const spec: KnobSpec = { kind: 'irq-suspend', scope: 'device', dev: 'rx0', value: '20000000' };

/** A target with kernel `release` whose m3net keeps NAPI state as the kernel would; `napis` id → {ifindex, irqSuspendTimeout}. */
function fakeTarget(release: string, napis: Map<number, { ifindex: number; irqSuspendTimeout?: number }>, calls: string[] = []) {
  const ok = (stdout: string, exitCode = 0): ExecResult => ({ exitCode, stdout, stderr: '' }) as ExecResult;
  const line = (ids: number[]) => JSON.stringify({ ok: true, napis: ids.map((id) => ({ id, ...napis.get(id) })) });
  const target = {
    name: 'fake',
    kind: 'ssh',
    program: async () => '/run/m3net',
    readFile: async (f: string) => {
      if (f === '/proc/sys/kernel/osrelease') return `${release}\n`;
      if (f === '/proc/sys/kernel/random/boot_id') return 'boot-1\n';
      if (f === '/sys/class/net/eth1/ifindex') return '3\n';
      throw new Error(`no ${f}`);
    },
    exec: async (argv: string[]) => {
      calls.push(argv.join(' '));
      const [prog, sub, op, flag, arg, , value] = argv;
      if (prog !== '/run/m3net' || sub !== 'napi') return ok('', 1);
      if (op === 'get' && flag === '--ifindex') return ok(line([...napis.keys()].filter((id) => napis.get(id)!.ifindex === Number(arg))));
      if (op === 'get' && flag === '--id') return napis.has(Number(arg)) ? ok(line([Number(arg)])) : ok('{"ok":false,"op":"napi-get","errno":2,"errnoName":"ENOENT","error":"napi-get: No such file or directory"}', 1);
      if (op === 'set' && napis.has(Number(arg))) {
        napis.get(Number(arg))!.irqSuspendTimeout = Number(value);
        return ok(`{"ok":true,"id":${arg}}`);
      }
      return ok('{"ok":false,"op":"napi-set","errno":95,"errnoName":"EOPNOTSUPP","error":"napi-set: Operation not supported"}', 1);
    },
  };
  return new KernelShell(target as unknown as Target);
}

describe('irq-suspend knob', () => {
  it('is unsupported below 6.13 with the reason, before asking m3net anything', async () => {
    const calls: string[] = [];
    const r = await resolveKnob(fakeTarget('6.1.0-57-amd64', new Map(), calls), spec, topo);
    assert.deepEqual(r, { unsupported: 'irq_suspend_timeout needs Linux >= 6.13; this kernel is 6.1.0-57-amd64' });
    assert.deepEqual(calls, []);
  });

  it('resolves to one knob per NAPI id of the device on 7.2', async () => {
    const napis = new Map([[8194, { ifindex: 3, irqSuspendTimeout: 0 }], [8195, { ifindex: 3, irqSuspendTimeout: 0 }], [8193, { ifindex: 2, irqSuspendTimeout: 0 }]]);
    const r = await resolveKnob(fakeTarget('7.2.13+deb14-amd64', napis), spec, topo);
    assert.ok('knobs' in r);
    assert.deepEqual(r.knobs.map((k) => k.kind === 'napi' && [k.napiId, k.ifindex, k.dev, k.value]), [[8194, 3, 'eth1', '20000000'], [8195, 3, 'eth1', '20000000']]);
  });

  it('is unsupported with m3net\'s reason when the device lists no NAPI or the kernel refuses', async () => {
    const none = await resolveKnob(fakeTarget('6.13.0', new Map()), spec, topo);
    assert.match('unsupported' in none ? none.unsupported : '', /eth1 has no NAPI instance/);
    const napis = new Map([[9, { ifindex: 3 }]]); // a kernel that reports no irq-suspend-timeout
    const journal = new Journal(path.join(dir, 'refused.jsonl'));
    const [report] = await applyKnobs(fakeTarget('6.13.0', napis), [spec], topo, journal);
    assert.equal(report!.status, 'unsupported');
    assert.match(report!.reason!, /reports no irq-suspend-timeout/);
  });

  it('applies, verifies by reading back, journals and restores the old value', async () => {
    const napis = new Map([[8194, { ifindex: 3, irqSuspendTimeout: 0 }]]);
    const sh = fakeTarget('7.2.13+deb14-amd64', napis);
    const journal = new Journal(path.join(dir, 'applied.jsonl'));
    journal.record({ op: 'boot', bootId: 'boot-1' });
    const [report] = await applyKnobs(sh, [spec], topo, journal);
    assert.deepEqual(report, { knob: 'irq-suspend(device) rx0=20000000 [eth1] napi 8194', status: 'applied', before: '0', after: '20000000' });
    assert.equal(napis.get(8194)!.irqSuspendTimeout, 20000000);
    const entries = journal.entries(); // strict schema: the napi knob is a journal entry restore accepts
    assert.equal(entries.length, 2);
    assert.ok(JournalEntrySchema.safeParse(entries[1]).success);
    const restored = await restoreJournal(sh, journal);
    assert.deepEqual(restored.failed, []);
    assert.deepEqual(restored.restored, ['irq-suspend(device) rx0=20000000 [eth1] napi 8194 ← 0']);
    assert.equal(napis.get(8194)!.irqSuspendTimeout, 0);
    assert.equal(journal.exists(), false);
  });

  it('never writes a NAPI id that now belongs to another device: restore reports it gone', async () => {
    const napis = new Map([[8194, { ifindex: 3, irqSuspendTimeout: 0 }]]);
    const sh = fakeTarget('7.2.13+deb14-amd64', napis);
    const journal = new Journal(path.join(dir, 'reused.jsonl'));
    await applyKnobs(sh, [spec], topo, journal);
    napis.set(8194, { ifindex: 7, irqSuspendTimeout: 5 }); // eth1 went down and up; the id went elsewhere
    const restored = await restoreJournal(sh, journal);
    assert.deepEqual(restored.gone, ['irq-suspend(device) rx0=20000000 [eth1] napi 8194']);
    assert.equal(napis.get(8194)!.irqSuspendTimeout, 5);
  });
});

describe('prefer_busy_poll', () => {
  it('B-rig-irqsuspend asks for it, and the run fails verification unless the receiver read it back', async () => {
    const profile: Profile = await loadProfile('B-rig-irqsuspend');
    assert.equal(profile.preferBusyPoll, true);
    const recv = { bytes: 15e6, seconds: 6, reads: 1000, napiIds: [8194] };
    const check = (r: typeof recv & { epollParams?: { busyPollUsecs: number; busyPollBudget: number; preferBusyPoll: number } }) =>
      verifyRun({ profile, recv: r, collectors: {}, napiBefore: new Map(), napiAfter: new Map() }).find((c) => c.check.includes('prefer_busy_poll'));
    assert.equal(check(recv)?.ok, false);
    assert.equal(check({ ...recv, epollParams: { busyPollUsecs: 50, busyPollBudget: 64, preferBusyPoll: 0 } })?.ok, false);
    assert.equal(check({ ...recv, epollParams: { busyPollUsecs: 50, busyPollBudget: 64, preferBusyPoll: 1 } })?.ok, true);
  });
});

describe("this host's m3net", () => {
  const skip = !existsSync(M3NET) ? 'native/build/m3net is not built (make -C native)' : false;

  it('napi get lists a device\'s NAPIs from the kernel; errors carry errno and op', { skip }, async (t) => {
    const probe = JSON.parse((await execa(M3NET, ['probe'])).stdout) as { netdevFamily: boolean };
    if (!probe.netdevFamily) return t.skip('no netdev netlink family in this kernel');
    const lo = await execa(M3NET, ['napi', 'get', '--dev', 'lo'], { reject: false });
    assert.deepEqual(JSON.parse(lo.stdout), { ok: true, napis: [] }, 'lo has no NAPI');
    const gone = await execa(M3NET, ['napi', 'set', '--id', '4000000000', '--irq-suspend-timeout', '1'], { reject: false });
    assert.equal(gone.exitCode, 1);
    const failure = JSON.parse(gone.stdout) as { ok: boolean; op: string; errnoName: string };
    assert.equal(failure.ok, false);
    assert.equal(failure.op, 'napi-set');
    assert.ok(['ENOENT', 'EPERM', 'EOPNOTSUPP', 'EINVAL'].includes(failure.errnoName), gone.stdout);
    const usage = await execa(M3NET, ['napi', 'set', '--id', '1'], { reject: false });
    assert.equal(usage.exitCode, 2);
  });

  it('recv --prefer-busy-poll sets EPIOCSPARAMS and reports what the kernel read back', { skip }, async (t) => {
    const probe = JSON.parse((await execa(M3NET, ['probe'])).stdout) as { epollParams: boolean };
    if (!probe.epollParams) return t.skip('EPIOCSPARAMS needs Linux >= 6.9');
    const port = String(30000 + (process.pid % 20000));
    const recv = execa(M3NET, ['recv', '--port', port, '--flows', '1', '--busy-poll', '50', '--prefer-busy-poll'], { reject: false });
    await new Promise<void>((resolve) => recv.stdout!.on('data', (d: Buffer) => d.toString().includes('"ready"') && resolve()));
    await execa(M3NET, ['send', '--addrs', '127.0.0.1', '--port', port, '--flows', '1', '--rate-mbit', '50', '--duration', '0.5']);
    const result = JSON.parse((await recv).stdout.trim().split('\n').at(-1)!) as { ok: boolean; bytes: number; epollParams: unknown };
    assert.equal(result.ok, true);
    assert.ok(result.bytes > 0);
    assert.deepEqual(result.epollParams, { busyPollUsecs: 50, busyPollBudget: 64, preferBusyPoll: 1 });
    const bad = await execa(M3NET, ['recv', '--port', port, '--prefer-busy-poll'], { reject: false });
    assert.equal(bad.exitCode, 2, 'prefer-busy-poll without --busy-poll is refused');
  });
});

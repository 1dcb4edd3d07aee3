// kill -9 of the runner process in the middle of a case: the worker must notice (EOF on its stdin)
// and leave, its server children with it, and no named IPC object may stay behind. Runs against
// the real worker when it is built (every mechanism in turn), else against the fake one.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { descendants } from '../runners/targets/process-tree.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REAL_WORKER = path.join(ROOT, 'native', 'build', 'm3worker');
const FAKE_WORKER = path.join(ROOT, 'test', 'fixtures', 'core-fake-worker.mjs');
const useReal = existsSync(REAL_WORKER);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

/**
 * Named objects left by the given processes. Every object the worker creates carries its creator's
 * pid (native/names.h, the m3ipc sim's table name): FIFOs /tmp/m3bench-fifo-<pid>-n, mqueues
 * /dev/mqueue/m3bench-mq-<pid>-n, SysV keys 0x6D000000 | pid, shm /dev/shm/m3ipc.<pid>.*. Other
 * engineers' tests run concurrently here, so objects of other pids are not ours to judge.
 */
function ipcObjectsOf(pids: number[]): string[] {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).map((f) => `${dir}/${f}`) : []);
  const tagged = (name: string) => pids.some((pid) => name.includes(`-${pid}-`) || name.includes(`m3ipc.${pid}.`));
  const files = [...list('/tmp').filter((f) => f.includes('m3bench-fifo-')), ...list('/dev/mqueue'), ...list('/dev/shm')].filter(tagged);
  const sysv = execFileSync('ipcs', ['-q'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter((key) => /^0x6d/i.test(key) && pids.includes(Number(key) & 0x3fffff))
    .map((key) => `sysv-msg ${key}`);
  return [...files, ...sysv];
}

function mechanisms(): string[] {
  if (!useReal) return ['pipe'];
  const out = execFileSync(REAL_WORKER, { input: 'list\nquit\n', encoding: 'utf8' }).split('\n');
  const list = JSON.parse(out[1]!) as { mechanisms: Array<{ name: string; tests: Record<string, string> }> };
  return list.mechanisms.filter((m) => m.tests.IPC1 === 'ok').map((m) => m.name);
}

async function killMidCase(mechanism: string): Promise<{ leftover: number[]; objects: string[] }> {
  const env: NodeJS.ProcessEnv = { ...process.env, M3BENCH_WORKER: useReal ? REAL_WORKER : FAKE_WORKER, FAKE_SLOW_RUN_MS: '20' };
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'core-kill-')), 'run');
  const runner = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'run', '--suite', 'smoke', '--mechanism', mechanism, '--test', 'IPC1', '--time', '30', '--out', out, '--no-report'],
    { env, stdio: 'ignore', cwd: ROOT },
  );
  // Mid-case = the worker has forked its server(s): the runner has grandchildren.
  let tree: number[] = [];
  for (let i = 0; i < 300 && tree.length < 2; i++) {
    await sleep(50);
    tree = descendants(runner.pid!);
  }
  assert.ok(tree.length >= 2, `no worker with a server child appeared under the runner (${mechanism})`);
  runner.kill('SIGKILL');
  let leftover = tree;
  for (let i = 0; i < 100 && leftover.length; i++) {
    await sleep(50);
    leftover = leftover.filter(alive);
  }
  return { leftover, objects: ipcObjectsOf(tree) };
}

describe(`kill -9 of the runner mid-run (${useReal ? 'real worker' : 'fake worker'})`, () => {
  for (const mechanism of mechanisms()) {
    it(`leaves no process and no IPC object behind: ${mechanism}`, async () => {
      const { leftover, objects } = await killMidCase(mechanism);
      assert.deepEqual(leftover, [], 'processes still alive after the runner died');
      assert.deepEqual(objects, [], 'IPC objects left behind');
    });
  }
});

describe('SIGTERM to the runner mid-run', () => {
  it('tears the worker down, keeps the finished cases and closes the run directory', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'core-term-')), 'run');
    const runner = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'run', '--suite', 'smoke', '--mechanism', 'pipe', 'fifo', '--test', 'IPC1', 'IPC2', '--time', '0.2', '--out', out, '--no-report'],
      { env: { ...process.env, M3BENCH_WORKER: FAKE_WORKER, FAKE_SLOW_RUN_MS: '20' }, stdio: 'ignore', cwd: ROOT },
    );
    const exited = new Promise<number | null>((resolve) => runner.on('exit', (code) => resolve(code)));
    const jsonl = path.join(out, 'results.jsonl');
    for (let i = 0; i < 400 && !(existsSync(jsonl) && readFileSync(jsonl, 'utf8').trim()); i++) await sleep(50);
    const tree = descendants(runner.pid!);
    runner.kill('SIGTERM');
    assert.equal(await exited, 143);
    const lines = readFileSync(jsonl, 'utf8').trim().split('\n');
    assert.ok(lines.length >= 1 && lines.length < 4, `${lines.length} cases recorded`);
    assert.ok(JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')).endedAt, 'manifest has endedAt');
    assert.deepEqual(tree.filter(alive), [], 'worker and servers are gone');
  });
});

// kill -9 of the native worker in the middle of a run: its children die with it (PDEATHSIG),
// no FIFO, POSIX mqueue or /dev/shm object of it stays, and the SysV queue it could not unlink
// is swept by the next worker. Needs `npm run build`; the mqueue check mounts a private mqueue
// filesystem when running as root and /dev/mqueue is not mounted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkerClient, alive, childrenOf, workerBuilt } from './native-worker-client.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SYSV_KEY_MAGIC = 0x6d000000;

function sysvKeys(): number[] {
  return readFileSync('/proc/sysvipc/msg', 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

let mqueueDir: string | null = null;
let mountedHere = false;

function mountMqueue(): void {
  if (existsSync('/dev/mqueue') && readFileSync('/proc/mounts', 'utf8').includes(' /dev/mqueue mqueue ')) {
    mqueueDir = '/dev/mqueue';
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'native-mqueue-'));
  try {
    execFileSync('mount', ['-t', 'mqueue', 'none', dir], { stdio: 'ignore' });
    mqueueDir = dir;
    mountedHere = true;
  } catch {
    rmdirSync(dir);
  }
}

/** Named objects that carry the worker's pid (see native/names.h). */
function namedObjectsOf(pid: number): string[] {
  const fifos = readdirSync('/tmp').filter((f) => f.startsWith(`m3bench-fifo-${pid}-`));
  const mqs = mqueueDir ? readdirSync(mqueueDir).filter((f) => f.startsWith(`m3bench-mq-${pid}-`)) : [];
  return [...fifos, ...mqs];
}

/** Files under /dev/shm or /dev/mqueue that a process maps or holds open. */
function shmFilesOf(pid: number): string[] {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter((l) => l.includes('/dev/shm/'));
  const fds = readdirSync(`/proc/${pid}/fd`)
    .map((fd) => {
      try {
        return execFileSync('readlink', [`/proc/${pid}/fd/${fd}`], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith('/dev/shm/'));
  return [...maps, ...fds];
}

describe('kill -9 of the native worker', { skip: !workerBuilt && 'native/build/m3worker is not built' }, () => {
  let mechanisms: string[] = [];

  before(async () => {
    mountMqueue();
    const w = new WorkerClient();
    await w.next();
    const list = await w.send('list');
    await w.quit();
    // This area's mechanisms (the M3 ones are tested with the reference implementation).
    mechanisms = list.mechanisms.filter((m: any) => m.tests.COPY2 === 'ok' && ['baseline', 'modern'].includes(m.family)).map((m: any) => m.name);
    assert.ok(mechanisms.includes('sysv-mq') && mechanisms.includes('fifo') && mechanisms.includes('posix-mq'));
  });
  after(() => {
    if (mountedHere && mqueueDir) {
      execFileSync('umount', [mqueueDir]);
      rmdirSync(mqueueDir);
    }
  });

  it('leaves no process and no named object behind, for every mechanism', async () => {
    for (const mechanism of mechanisms) {
      const w = new WorkerClient();
      await w.next();
      // COPY2 with two pairs: the most processes and objects a case creates.
      const setup = await w.send(`setup ${JSON.stringify({ mechanism, test: 'COPY2', placement: 'unpinned', pairs: 2 })}`);
      assert.equal(setup.ok, true, `${mechanism}: ${JSON.stringify(setup)}`);
      const children = childrenOf(w.pid);
      assert.equal(children.length, 6, mechanism); // 2 x (requester, A, B)
      for (const pid of [w.pid, ...children]) assert.deepEqual(shmFilesOf(pid), [], `${mechanism}: /dev/shm in use`);
      w.proc.stdin.write('run 100000000\n'); // long enough to be killed mid-run
      await sleep(100);
      const exited = new Promise((r) => w.proc.once('exit', r));
      w.proc.kill('SIGKILL');
      await exited;
      let left = children;
      for (let i = 0; i < 100 && left.length; i++) {
        await sleep(20);
        left = left.filter(alive);
      }
      assert.deepEqual(left, [], `${mechanism}: children outlived the worker`);
      assert.deepEqual(namedObjectsOf(w.pid), [], `${mechanism}: named objects left`);
      const staleKey = SYSV_KEY_MAGIC | w.pid;
      if (mechanism === 'sysv-mq') {
        // A SysV queue cannot be unlinked while in use: the next worker sweeps it.
        assert.ok(sysvKeys().includes(staleKey), 'the killed worker held a tagged SysV queue');
        const next = new WorkerClient();
        await next.next();
        await next.quit();
      }
      assert.ok(!sysvKeys().includes(staleKey), `${mechanism}: SysV queue of pid ${w.pid} left`);
    }
  });

  it('quits on EOF and on quit, tearing the case down', async () => {
    for (const ending of ['eof', 'quit']) {
      const w = new WorkerClient();
      await w.next();
      assert.equal((await w.send(`setup ${JSON.stringify({ mechanism: 'sysv-mq', test: 'IPC1' })}`)).ok, true);
      const children = childrenOf(w.pid);
      assert.equal(children.length, 1);
      const code = new Promise((r) => w.proc.once('exit', r));
      if (ending === 'eof') w.proc.stdin.end();
      else assert.deepEqual(await w.send('quit'), { ok: true });
      assert.equal(await code, 0);
      assert.ok(!children.some(alive), `${ending}: server left`);
      assert.ok(!sysvKeys().includes(SYSV_KEY_MAGIC | w.pid), `${ending}: SysV queue left`);
    }
  });
});

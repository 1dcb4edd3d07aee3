// The SSH target (runners/targets/ssh.ts, ssh-connection.ts) against a real OpenSSH server that
// the test starts in the foreground on 127.0.0.1 only, with its own host key and an
// authorized_keys for a key made here. Skipped with the reason when sshd is missing and cannot be
// installed (apt-get, with services kept from starting by policy-rc.d).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { classifySshFailure, shellJoin, SshError } from '../runners/targets/ssh-connection.ts';
import { SshTarget } from '../runners/targets/ssh.ts';

const SSHD = '/usr/sbin/sshd';

/** sshd present, else installed without starting its service; a string is the reason to skip. */
function ensureSshd(): true | string {
  if (existsSync(SSHD)) return true;
  if (process.getuid?.() !== 0) return 'openssh-server is not installed and installing it needs root';
  const policy = '/usr/sbin/policy-rc.d';
  const ours = !existsSync(policy);
  // Debian's invoke-rc.d asks policy-rc.d; exit 101 = "do not start services".
  if (ours) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'openssh-server'], { env, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update'], { env, timeout: 300_000 });
      r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'openssh-server'], { env, encoding: 'utf8', timeout: 300_000 });
    }
    if (r.status !== 0 || !existsSync(SSHD)) return `openssh-server cannot be installed: ${(r.stderr ?? r.error?.message ?? '').trim().split('\n').slice(-2).join(' | ')}`;
  } finally {
    if (ours) rmSync(policy, { force: true });
  }
  // Should a service have started anyway, stop it: the test's sshd is the only one it uses.
  spawnSync('sh', ['-c', 'service ssh stop || systemctl stop ssh'], { stdio: 'ignore', timeout: 30_000 });
  return true;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function waitListening(port: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve();
      });
      c.once('error', () => {
        c.destroy();
        if (Date.now() > end) reject(new Error(`sshd did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

const pgrep = (pattern: string): string[] => {
  const r = spawnSync('pgrep', ['-af', pattern], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.trim() && !l.includes('pgrep'));
};

describe('SSH target against a local sshd', () => {
  let skip: string | undefined;
  let dir = '';
  let sshd: ChildProcess | undefined;
  let sshdLog = '';
  let config = '';
  let port = 0;

  before(async () => {
    const have = ensureSshd();
    if (have !== true) {
      skip = have;
      return;
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'm3sshd-'));
    const key = (name: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path.join(dir, name)]);
    key('host_key');
    key('client_key');
    key('wrong_key');
    writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')), { mode: 0o600 });
    port = await freePort();
    const user = os.userInfo().username;
    writeFileSync(
      path.join(dir, 'sshd_config'),
      [
        'ListenAddress 127.0.0.1',
        `Port ${port}`,
        `HostKey ${dir}/host_key`,
        `AuthorizedKeysFile ${dir}/authorized_keys`,
        `PidFile ${dir}/sshd.pid`,
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        `AllowUsers ${user}`,
        // The authorized_keys lives under /tmp (world-writable): StrictModes would refuse it.
        'StrictModes no',
        'MaxStartups 50',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const common = (id: string) => [
      `  HostName 127.0.0.1`,
      `  Port ${port}`,
      `  User ${user}`,
      `  IdentityFile ${dir}/${id}`,
      '  IdentitiesOnly yes',
      '  IdentityAgent none',
      `  UserKnownHostsFile ${dir}/known_hosts`,
      '  StrictHostKeyChecking accept-new',
      '  LogLevel ERROR',
    ];
    config = path.join(dir, 'ssh_config');
    const closedPort = await freePort();
    writeFileSync(
      config,
      ['Host m3test', ...common('client_key'), 'Host m3wrongkey', ...common('wrong_key'), 'Host m3closed', ...common('client_key').map((l) => (l.includes('Port') ? `  Port ${closedPort}` : l)), ''].join('\n'),
    );
    // Privilege separation needs /run/sshd (made by the package's service, which we never start).
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    sshd = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    sshd.stderr!.setEncoding('utf8').on('data', (c: string) => {
      sshdLog = (sshdLog + c).slice(-8192);
    });
    await waitListening(port, 10_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${sshdLog}`);
    });
  });

  after(() => {
    sshd?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exec, readFile, fingerprint, a worker with hello and list, and a clean close', { timeout: 300_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const target = new SshTarget('m3test', { configFile: config });
    assert.equal(target.name, 'ssh:m3test');
    assert.equal(target.kind, 'ssh');
    assert.equal(target.cheapWorkerStart, true);
    let runDir = '';
    try {
      const echo = await target.exec(['printf', '%s|', "it's", 'a b', '$HOME', '"q"', ';', '*']);
      assert.equal(echo.exitCode, 0, echo.stderr);
      assert.equal(echo.stdout, `it's|a b|$HOME|"q"|;|*|`);
      const fail = await target.exec(['sh', '-c', 'echo oops >&2; exit 7']);
      assert.deepEqual([fail.exitCode, fail.stderr], [7, 'oops']);
      const withInput = await target.exec(['cat'], { input: 'via stdin\n' });
      assert.equal(withInput.stdout, 'via stdin');
      const asRoot = await target.exec(['id', '-u'], { root: true });
      if (process.getuid?.() === 0) assert.equal(asRoot.stdout, '0');
      const t0 = Date.now();
      const slow = await target.exec(['sleep', '3000'], { timeoutMs: 500 });
      assert.equal(slow.timedOut, true);
      assert.ok(Date.now() - t0 < 5000, `a timed-out exec returned after ${Date.now() - t0} ms`);
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(pgrep('^sleep 3000$'), [], 'the timed-out remote command was ended (by timeout on the host)');
      const timedOk = await target.exec(['sh', '-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 20_000 });
      assert.deepEqual([timedOk.exitCode, timedOk.stdout, timedOk.stderr, timedOk.timedOut], [3, 'out', 'err', undefined]);

      assert.equal(await target.readFile('/proc/cmdline'), readFileSync('/proc/cmdline', 'utf8'));
      await assert.rejects(target.readFile('/nonexistent/file'), /cannot read \/nonexistent\/file/);
      assert.ok((await target.listDir('/proc/self/task')).length >= 1);

      const fp = await target.fingerprint();
      assert.equal(fp.arch, os.machine());
      assert.equal(fp.kernel, os.release());
      assert.equal(fp.hostname, os.hostname());
      assert.equal(fp.cores, Number(execFileSync('nproc', { encoding: 'utf8' }).trim()));
      assert.ok(fp.memoryBytes > 0);
      assert.equal(fp.cmdline, readFileSync('/proc/cmdline', 'utf8').trim());
      const caps = await target.capabilities();
      assert.equal(caps.node.ok, false);

      // Files both ways, binary-safe.
      const blob = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
      writeFileSync(path.join(dir, 'blob'), blob);
      runDir = await target.prepare();
      assert.match(runDir, /^\/tmp\/m3bench-[0-9a-f]+$/);
      await target.putFile(path.join(dir, 'blob'), `${runDir}/blob`);
      await target.getFile(`${runDir}/blob`, path.join(dir, 'blob.back'));
      assert.ok(readFileSync(path.join(dir, 'blob.back')).equals(blob));

      const worker = await target.startWorker();
      const hello = JSON.parse(await worker.readLine(30_000)) as { hello: string; protocol: number };
      assert.equal(hello.hello, 'm3worker');
      await worker.writeLine('list');
      const list = JSON.parse(await worker.readLine(30_000)) as { ok: boolean; mechanisms: Array<{ name: string }> };
      assert.equal(list.ok, true);
      assert.ok(list.mechanisms.some((m) => m.name === 'pipe'), JSON.stringify(list).slice(0, 300));
      // A second worker at once (each round may have its own).
      const second = await target.startWorker();
      assert.match(await second.readLine(30_000), /"hello":"m3worker"/);
      await second.close();
      await worker.close();
    } finally {
      const log = await target.close();
      t.diagnostic(log.join('; '));
    }
    const controlDir = target.conn.controlDir;
    assert.equal(existsSync(controlDir), false, 'control socket directory removed');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(pgrep(controlDir), [], 'no ssh process left');
    assert.deepEqual(pgrep(`${runDir}/m3worker`), [], 'no worker left');
    assert.equal(existsSync(runDir), false, 'remote run directory removed');
  });

  it('ensureModule: without /dev/m3ipc, kernel headers or a module build dir it says why', { timeout: 120_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const release = os.release();
    // A Debian kernel's module can be built from the archive's headers (runners/targets/debian/):
    // the test would then load it into this host's own kernel.
    const debianKernel = /-(amd64|arm64|cloud-amd64|rt-amd64)$/.test(release);
    if (existsSync('/dev/m3ipc') || existsSync(`/lib/modules/${release}/build`) || debianKernel) {
      return t.skip('this host could build or already has the module: not loading it into the test host kernel');
    }
    const target = new SshTarget('m3test', { configFile: config });
    try {
      const m = await target.ensureModule();
      if (process.getuid?.() === 0) assert.deepEqual(m, { ok: false, detail: `no compiler or headers for the module on m3test (kernel ${release})` });
      else assert.equal(m.ok, false);
      assert.deepEqual((await target.capabilities()).m3ipcModule, m);
    } finally {
      await target.close();
    }
  });

  it('the process exit handler ends the master connection and removes the control directory', { timeout: 60_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const script = path.join(dir, 'exit-hook.mts');
    const mod = path.resolve(import.meta.dirname, '../runners/targets/ssh-connection.ts');
    writeFileSync(script, `import { SshConnection } from ${JSON.stringify(mod)};
const c = new SshConnection({ host: 'm3test', configFile: ${JSON.stringify(config)} });
await c.connect();
console.log(c.controlDir);
process.exit(0);
`);
    const controlDir = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 }).trim();
    assert.match(controlDir, /m3ssh-/);
    assert.equal(existsSync(controlDir), false);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(pgrep(controlDir), []);
  });

  it('authentication refused fails fast with a clear message', { timeout: 60_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const target = new SshTarget('m3wrongkey', { configFile: config });
    const t0 = Date.now();
    await assert.rejects(target.exec(['true']), (e: Error) => {
      assert.ok(e instanceof SshError, String(e));
      assert.equal(e.kind, 'auth');
      assert.match(e.message, /ssh m3wrongkey: authentication refused/);
      return true;
    });
    assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
    await target.close();
    assert.equal(existsSync(target.conn.controlDir), false);
  });

  it('an unreachable host (closed port) fails fast with a clear message', { timeout: 60_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const target = new SshTarget('m3closed', { configFile: config });
    const t0 = Date.now();
    await assert.rejects(target.prepare(), (e: Error) => {
      assert.ok(e instanceof SshError, String(e));
      assert.equal(e.kind, 'unreachable');
      assert.match(e.message, /ssh m3closed: unreachable \(.*Connection refused/);
      return true;
    });
    assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
    await target.close();
    assert.deepEqual(pgrep(target.conn.controlDir), []);
  });

  it('HostName/port/user given explicitly (as from an inventory) instead of a config entry', { timeout: 60_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const target = new SshTarget('lab-box', {
      hostName: '127.0.0.1',
      port,
      user: os.userInfo().username,
      configFile: '/dev/null',
      options: [`IdentityFile=${dir}/client_key`, 'IdentitiesOnly=yes', `UserKnownHostsFile=${dir}/known_hosts`, 'StrictHostKeyChecking=accept-new', 'LogLevel=ERROR'],
    });
    try {
      assert.equal((await target.exec(['echo', 'ok'])).stdout, 'ok');
    } finally {
      await target.close();
    }
  });
});

describe('ssh failure classification and quoting', () => {
  it('classifies ssh exit-255 stderr', () => {
    const changed = '@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@\nHost key verification failed.\n';
    assert.equal(classifySshFailure('h', changed).kind, 'hostkey');
    assert.match(classifySshFailure('h', changed).message, /^ssh h: host key changed/);
    assert.equal(classifySshFailure('h', 'Host key verification failed.').kind, 'hostkey');
    assert.equal(classifySshFailure('h', 'me@h: Permission denied (publickey).').kind, 'auth');
    for (const e of ['ssh: connect to host h port 22: Connection refused', 'ssh: connect to host h port 22: Connection timed out', 'ssh: connect to host 10.9.9.9 port 22: No route to host', 'ssh: Could not resolve hostname nope: Name or service not known']) {
      assert.equal(classifySshFailure('h', e).kind, 'unreachable', e);
    }
    assert.equal(classifySshFailure('h', 'something else').kind, 'other');
  });

  it('quotes argv for the remote shell', () => {
    assert.equal(shellJoin(['echo', "it's", 'a b', '', '$x', 'plain-1.2/x']), `echo 'it'\\''s' 'a b' '' '$x' plain-1.2/x`);
  });
});

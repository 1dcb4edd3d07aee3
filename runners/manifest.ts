// The run manifest: what ran, where, with which versions, from which source revision.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostFingerprint } from '../collectors/host.ts';
import { REPO_ROOT } from '../core/paths.ts';
import type { Manifest } from '../core/types.ts';

async function commandOutput(file: string, args: string[], cwd = REPO_ROOT): Promise<string | null> {
  try {
    const { stdout } = await execa(file, args, { cwd });
    return stdout.trim();
  } catch {
    return null;
  }
}

export async function gitState(): Promise<Manifest['git']> {
  const revision = await commandOutput('git', ['rev-parse', 'HEAD']);
  if (revision === null) return { revision: null, dirty: null, date: null };
  const [status, date] = await Promise.all([
    commandOutput('git', ['status', '--porcelain']),
    // The committer date: the run history orders a series by it (reports/history/axes.ts).
    commandOutput('git', ['show', '-s', '--format=%cI', 'HEAD']),
  ]);
  return { revision, dirty: status === null ? null : status.length > 0, date };
}

function packageVersion(file: string): string {
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export async function versions(workerProtocol: number | undefined): Promise<Record<string, string>> {
  const gcc = await commandOutput('gcc', ['-dumpfullversion']);
  return {
    m3bench: packageVersion(path.join(REPO_ROOT, 'package.json')),
    node: process.version,
    tinybench: packageVersion(path.join(REPO_ROOT, 'node_modules', 'tinybench', 'package.json')),
    workerProtocol: workerProtocol === undefined ? 'none' : String(workerProtocol),
    gcc: gcc ?? 'not found',
    kernel: os.release(),
  };
}

export async function buildManifest(init: Omit<Manifest, 'host' | 'versions' | 'git'> & { workerProtocol?: number }): Promise<Manifest> {
  const { workerProtocol, ...rest } = init;
  const [host, v, git] = await Promise.all([hostFingerprint(), versions(workerProtocol), gitState()]);
  return { ...rest, host, versions: v, git };
}

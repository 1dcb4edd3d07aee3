// Where the checkout's own files are: the one place that turns this module's URL into paths.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoPath = (...parts: string[]): string => path.join(REPO_ROOT, ...parts);

export const CONFIG_DIR = repoPath('config');
export const PROFILE_DIR = repoPath('config', 'profiles');
export const NATIVE_BUILD = repoPath('native', 'build');
export const M3IPC_BUILD = repoPath('m3ipc', 'build');
export const DEFAULT_WORKER = repoPath('native', 'build', 'm3worker');
export const M3NET = repoPath('native', 'build', 'm3net');
export const CACHE_DIR = repoPath('.cache');

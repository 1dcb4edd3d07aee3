// The papers' reference values (fixtures/paper/), always shown with the hardware they came from.
import { readFileSync } from 'node:fs';
import { repoPath } from '../core/paths.ts';

export interface PaperValue {
  value: number;
  note: string;
}
export interface ProfileRow {
  samples: number;
  percent: number;
  symbol: string;
}
export interface M3ipcPaper {
  paper: string;
  hardware: string;
  ipc2AggregateMsgsPerSec: PaperValue;
  bwMemCopyGBps: PaperValue;
}
export interface AsymmetricKernelPaper {
  paper: string;
  hardware: string;
  table1: Record<'A' | 'B', { cswchPerSec: number; intrPerSec: number }>;
  table2: ProfileRow[];
  table3: ProfileRow[];
}

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(repoPath('fixtures', 'paper', name), 'utf8')) as T;
}

export const m3ipcPaper = fixture<M3ipcPaper>('m3ipc.json');
export const asymmetricKernelPaper = fixture<AsymmetricKernelPaper>('asymmetric-kernel.json');

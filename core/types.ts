// The data model shared by suites, runners, collectors and reports (see ../shared/DESIGN.md).
// A run directory holds manifest.json, results.jsonl (one Result per line — per case and round — appended as each
// case ends), results.csv and report/.

import type { TargetDescription, TargetFingerprint } from './target.ts';
import type { ConfigurationRecord } from './kernel-config.ts';

export const IPC_TESTS = ['IPC1', 'IPC2', 'IPC3'] as const;
export const COPY_TESTS = ['COPY1', 'COPY2'] as const;
export const TESTS = [...IPC_TESTS, ...COPY_TESTS, 'NET'] as const;
export type TestName = (typeof TESTS)[number];

/** An IPC test (IPC1–3): a round trip per iteration. */
export const isIpcTest = (test: string): boolean => (IPC_TESTS as readonly string[]).includes(test);
/** A COPY test (COPY1–2): a block per iteration. */
export const isCopyTest = (test: string): boolean => (COPY_TESTS as readonly string[]).includes(test);

/**
 * How a COPY iteration's block is delivered (core/copy-mode.ts). The iteration is one block in both.
 * sync: every block is delivered and acknowledged before the next (m3: one vcopy, then a reply).
 * stream: `burst` blocks, then one acknowledgement (m3: `burst` vcopies while the peer stays blocked, one reply).
 */
export const COPY_MODES = ['sync', 'stream'] as const;
export type CopyMode = (typeof COPY_MODES)[number];

export const PLACEMENTS = ['same-cpu', 'cross-cpu', 'unpinned'] as const;
export type Placement = (typeof PLACEMENTS)[number];

/** `local`, `vm` or `ssh:HOST` (runners/targets/). */
export type TargetName = string;

/** Separates a case id from the target a run over several targets appends to it: `IPC2/pipe/...@ssh:lab1`. */
export const TARGET_ID_SEPARATOR = '@';

/** One thing to measure. `id` is stable across runs so that runs can be compared case by case. */
export interface Case {
  id: string; // e.g. "IPC1/pipe/same-cpu/36B/1p"
  test: TestName;
  mechanism: string;
  size: number; // bytes: message size (IPC1/2), 1 for IPC3 baselines, block size (COPY)
  placement: Placement;
  pairs: number;
  spin: number; // spin budget of spin-then-wait mechanisms
  target: TargetName;
  /** The kernel configuration (core/kernel-config.ts) it is measured under; absent: the target's default. */
  config?: string;
  /** Seconds of tinybench time budget for this case. */
  time: number;
  /** Fresh setups (new worker process, new IPC objects) the batches are split over; absent = 1. */
  rounds?: number;
  /** Collector names to attach (see collectors/). */
  collectors: string[];
  /** Tests A/B only: kernel-configuration profile and which repetition this is. */
  profile?: string;
  repetition?: 'counters' | 'profile';
  /**
   * COPY tests only: sync or stream (COPY_MODES). Absent on a COPY case of a run made before modes,
   * whose definition was neither: baselines acknowledged each block, m3 sent one reply per batch.
   */
  copyMode?: CopyMode;
  /** stream only: blocks per acknowledgement. */
  burst?: number;
  /** COPY only: byte offsets (source, destination) of the blocks within page-aligned buffers; absent = [0, 0]. */
  offsets?: [number, number];
  /** Free-form extra parameters of a suite (e.g. net workload rate/flows). */
  params?: Record<string, unknown>;
}

/** Statistics of per-iteration time in nanoseconds, computed by tinybench over the batches. */
export interface Stats {
  n: number; // number of batches (samples)
  iterationsPerBatch: number;
  mean: number;
  p50: number;
  p75: number;
  p99: number;
  min: number;
  max: number;
  sd: number;
  rme: number; // relative margin of error, percent
  moe: number; // margin of error, ns
}

/** What sampling one setup of a case gives: statistics and the raw per-iteration samples. */
export interface Sampled {
  stats: Stats;
  /** Per-iteration ns of every measured batch, in the order they ran (warm-up excluded). */
  samples: number[];
  /** CPU ns per iteration of the same batches (cpuSamples[i] / samples[i] = busy CPUs of batch i). */
  cpuSamples?: number[];
  /** Why there are no cpuSamples (a batch whose CPU time could not be read). */
  cpuUnavailable?: string;
}

/** Figures derived from the statistics; which ones are present depends on the test. */
export interface Derived {
  roundTripsPerSec?: number; // IPC tests: 1 / p50 per round trip (× pairs)
  msgsPerSec?: number; // IPC tests: 2 × round trips/s, as the paper counts
  usPerRoundTrip?: number;
  copiesPerSec?: number; // COPY tests
  gbPerSec?: number; // COPY tests: copies/s × size / 1e9
  // CPU cost (core/derived.ts deriveCpuFigures); absent in runs made before the worker measured it.
  cpuUsPerIteration?: number; // CPU µs (all processes of the case) per round trip or copy
  msgsPerCpuSec?: number; // IPC tests: 2 × round trips per CPU-second
  copiesPerCpuSec?: number; // COPY tests: copies per CPU-second
  busyCpus?: number; // CPU time / wall time: ~2 when both sides spin
  [name: string]: number | undefined;
}

export type Status = 'ok' | 'skipped' | 'failed';

export interface Result {
  case: Case;
  status: Status;
  reason?: string; // skipped: why
  error?: string; // failed: what went wrong
  stats?: Stats;
  /** Per-iteration ns of every batch, in order (raw samples, kept for compare/bootstrap). */
  samples?: number[];
  /** CPU ns per iteration of the same batches (Sampled.cpuSamples); absent in older runs. */
  cpuSamples?: number[];
  /** A line of results.jsonl for one round of a case (core/rounds.ts merges them); absent once merged. */
  round?: number;
  /** Merged over several rounds: how many of `samples`, in order, each round measured. */
  roundSizes?: number[];
  derived?: Derived;
  /** Worker-reported facts about the setup (sizeof(message), pids, cpus, ...). */
  detail?: Record<string, unknown>;
  collectors?: Record<string, CollectorOutput>;
  startedAt: string;
  endedAt: string;
}

/** What a collector returns when stopped: a time series and a summary. */
export interface CollectorOutput {
  name: string;
  intervalMs: number;
  series: Array<{ t: number; values: Record<string, number> }>;
  summary: Record<string, unknown>;
  notes?: string[];
}

export interface HostFingerprint {
  hostname: string;
  cpuModel: string;
  cores: number;
  physicalCores?: number;
  kernel: string;
  os: string;
  memoryBytes: number;
  virtualised: boolean | null;
  hypervisor?: string;
  node: string;
}

export interface Manifest {
  id: string;
  suite: string;
  startedAt: string;
  endedAt?: string;
  argv: string[];
  config: unknown;
  host: HostFingerprint;
  /** Where the cases ran; `fingerprint` is read on that machine (absent in runs made before targets had one). */
  target: TargetDescription & { fingerprint?: TargetFingerprint };
  /** A run over several targets: each one (the first is also `target`). */
  targets?: Array<TargetDescription & { fingerprint?: TargetFingerprint }>;
  /** Tests A/B across two machines: the target that sent the paced stream (`--sender`). */
  sender?: TargetDescription & { fingerprint?: TargetFingerprint };
  /** A run over kernel configurations: each one on each target, as applied and verified. */
  configurations?: ConfigurationRecord[];
  /** When `--resume` completed this run. */
  resumedAt?: string[];
  versions: Record<string, string>;
  /** `date`: the commit's committer date (ISO 8601); absent in runs made before it was recorded. */
  git: { revision: string | null; dirty: boolean | null; date?: string | null };
}

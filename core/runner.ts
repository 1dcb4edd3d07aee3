// What a case runner gets from the run: where to write, how to report, when to stop, and the
// hook to the collectors.
import type { Target } from './target.ts';
import type { Case, CollectorOutput, Result } from './types.ts';

export interface RunningCollectors {
  stop(): Promise<Record<string, CollectorOutput>>;
}

export interface RunLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface RunContext {
  runDir: string;
  log: RunLogger;
  signal: AbortSignal;
  /** Where the case runs: collectors, commands and files go through it. */
  target: Target;
  /** Tests A/B across two machines (`--sender`): the target that sends the paced stream to `target`'s NICs. */
  sender?: Target;
  /** Which round of its case this is (1-based; core/rounds.ts). */
  round: number;
  /** Starts the named collectors around the measured part of a case (collectors/index.ts). */
  startCollectors(names: string[], pids: number[]): Promise<RunningCollectors>;
}

export interface CaseRunner {
  name: string;
  accepts(c: Case): boolean;
  run(c: Case, ctx: RunContext): Promise<Result>;
  /** Releases what the runner keeps between cases (e.g. the long-lived worker). */
  close?(): Promise<void>;
}

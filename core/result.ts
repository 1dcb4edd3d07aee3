// Constructors for the three outcomes of a case, so every runner shapes them the same way.
import { deriveAllFigures } from './derived.ts';
import type { Case, CollectorOutput, Result, Sampled } from './types.ts';

export function skippedResult(c: Case, reason: string, startedAt: string): Result {
  return { case: c, status: 'skipped', reason, startedAt, endedAt: new Date().toISOString() };
}

export function failedResult(c: Case, err: unknown, startedAt: string, detail?: Record<string, unknown>): Result {
  const error = err instanceof Error ? err.message : String(err);
  return { case: c, status: 'failed', error, ...(detail ? { detail } : {}), startedAt, endedAt: new Date().toISOString() };
}

export function okResult(
  c: Case,
  sampled: Sampled,
  startedAt: string,
  detail: Record<string, unknown>,
  collectors?: Record<string, CollectorOutput>,
): Result {
  return {
    case: c,
    status: 'ok',
    stats: sampled.stats,
    samples: sampled.samples,
    ...(sampled.cpuSamples ? { cpuSamples: sampled.cpuSamples } : {}),
    derived: deriveAllFigures(c, sampled.stats, sampled.samples, sampled.cpuSamples),
    detail: sampled.cpuUnavailable === undefined ? detail : { ...detail, cpu_unavailable: sampled.cpuUnavailable },
    ...(collectors ? { collectors } : {}),
    startedAt,
    endedAt: new Date().toISOString(),
  };
}

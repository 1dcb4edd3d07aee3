// Rounds: a case is measured in several rounds, one per pass over the whole plan, each in a fresh
// setup (locally a new worker process), like JMH's forks spread out in time. On this project's
// 2-vCPU VM one setup of a case can be 10–60 % off for its whole life (memory placement, 4 KiB
// aliasing of buffers), and a window of a second or more can favour one case (an A/A trial saw
// all three back-to-back setups of a case 12 % fast); no number of batches inside one setup or
// window shows either. Rounds a pass apart (tens of seconds) do, and the median pooled over them
// survives one odd round; reports/stats.ts resamples rounds before batches, so rounds that
// disagree widen the interval.
//
// results.jsonl holds one line per case and round (`round`), appended as each ends, so a crash
// keeps every finished round. mergeRounds turns the lines back into one result per case.
import { Bench } from 'tinybench';
import { deriveAllFigures } from './derived.ts';
import { perIterationStats } from './tinybench-stats.ts';
import type { Result, Stats } from './types.ts';

/**
 * tinybench's statistics of the pooled batches. The durations were measured by the worker; they
 * are handed to tinybench as overridden durations, exactly as during sampling.
 */
export async function pooledStats(samples: number[], iterationsPerBatch: number): Promise<Stats> {
  const bench = new Bench({ time: 0, iterations: samples.length, warmup: false, throws: true });
  let next = 0;
  // async, as in sampling: tinybench would otherwise call a sync function once to probe it, and
  // the reset makes sure the measured phase starts at the first batch whatever it calls before.
  bench.add('pooled', async () => ({ overriddenDuration: (samples[next++]! * iterationsPerBatch) / 1e6 }), {
    beforeAll() {
      next = 0;
    },
  });
  await bench.run();
  const result = bench.tasks[0]!.result;
  if (result.state !== 'completed') throw new Error(`tinybench could not pool the rounds (state "${result.state}")`);
  return perIterationStats(result.latency, iterationsPerBatch);
}

/**
 * The rounds' CPU samples in the order of their pooled samples, or undefined unless every round has
 * one per batch: a CPU figure over some of the rounds would not be the case's.
 */
export function pooledCpuSamples(lines: readonly Result[]): number[] | undefined {
  const complete = lines.every((r) => r.cpuSamples && r.cpuSamples.length === (r.samples?.length ?? 0));
  return complete ? lines.flatMap((r) => r.cpuSamples!) : undefined;
}

const withoutRound = ({ round: _, ...result }: Result): Result => result;

/** One case's round lines → one result. All rounds must be ok; otherwise the first that is not stands. */
async function mergeCase(lines: Result[]): Promise<Result> {
  const first = withoutRound(lines[0]!);
  const notOk = lines.find((r) => r.status !== 'ok');
  if (notOk) {
    const rest = withoutRound(notOk);
    return lines.length === 1 || !rest.error ? rest : { ...rest, error: `round ${notOk.round}: ${rest.error}` };
  }
  if (lines.length === 1) return first;
  const samples = lines.flatMap((r) => r.samples ?? []);
  const roundSizes = lines.map((r) => r.samples?.length ?? 0);
  const cpuSamples = pooledCpuSamples(lines);
  const cpuGap = cpuSamples ? undefined : lines.map((r) => r.detail?.cpu_unavailable).find((why) => typeof why === 'string');
  const { cpuSamples: _firstRoundCpu, ...base } = first;
  // Each round calibrates its own batch size; statistics are per iteration, so they pool.
  const stats = await pooledStats(samples, first.stats!.iterationsPerBatch);
  const workerPids = lines.map((r) => r.detail?.worker_pid).filter((p) => p !== undefined);
  return {
    ...base,
    stats,
    samples,
    ...(cpuSamples ? { cpuSamples } : {}),
    roundSizes,
    derived: deriveAllFigures(first.case, stats, samples, cpuSamples),
    detail: { ...first.detail, ...(workerPids.length ? { round_worker_pids: workerPids } : {}), ...(cpuGap ? { cpu_unavailable: cpuGap } : {}) },
    endedAt: lines.at(-1)!.endedAt,
  };
}

/**
 * The lines of results.jsonl grouped by case, in first-seen order, each group sorted by round.
 * A line without `round` (single-round cases, tests A/B, runs made before rounds) is a group alone.
 */
export function groupRounds(lines: Result[]): Result[][] {
  const groups: Result[][] = [];
  const byCase = new Map<string, Result[]>();
  for (const line of lines) {
    if (line.round === undefined) {
      groups.push([line]);
      continue;
    }
    let group = byCase.get(line.case.id);
    if (!group) byCase.set(line.case.id, (group = []));
    if (group.length === 0) groups.push(group);
    group.push(line);
  }
  return groups.map((g) => g.sort((a, b) => (a.round ?? 1) - (b.round ?? 1)));
}

/** The lines of results.jsonl → one result per case, in first-seen order (see groupRounds). */
export async function mergeRounds(lines: Result[]): Promise<Result[]> {
  return Promise.all(groupRounds(lines).map(mergeCase));
}

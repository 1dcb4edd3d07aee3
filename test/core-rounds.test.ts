// Merging the per-round lines of results.jsonl into one result per case (core/rounds.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeRounds } from '../core/rounds.ts';
import type { Result, Status } from '../core/types.ts';

const AT = '2026-01-01T00:00:00Z';

function line(id: string, round: number | undefined, samples: number[], status: Status = 'ok'): Result {
  const [test, mechanism] = id.split('/') as ['IPC1', string];
  return {
    case: { id, test, mechanism, size: 36, placement: 'same-cpu', pairs: 1, spin: 1000, target: 'local', time: 0.3, rounds: 3, collectors: [] },
    status,
    ...(status === 'failed' ? { error: 'worker died' } : {}),
    ...(status === 'ok' ? { samples, stats: { n: samples.length, iterationsPerBatch: 1000, mean: 0, p50: 0, p75: 0, p99: 0, min: 0, max: 0, sd: 0, rme: 0, moe: 0 } } : {}),
    detail: { worker_pid: 100 + (round ?? 0) },
    ...(round === undefined ? {} : { round }),
    startedAt: AT,
    endedAt: `2026-01-01T00:00:0${round ?? 0}Z`,
  };
}

describe('mergeRounds', () => {
  it('pools the rounds of a case with tinybench statistics, in round order, keeping first-seen case order', async () => {
    const merged = await mergeRounds([
      line('IPC1/pipe', 1, [1000, 1010, 990, 1000]),
      line('IPC1/fifo', 1, [2000, 2000, 2000, 2000]),
      line('IPC1/pipe', 3, [1200, 1200, 1200, 1200]),
      line('IPC1/pipe', 2, [1100, 1100, 1100, 1100]),
    ]);
    assert.deepEqual(merged.map((r) => r.case.id), ['IPC1/pipe', 'IPC1/fifo']);
    const pipe = merged[0]!;
    assert.deepEqual(pipe.samples, [1000, 1010, 990, 1000, 1100, 1100, 1100, 1100, 1200, 1200, 1200, 1200]);
    assert.deepEqual(pipe.roundSizes, [4, 4, 4]);
    assert.equal(pipe.round, undefined);
    assert.equal(pipe.stats!.n, 12);
    assert.ok(Math.abs(pipe.stats!.p50 - 1100) < 1e-6, `p50 ${pipe.stats!.p50}`);
    assert.ok(Math.abs(pipe.stats!.min - 990) < 1e-6 && Math.abs(pipe.stats!.max - 1200) < 1e-6 && Math.abs(pipe.stats!.mean - 1100) < 1e-6);
    assert.ok(pipe.derived!.msgsPerSec! > 0, 'figures derived from the pooled median');
    assert.deepEqual(pipe.detail!.round_worker_pids, [101, 102, 103]);
    assert.equal(pipe.endedAt, '2026-01-01T00:00:03Z');
    assert.equal(merged[1]!.roundSizes, undefined, 'a case with one round line stays as it is');
  });

  it('a round that failed fails the case, naming the round', async () => {
    const [r] = await mergeRounds([line('IPC1/pipe', 1, [1000, 1000, 1000, 1000]), line('IPC1/pipe', 2, [], 'failed')]);
    assert.equal(r!.status, 'failed');
    assert.equal(r!.error, 'round 2: worker died');
  });

  it('lines without a round (tests A/B, older runs) pass through unchanged, even with repeated ids', async () => {
    const a = line('NET/tcp', undefined, [1, 2, 3, 4]);
    const merged = await mergeRounds([a, { ...a }]);
    assert.equal(merged.length, 2);
    assert.deepEqual(merged[0], a);
  });
});

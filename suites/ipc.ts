// Suite kind "ipc": mechanisms × tests × placements × sizes × pairs, the M3-IPC micro-benchmarks.
import { z } from 'zod';
import type { Case, TestName } from '../core/types.ts';
import { COPY_TESTS, IPC_TESTS, PLACEMENTS } from '../core/types.ts';
import { ConfigError, oneOf, problem } from '../core/config-error.ts';
import type { PlanInput, SuiteKind } from './types.ts';

const WORKER_TESTS = [...IPC_TESTS, ...COPY_TESTS] as const;
/** The paper's rule: IPC3 baselines move 1 byte (M3's notify carries none). */
const IPC3_SIZE = 1;

const positiveInt = z.number().int().positive();
/** Three setups per case: a pooled median survives one odd setup (see runners/ipc/sampling.ts). */
const DEFAULT_ROUNDS = 3;

export const ipcSuiteSchema = z.strictObject({
  kind: z.literal('ipc').default('ipc'),
  name: z.string().min(1),
  description: z.string().optional(),
  /** "all" = every mechanism the target lists (so a new worker mechanism needs no TS change). */
  mechanisms: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default('all'),
  tests: z.array(oneOf(WORKER_TESTS)).min(1),
  placements: z.array(oneOf(PLACEMENTS)).min(1),
  sizes: z
    .strictObject({
      /** Message sizes of IPC1/IPC2, bytes. */
      ipc: z.array(positiveInt).min(1).default([36]),
      /** Block sizes of COPY1/COPY2, bytes. */
      copy: z.array(positiveInt).min(1).default([4096]),
    })
    .default({ ipc: [36], copy: [4096] }),
  pairs: z.array(positiveInt).min(1).default([1]),
  spin: z.number().int().nonnegative().default(1000),
  /** tinybench time budget per case, seconds. */
  time: z.number().positive().max(600),
  /**
   * Fresh setups each case's batches are split over (runners/ipc/sampling.ts): 1 = a single setup.
   * Default: DEFAULT_ROUNDS, or 1 when collectors are attached (they follow one setup's processes).
   */
  rounds: positiveInt.max(20).optional(),
  collectors: z.array(z.string().min(1)).default([]),
});

export type IpcSuiteConfig = z.output<typeof ipcSuiteSchema>;

function sizesFor(test: TestName, config: IpcSuiteConfig, sizeOverride: number | undefined): number[] {
  if (test === 'IPC3') return [IPC3_SIZE];
  if (sizeOverride !== undefined) return [sizeOverride];
  return (COPY_TESTS as readonly string[]).includes(test) ? config.sizes.copy : config.sizes.ipc;
}

export function caseId(c: Pick<Case, 'test' | 'mechanism' | 'placement' | 'size' | 'pairs'>): string {
  return `${c.test}/${c.mechanism}/${c.placement}/${c.size}B/${c.pairs}p`;
}

function expand({ config, source, catalogue, overrides, target }: PlanInput<IpcSuiteConfig>): Case[] {
  const known = catalogue.map((m) => m.name);
  const [mechanisms, field] = overrides.mechanisms
    ? [overrides.mechanisms, '--mechanism']
    : [config.mechanisms === 'all' ? known : config.mechanisms, 'mechanisms'];
  const unknown = mechanisms
    .map((m, i) => [m, i] as const)
    .filter(([m]) => !known.includes(m))
    .map(([m, i]) => problem(source, [field, i], `"${m}" is not a mechanism of this target (known: ${known.join(', ')})`));
  if (unknown.length) throw new ConfigError(unknown);

  const tests = overrides.tests ?? config.tests;
  const placements = overrides.placements ?? config.placements;
  const pairsList = overrides.pairs !== undefined ? [overrides.pairs] : config.pairs;
  const time = overrides.time ?? config.time;
  const rounds = overrides.rounds ?? config.rounds ?? (config.collectors.length ? 1 : DEFAULT_ROUNDS);
  // A collector follows the processes of one setup; a fresh setup per round would leave it behind.
  if (rounds > 1 && config.collectors.length) {
    throw new ConfigError([problem(source, ['rounds'], `collectors follow the processes of one setup: use "rounds": 1 with collectors (got ${rounds})`)]);
  }

  const cases: Case[] = [];
  for (const test of tests)
    for (const mechanism of mechanisms)
      for (const placement of placements)
        for (const size of sizesFor(test, config, overrides.size))
          for (const pairs of pairsList) {
            const c = { test, mechanism, placement, size, pairs };
            cases.push({ id: caseId(c), ...c, spin: config.spin, target, time, rounds, collectors: config.collectors });
          }
  return cases;
}

export const ipcSuite: SuiteKind<typeof ipcSuiteSchema> = { kind: 'ipc', schema: ipcSuiteSchema, expand };

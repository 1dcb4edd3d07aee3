// Suite kind "ipc": mechanisms × tests × placements × sizes × pairs, the M3-IPC micro-benchmarks.
import { z } from 'zod';
import type { Case, TestName } from '../core/types.ts';
import { COPY_MODES, COPY_TESTS, IPC_TESTS, isCopyTest, PLACEMENTS } from '../core/types.ts';
import { BURST_RANGE, copyFields, copyIdSuffix, MAX_OFFSET } from '../core/copy-mode.ts';
import { ConfigError, oneOf, problem } from '../core/config-error.ts';
import type { PlanInput, SuiteKind } from './types.ts';

const WORKER_TESTS = [...IPC_TESTS, ...COPY_TESTS] as const;
/** The paper's rule: IPC3 baselines move 1 byte (M3's notify carries none). */
const IPC3_SIZE = 1;

const positiveInt = z.number().int().positive();
const offset = z.number().int().min(0).max(MAX_OFFSET, { message: `an offset within the page: 0..${MAX_OFFSET}` });
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
  /** COPY1/COPY2 delivery modes (core/types.ts COPY_MODES): each COPY case is measured in each. */
  copyModes: z.array(oneOf(COPY_MODES)).min(1).default(['sync']),
  /** stream mode: blocks per acknowledgement (default DEFAULT_BURST); meaningless without stream. */
  burst: z.number().int().min(BURST_RANGE[0]).max(BURST_RANGE[1]).optional(),
  /** COPY1/COPY2 (source, destination) byte offsets within page-aligned buffers, each pair a case. */
  copyOffsets: z.array(z.tuple([offset, offset])).min(1).default([[0, 0]]),
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
}).superRefine((c, ctx) => {
  // A burst under sync alone would be recorded nowhere and change nothing: say so rather than ignore it.
  if (c.burst !== undefined && !c.copyModes.includes('stream')) {
    ctx.addIssue({ code: 'custom', path: ['burst'], message: 'burst is the blocks per acknowledgement of stream mode: add "stream" to copyModes or drop burst' });
  }
});

export type IpcSuiteConfig = z.output<typeof ipcSuiteSchema>;

function sizesFor(test: TestName, config: IpcSuiteConfig, sizeOverride: number | undefined): number[] {
  if (test === 'IPC3') return [IPC3_SIZE];
  if (sizeOverride !== undefined) return [sizeOverride];
  return isCopyTest(test) ? config.sizes.copy : config.sizes.ipc;
}

type IdFields = Pick<Case, 'test' | 'mechanism' | 'placement' | 'size' | 'pairs' | 'copyMode' | 'burst' | 'offsets'>;

/** `COPY1/pipe/same-cpu/4096B/1p/stream64/o0,2048`: the mode part only on COPY cases (core/copy-mode.ts). */
export function caseId(c: IdFields): string {
  return `${c.test}/${c.mechanism}/${c.placement}/${c.size}B/${c.pairs}p${copyIdSuffix(c)}`;
}

/** The mode × offsets variants of a COPY case (each its own case), or one empty variant for IPC. */
function copyVariants(test: TestName, config: IpcSuiteConfig): Array<Pick<Case, 'copyMode' | 'burst' | 'offsets'>> {
  if (!isCopyTest(test)) return [{}];
  return config.copyModes.flatMap((copyMode) => config.copyOffsets.map((offsets) => copyFields(copyMode, offsets, config.burst)));
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
          for (const pairs of pairsList)
            for (const variant of copyVariants(test, config)) {
              const c = { test, mechanism, placement, size, pairs, ...variant };
              cases.push({ id: caseId(c), ...c, spin: config.spin, target, time, rounds, collectors: config.collectors });
            }
  return cases;
}

export const ipcSuite: SuiteKind<typeof ipcSuiteSchema> = { kind: 'ipc', schema: ipcSuiteSchema, expand };

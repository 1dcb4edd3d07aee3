// Suite kind "net-ab" (Paper 2, tests A/B): every profile in order, each with a counters
// repetition (Table 1: /proc collectors only) and a profile repetition (Tables 2/3: perf only, so
// perf's own interrupts never enter Table 1).
import { readFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import type { Case } from '../core/types.ts';
import { ConfigError, oneOf, parseOrThrow, problem } from '../core/config-error.ts';
import type { PlanInput, SuiteKind } from './types.ts';
import { COUNTERS_COLLECTORS, netParamsSchema, PROFILE_COLLECTORS } from './net-params.ts';
import { profilePath, profileSchema } from './profile.ts';

const REPETITIONS = ['counters', 'profile'] as const;

export const netAbSuiteSchema = z.strictObject({
  kind: z.literal('net-ab'),
  name: z.string().min(1),
  description: z.string().optional(),
  /** Profile names (config/profiles/<name>.json) or paths, run in this order. */
  profiles: z.array(z.string().min(1)).min(1),
  repetitions: z.array(oneOf(REPETITIONS)).min(1).default([...REPETITIONS]),
  ...netParamsSchema.shape,
});
export type NetAbSuiteConfig = z.output<typeof netAbSuiteSchema>;

/** Every named profile must exist and be valid before anything runs. */
function checkProfiles(profiles: string[], source: string): void {
  const problems: string[] = [];
  profiles.forEach((name, i) => {
    const file = profilePath(name);
    if (!existsSync(file)) return void problems.push(problem(source, ['profiles', i], `no profile ${file}`));
    try {
      parseOrThrow(profileSchema, JSON.parse(readFileSync(file, 'utf8')), file);
    } catch (err) {
      problems.push(problem(source, ['profiles', i], (err as Error).message));
    }
  });
  if (problems.length) throw new ConfigError(problems);
}

function expand({ config, source, overrides, target }: PlanInput<NetAbSuiteConfig>): Case[] {
  const { kind: _k, name: _n, description: _d, profiles: configured, repetitions, ...params } = config;
  const profiles = overrides.profiles ?? configured;
  checkProfiles(profiles, source);
  if (overrides.tests && !overrides.tests.includes('NET')) return [];
  const duration = overrides.time ?? params.duration;
  return profiles.flatMap((profile) =>
    repetitions.map((repetition) => ({
      id: `NET/${profile}/${repetition}`,
      test: 'NET' as const,
      mechanism: 'tcp-paced',
      size: 0,
      placement: 'unpinned' as const,
      pairs: params.flows,
      spin: 0,
      target,
      time: duration,
      collectors: repetition === 'counters' ? COUNTERS_COLLECTORS : PROFILE_COLLECTORS,
      profile,
      repetition,
      params: { ...params, duration },
    })),
  );
}

export const netAbSuite: SuiteKind<typeof netAbSuiteSchema> = { kind: 'net-ab', schema: netAbSuiteSchema, expand };

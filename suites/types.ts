// What a suite kind is: a schema for its config and the expansion of a valid config into cases.
import type { z } from 'zod';
import type { Case, Placement, TargetName, TestName } from '../core/types.ts';

/** A mechanism as the target reports it (the worker's `list`, plus the Node baselines). */
export interface CatalogueEntry {
  name: string;
  /** Per test: "ok" or why not. */
  tests: Record<string, string>;
}

/** Command-line narrowing/overrides of a plan; an unset field leaves the config's value. */
export interface PlanOverrides {
  mechanisms?: string[];
  tests?: TestName[];
  placements?: Placement[];
  size?: number;
  time?: number;
  pairs?: number;
  rounds?: number;
  /** net-ab: these profiles instead of the config's (a kernel configuration's runtimeProfile). */
  profiles?: string[];
}

export interface PlanInput<C> {
  config: C;
  source: string;
  catalogue: CatalogueEntry[];
  overrides: PlanOverrides;
  target: TargetName;
}

export interface SuiteKind<S extends z.ZodType = z.ZodType> {
  kind: string;
  schema: S;
  expand(input: PlanInput<z.output<S>>): Case[];
}

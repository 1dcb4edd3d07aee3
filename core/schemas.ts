// zod schemas of every boundary where data enters m3bench: the worker's answer lines
// (docs/protocol.md), a run directory's manifest.json and results.jsonl lines, the knob journal,
// m3net's result line and the thresholds file. `parseWith` turns a zod failure into one Error
// naming where and which field, e.g. `results.jsonl line 3: case.mechanism: expected string`.
//
// Run-directory schemas are loose: they require only what readers need and keep every extra field,
// so old run directories still load. The journal is strict: `m3bench restore` replays it as root.
import { z } from 'zod';
import { COPY_MODES, PLACEMENTS } from './types.ts';

const finite = z.number().refine(Number.isFinite, { message: 'expected a finite number' });
const nonNegInt = z.number().int().nonnegative();

// ---- parseWith ----------------------------------------------------------------------------------

function describe(issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return `${field}${issue.message}`;
}

/** The message of one issue: "required" for a missing field, "expected string" for a wrong type. */
function issueMessage(iss: z.core.$ZodRawIssue): string | undefined {
  if (iss.code === 'invalid_type') return iss.input === undefined ? 'required' : `expected ${iss.expected}`;
  if (iss.code === 'unrecognized_keys') return `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.join(', ')}`;
  if (iss.code === 'invalid_value') return `expected ${iss.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${JSON.stringify(iss.input)}`;
  if (iss.code === 'invalid_union' && iss.input === undefined) return 'required';
  return undefined; // zod's own message (or the schema's custom one)
}

/** The first issue of a failed parse, as "path: message" (unrecognized keys name their parent). */
export function schemaError<T>(schema: z.ZodType<T>, value: unknown): string | undefined {
  const r = schema.safeParse(value, { error: issueMessage });
  if (r.success) return undefined;
  return describe(r.error.issues[0]!);
}

/** Parses `value` or throws `Error("<where>: <field>: <what>")`. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value, { error: issueMessage });
  if (r.success) return r.data;
  throw new Error(`${where}: ${describe(r.error.issues[0]!)}`);
}

/** JSON.parse then parseWith; text that is not JSON is an error saying so at `where`. */
export function parseJsonWith<T>(schema: z.ZodType<T>, text: string, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where}: not JSON: ${text.slice(0, 200)}`);
  }
  return parseWith(schema, value, where);
}

// ---- (a) worker answer lines (docs/protocol.md) --------------------------------------------------

export const WorkerHelloSchema = z.looseObject({
  hello: z.string(),
  protocol: z.number(),
  ncpus: nonNegInt,
  sizeof_message: nonNegInt,
  planted_slowdown: z.string().optional(),
});

/** Any answer: `ok` decides which of the schemas below applies. */
export const WorkerAnswerSchema = z.looseObject({ ok: z.boolean() });

/** `{"ok":false,...}`: an error, or for setup a skip with a reason. */
export const WorkerFailureSchema = z.looseObject({
  ok: z.literal(false),
  error: z.string().optional(),
  skipped: z.boolean().optional(),
  reason: z.string().optional(),
});

export const MechanismInfoSchema = z.looseObject({
  name: z.string(),
  description: z.string(),
  family: z.string(),
  tests: z.record(z.string(), z.string()),
});

export const WorkerListSchema = z.looseObject({ ok: z.literal(true), mechanisms: z.array(MechanismInfoSchema) });

export const WorkerSetupOkSchema = z.looseObject({
  ok: z.literal(true),
  detail: z.record(z.string(), z.unknown()).optional(),
});

export const WorkerRunSchema = z.looseObject({
  ok: z.literal(true),
  iterations: nonNegInt,
  ns: finite.pipe(z.number().nonnegative()),
  /** CPU time of every process of the case over the batch; absent from older workers. */
  cpu_ns: finite.pipe(z.number().nonnegative()).optional(),
  cpu_ns_by_role: z.record(z.string(), finite.pipe(z.number().nonnegative())).optional(),
});

export const WorkerOkSchema = z.looseObject({ ok: z.literal(true) });

// ---- (b) run directory -----------------------------------------------------------------------------

export const StatsSchema = z.looseObject({
  n: nonNegInt,
  iterationsPerBatch: z.number(),
  mean: z.number(),
  p50: z.number(),
  p75: z.number().optional(),
  p99: z.number(),
  min: z.number(),
  max: z.number(),
  sd: z.number(),
  rme: z.number(),
  moe: z.number(),
});

export const CaseSchema = z.looseObject({
  id: z.string(),
  test: z.string(),
  mechanism: z.string(),
  size: z.number(),
  placement: z.enum(PLACEMENTS),
  pairs: z.number().int().positive(),
  spin: z.number().optional(),
  target: z.string().optional(),
  time: z.number().optional(),
  rounds: z.number().optional(),
  collectors: z.array(z.string()).optional(),
  profile: z.string().optional(),
  repetition: z.enum(['counters', 'profile']).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  // COPY delivery mode (core/copy-mode.ts): absent in runs made before modes, which still load.
  copyMode: z.enum(COPY_MODES).optional(),
  burst: z.number().int().positive().optional(),
  offsets: z.tuple([nonNegInt, nonNegInt]).optional(),
});

export const CollectorOutputSchema = z.looseObject({
  name: z.string(),
  intervalMs: z.number().optional(),
  series: z.array(z.looseObject({ t: z.number(), values: z.record(z.string(), z.number()) })).optional(),
  summary: z.record(z.string(), z.unknown()),
  notes: z.array(z.string()).optional(),
});

export const ResultSchema = z.looseObject({
  case: CaseSchema,
  status: z.enum(['ok', 'skipped', 'failed']),
  reason: z.string().optional(),
  error: z.string().optional(),
  stats: StatsSchema.optional(),
  samples: z.array(z.number()).optional(),
  /** CPU ns per iteration of the same batches; absent in runs made before it was measured. */
  cpuSamples: z.array(z.number()).optional(),
  round: z.number().int().optional(),
  roundSizes: z.array(nonNegInt).optional(),
  derived: z.record(z.string(), z.number().optional()).optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
  collectors: z.record(z.string(), CollectorOutputSchema).optional(),
  startedAt: z.string(),
  endedAt: z.string(),
});

export const HostFingerprintSchema = z.looseObject({
  hostname: z.string(),
  cpuModel: z.string(),
  cores: z.number(),
  physicalCores: z.number().optional(),
  kernel: z.string(),
  os: z.string(),
  memoryBytes: z.number(),
  virtualised: z.boolean().nullable(),
  hypervisor: z.string().optional(),
  node: z.string(),
});

const TargetEntrySchema = z.looseObject({
  name: z.string(),
  kernel: z.string().optional(),
  emulated: z.boolean().optional(),
  note: z.string().optional(),
  plantedSlowdown: z.string().optional(),
  fingerprint: z.looseObject({}).optional(),
});

const ConfigurationRecordSchema = z.looseObject({
  name: z.string(),
  target: z.string(),
  configuration: z.looseObject({ name: z.string(), cmdline: z.array(z.string()), sysctls: z.record(z.string(), z.union([z.string(), z.number()])) }),
  status: z.enum(['verified', 'not applied']),
  reasons: z.array(z.string()),
  checks: z.array(z.looseObject({ what: z.string(), expected: z.string(), found: z.string(), ok: z.boolean() })),
});

export const ManifestSchema = z.looseObject({
  id: z.string(),
  suite: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  argv: z.array(z.string()).optional(),
  config: z.unknown(),
  host: HostFingerprintSchema,
  target: TargetEntrySchema,
  targets: z.array(TargetEntrySchema).optional(),
  sender: TargetEntrySchema.optional(),
  configurations: z.array(ConfigurationRecordSchema).optional(),
  resumedAt: z.array(z.string()).optional(),
  versions: z.record(z.string(), z.string()).optional(),
  git: z.looseObject({ revision: z.string().nullable(), dirty: z.boolean().nullable() }).optional(),
});

// ---- (c) knob journal (strict) ------------------------------------------------------------------

const NetnsSchema = z.string().min(1).nullable();
const ValueFormatSchema = z.enum(['text', 'hexmask', 'cpulist']);

export const ResolvedKnobSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('file'),
    netns: NetnsSchema,
    path: z.string().regex(/^\/(proc|sys)\//, { message: 'expected a path under /proc or /sys' }),
    format: ValueFormatSchema,
    value: z.string(),
    label: z.string(),
  }),
  z.strictObject({
    kind: z.literal('ethtool'),
    netns: NetnsSchema,
    dev: z.string().min(1),
    feature: z.string().min(1),
    value: z.string(),
    label: z.string(),
  }),
  z.strictObject({
    kind: z.literal('task-affinity'),
    pid: z.number().int().positive(),
    comm: z.string(),
    value: z.string(),
    label: z.string(),
  }),
  /** A per-NAPI netdev netlink setting (m3net napi); ifindex guards against the id's reuse by another device. */
  z.strictObject({
    kind: z.literal('napi'),
    netns: NetnsSchema,
    dev: z.string().min(1),
    ifindex: z.number().int().positive(),
    napiId: z.number().int().positive(),
    attr: z.literal('irq-suspend-timeout'),
    value: z.string().regex(/^\d+$/),
    label: z.string(),
  }),
]);

export const JournalEntrySchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('boot'), bootId: z.string().min(1) }),
  z.strictObject({ op: z.literal('netns'), name: z.string().min(1) }),
  z.strictObject({ op: z.literal('knob'), knob: ResolvedKnobSchema, old: z.string() }),
]);

// ---- (d) m3net result lines (native/net/m3net.c) ------------------------------------------------

/** Any m3net result line: `ok` decides which of the schemas below applies. */
export const M3netAnswerSchema = z.looseObject({ ok: z.boolean() });

export const M3netFailureSchema = z.looseObject({ ok: z.literal(false), error: z.string().optional() });

export const M3netReceiverSchema = z.looseObject({
  ok: z.literal(true),
  bytes: z.number().nonnegative(),
  seconds: z.number().nonnegative(),
  reads: z.number().nonnegative(),
  napiIds: z.array(nonNegInt),
  /** The receiver's own getrusage from "connected" to its end. */
  rusage: z.strictObject({ seconds: z.number().nonnegative(), voluntary: nonNegInt, involuntary: nonNegInt, cpuSeconds: z.number().nonnegative() }).optional(),
  /** With --prefer-busy-poll: the epoll busy-poll parameters the kernel held after EPIOCSPARAMS (EPIOCGPARAMS). */
  epollParams: z.strictObject({ busyPollUsecs: nonNegInt, busyPollBudget: nonNegInt, preferBusyPoll: nonNegInt }).optional(),
});

/** `m3net napi get`: the device's NAPI instances; an attribute the kernel does not report is absent. */
export const M3netNapiSchema = z.looseObject({
  ok: z.literal(true),
  napis: z.array(
    z.looseObject({
      id: nonNegInt,
      ifindex: nonNegInt.optional(),
      irq: nonNegInt.optional(),
      pid: nonNegInt.optional(),
      deferHardIrqs: nonNegInt.optional(),
      groFlushTimeout: nonNegInt.optional(),
      irqSuspendTimeout: nonNegInt.optional(),
    }),
  ),
});

/** `m3net probe`: what the kernel offers (EPIOCSPARAMS, the netdev netlink family). */
export const M3netProbeSchema = z.looseObject({
  ok: z.literal(true),
  epollParams: z.boolean(),
  epollParamsErrno: z.string().optional(),
  netdevFamily: z.boolean(),
});

export const M3netSenderSchema = z.looseObject({
  ok: z.literal(true),
  bytes: z.number().nonnegative(),
  seconds: z.number().nonnegative(),
});

// ---- (e) thresholds file (config/thresholds.json) -----------------------------------------------

const fraction = z
  .number()
  .refine((v) => Number.isFinite(v) && v >= 0 && v < 10, { message: 'must be a fraction such as 0.05 (5 %)' });

export const ThresholdsFileSchema = z.looseObject({
  default: fraction,
  tests: z.record(z.string(), fraction).optional(),
});

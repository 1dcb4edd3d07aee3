// Parameters of a NET case (Case.params), shared by the net-ab suite (which validates its config
// with this schema) and the runner (which re-parses them, since params are untyped on a Case).
import { z } from 'zod';

export const idleGateSchema = z
  .strictObject({
    maxBusyPercent: z.number().min(0).max(100).default(25),
    retries: z.number().int().min(0).max(10).default(2),
    windowMs: z.number().int().min(100).max(10000).default(1000),
  })
  .default({ maxBusyPercent: 25, retries: 2, windowMs: 1000 });

export const netParamsSchema = z.strictObject({
  flows: z.number().int().min(1).max(64).default(3),
  /** Target aggregate rate of the paced stream, Mbit/s. */
  rateMbit: z.number().positive().max(100000).default(1000),
  /** Seconds of streaming per repetition. */
  duration: z.number().positive().max(3600).default(5),
  port: z.number().int().min(1024).max(65535).default(5201),
  /** perf record -F for the profile repetition. */
  perfFrequency: z.number().int().min(1).max(100000).default(999),
  idleGate: idleGateSchema,
  /**
   * How often the counters are sampled, ms. Every read on a remote receiver is a command there (ssh),
   * which is load on the machine measured: a value above the stream's duration samples only the
   * window's two ends (the summary is exact either way; the time series then has one point).
   */
  sampleIntervalMs: z.number().int().min(100).max(3_600_000).default(1000),
  /** Lab profiles: real NIC names replacing the profile's own list, in order (rx0, rx1, ...). */
  nics: z.array(z.string().min(1)).min(1).optional(),
});

export type NetParams = z.output<typeof netParamsSchema>;

export const COUNTERS_COLLECTORS = ['proc-stat', 'proc-interrupts', 'proc-softirqs', 'proc-pid', 'sched-switches'];
export const PROFILE_COLLECTORS = ['perf'];

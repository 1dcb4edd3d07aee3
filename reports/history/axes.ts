// The axes a result is filed under in the run history: the case, the machine it ran on (host,
// kernel release, command line), the configuration, the commit, and the time a series is ordered by. Each is
// decided here, in one function, so that what a series means can be changed in one place.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { caseIdWithout } from '../../core/case-id.ts';
import { parseWith } from '../../core/schemas.ts';
import type { Manifest, Result } from '../../core/types.ts';

/** The configuration fields a result may carry; optional and newer than most runs, so checked here. */
const ConfigFieldsSchema = z.looseObject({
  config: z.string().min(1).optional(),
  case: z.looseObject({ config: z.string().min(1).optional(), profile: z.string().min(1).optional() }),
});

/**
 * The configuration a result was measured under: the result's own `config` (kernel
 * configurations as a run axis, on the result or its case), else the runtime profile its case
 * ran under (tests A/B: `case.profile`; a manifest names no single profile for a whole run), else
 * 'default'.
 */
function configurationName(result: Result): string {
  const fields = parseWith(ConfigFieldsSchema, result, `case ${result.case.id}`);
  return fields.config ?? fields.case.config ?? fields.case.profile ?? 'default';
}

/** Where a result of a run is filed (its machine: machineOf(manifest, target, config)). */
export interface Filing {
  /** The result's target, else the run's. */
  target: string;
  config: string;
  caseId: string;
}

export function filingOf(manifest: Manifest, result: Result): Filing {
  const target = result.case.target ?? manifest.target.name;
  const config = configurationName(result);
  // Host and configuration are axes of their own: the case's name in every run is its bare id.
  return { target, config, caseId: caseIdWithout({ ...result.case, target }, { target: true, config: true }) };
}

/** What a target's fingerprint must hold for the history (the manifest schema keeps it open). */
const FingerprintSchema = z.looseObject({
  hostname: z.string(),
  cpuModel: z.string(),
  cores: z.number(),
  kernel: z.string(),
  cmdline: z.string().optional(),
  arch: z.string().optional(),
  memoryBytes: z.number().optional(),
  hypervisor: z.string().optional(),
});

export interface Machine {
  /** sha256 of hostname, CPU model and online CPUs: what makes two runs "the same host". */
  identity: string;
  hostname: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number | null;
  arch: string | null;
  hypervisor: string | null;
  kernel: string;
  cmdline: string | null;
}

/** What a run over kernel configurations saw booted, per configuration and target. */
const BootedSchema = z.looseObject({
  configurations: z
    .array(z.looseObject({ name: z.string(), target: z.string(), observed: z.looseObject({ release: z.string(), cmdline: z.string() }).optional() }))
    .optional(),
});

/**
 * The machine a target of a run is, under configuration `config`. Memory is recorded but not part
 * of the identity: MemTotal moves by megabytes across kernel releases, and a kernel upgrade must
 * stay inside one series (it is what a change point should find). The kernel and command line are
 * the ones the configuration booted, else the target's; runs made before targets had a
 * fingerprint have only the manifest's host: exactly right for the local target, the best there
 * is for others.
 */
export function machineOf(manifest: Manifest, targetName: string, config: string): Machine {
  const entry = (manifest.targets ?? [manifest.target]).find((t) => t.name === targetName) ?? manifest.target;
  const fp = entry.fingerprint ? parseWith(FingerprintSchema, entry.fingerprint, `manifest ${manifest.id}: target ${entry.name}: fingerprint`) : undefined;
  const booted = parseWith(BootedSchema, manifest, `manifest ${manifest.id}`).configurations?.find((c) => c.name === config && c.target === entry.name)?.observed;
  const host = manifest.host;
  const hostname = fp?.hostname ?? (entry.name === 'local' ? host.hostname : `${entry.name} on ${host.hostname}`);
  const cpuModel = fp?.cpuModel ?? host.cpuModel;
  const cores = fp?.cores ?? host.cores;
  return {
    identity: createHash('sha256').update(JSON.stringify([hostname, cpuModel, cores])).digest('hex'),
    hostname,
    cpuModel,
    cores,
    memoryBytes: fp?.memoryBytes ?? host.memoryBytes ?? null,
    arch: fp?.arch ?? null,
    hypervisor: fp?.hypervisor ?? host.hypervisor ?? null,
    kernel: booted?.release ?? fp?.kernel ?? entry.kernel ?? host.kernel,
    cmdline: booted?.cmdline.trim() ?? fp?.cmdline ?? null,
  };
}

/** The manifest's commit date, written by runs since the history exists (older runs have none). */
const GitDateSchema = z.looseObject({ git: z.looseObject({ date: z.string().nullable().optional() }).optional() });

/** An ISO time in UTC (git writes the committer's offset), so that times sort as text; undefined if unreadable. */
function utc(text: string | null | undefined): string | undefined {
  const t = text ? Date.parse(text) : Number.NaN;
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export function commitDateOf(manifest: Manifest): string | null {
  return utc(parseWith(GitDateSchema, manifest, `manifest ${manifest.id}`).git?.date) ?? null;
}

/**
 * What a series is ordered by: the time the run started. It is the order CI measures commits in,
 * and the only order there is among the many runs of one commit a dirty tree makes (Apache Otava
 * orders by the result's time too). The commit and its date are kept beside it.
 */
export function orderTimeOf(manifest: Manifest): string {
  return utc(manifest.startedAt) ?? manifest.startedAt;
}

/** A run's identity in the history, wherever its directory is (a copy, a CI artifact): id, start, host. */
export function runKeyOf(manifest: Manifest): string {
  return `${manifest.id}|${manifest.startedAt}|${manifest.host.hostname}`;
}

/** Invented data (tests, benches, fixtures) says so: config.synthetic or a `synthetic` run id. */
export function isSynthetic(manifest: Manifest): boolean {
  return manifest.id.startsWith('synthetic') || (manifest.config as { synthetic?: unknown } | null)?.synthetic === true;
}

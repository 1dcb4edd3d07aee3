// A/A + planted-slowdown benchmark of the regression verdict (`m3bench check`).
//   npx tsx bench/aa-check.ts [--trials 20] [--mechanism pipe] [--fraction 0.15] [--suite smoke] [--keep]
// Per trial: a baseline run, then an A/A check against it (same build, nothing planted) that must
// pass, and a check with M3BENCH_SLOWDOWN=<mechanism>:<fraction> (the worker busy-waits that
// fraction more) that must fail naming <mechanism>. Acceptance: both in ≥ 19 of 20 trials. Takes several minutes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../core/paths.ts';
import { execa } from 'execa';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { idleGate } from '../collectors/idle-gate.ts';
import { LocalTarget } from '../runners/targets/local.ts';

const ROOT = REPO_ROOT;
const CLI = ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts')];

const args = await yargs(hideBin(process.argv))
  .option('trials', { type: 'number', default: 20 })
  .option('mechanism', { type: 'string', default: 'pipe', describe: 'mechanism to slow down (a worker mechanism)' })
  .option('fraction', { type: 'number', default: 0.15 })
  .option('suite', { type: 'string', default: 'smoke' })
  .option('keep', { type: 'boolean', default: false, describe: 'keep the run directories' })
  .option('max-busy', { type: 'number', default: 30, describe: 'wait (up to --idle-retries s) until the machine is below this CPU busy percent before each check' })
  .option('idle-retries', { type: 'number', default: 10 })
  .option('fresh-baseline', { type: 'boolean', default: true, describe: 'make a new baseline run right before each check (--no-fresh-baseline: one baseline for all trials)' })
  .strict()
  .check((a) => {
    if (!Number.isInteger(a.trials) || a.trials < 1) throw new Error(`--trials: a whole number ≥ 1, got ${a.trials}`);
    if (!(a.fraction > 0 && a.fraction < 1)) throw new Error(`--fraction: between 0 and 1 (0.15 = 15 %), got ${a.fraction}`);
    if (!/^[a-z0-9-]+$/.test(a.mechanism)) throw new Error(`--mechanism: a mechanism name such as pipe, got "${a.mechanism}"`);
    return true;
  })
  .parseAsync();

/** Other people's load is the main source of false alarms: wait for a quiet machine, and say when it was not. */
async function quietEnough(label: string): Promise<boolean> {
  const gate = await idleGate(new LocalTarget(), { maxBusyPercent: args.maxBusy, retries: args.idleRetries, windowMs: 1000 });
  if (gate.noisy) {
    const top = gate.top.map((p) => `${p.comm} ${p.cpuPercent}%`).join(', ');
    process.stdout.write(`${label}: machine still ${gate.busyPercent.toFixed(0)} % busy (${top}); running anyway, counted as noisy\n`);
  }
  return !gate.noisy;
}

function m3bench(argv: string[], slowdown?: string) {
  const env = { ...process.env };
  delete env.M3BENCH_SLOWDOWN; // never inherit a stray slowdown into the A/A trials
  delete env.M3BENCH_ALLOW_SLOWDOWN;
  // The worker plants one only when explicitly allowed (docs/protocol.md).
  if (slowdown) Object.assign(env, { M3BENCH_SLOWDOWN: slowdown, M3BENCH_ALLOW_SLOWDOWN: '1' });
  return execa('node', [...CLI, ...argv], { cwd: ROOT, env, extendEnv: false, reject: false, all: true });
}

const work = await mkdtemp(path.join(tmpdir(), 'm3bench-aa-'));
try {
  // The baseline of a trial: a run of the same build just before its check, so that A/A compares
  // two runs made under the same load; or one baseline shared by every trial.
  const makeBaseline = async (name: string) => {
    const dir = path.join(work, name);
    await quietEnough(name);
    // --no-db: these runs live in a temporary directory; the run history is for runs that stay.
    const made = await m3bench(['run', '--suite', args.suite, '--out', dir, '--no-report', '--no-db']);
    if (made.exitCode !== 0) throw new Error(`baseline run failed:\n${made.all}`);
    return dir;
  };
  const shared = args.freshBaseline ? undefined : await makeBaseline('baseline');
  let aaPass = 0;
  let plantedCaught = 0;
  let noisyTrials = 0;
  const slowdown = `${args.mechanism}:${args.fraction}`;
  for (let t = 1; t <= args.trials; t++) {
    const base = shared ?? (await makeBaseline(`baseline-${t}`));
    const quietAa = await quietEnough(`trial ${t} A/A`);
    const aa = await m3bench(['check', '--baseline', base, '--out', path.join(work, `aa-${t}`)]);
    if (aa.exitCode === 0) aaPass++;
    else process.stdout.write(`trial ${t} A/A: exit ${aa.exitCode}: ${String(aa.stdout).split('\n').filter((l) => l.startsWith('check:') || l.includes('❌')).join(' | ')}\n`);
    const quietPlanted = await quietEnough(`trial ${t} planted`);
    if (!quietAa || !quietPlanted) noisyTrials++;
    const planted = await m3bench(['check', '--baseline', base, '--out', path.join(work, `planted-${t}`)], slowdown);
    const verdict = String(planted.stdout).split('\n').find((l) => l.startsWith('check: FAIL')) ?? '';
    const named = new RegExp(`mechanism\\(s\\):.*\\b${args.mechanism}\\b`).test(verdict);
    if (planted.exitCode === 1 && named) plantedCaught++;
    else process.stdout.write(`trial ${t} planted ${slowdown}: exit ${planted.exitCode}: ${verdict || 'no FAIL line'}\n`);
    process.stdout.write(`trial ${t}/${args.trials}: A/A passed ${aaPass}/${t}, planted slowdown caught ${plantedCaught}/${t}\n`);
  }
  const needed = Math.ceil(args.trials * 0.95);
  const ok = aaPass >= needed && plantedCaught >= needed;
  process.stdout.write(
    `\nA/A: check passed in ${aaPass}/${args.trials}; planted ${slowdown}: check failed naming ${args.mechanism} in ${plantedCaught}/${args.trials} ` +
      `(need ≥ ${needed} each): ${ok ? 'OK' : 'NOT MET'}; ${noisyTrials} trial(s) ran on a busy machine (> ${args.maxBusy} % CPU)\n`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  if (args.keep) process.stdout.write(`run directories kept in ${work}\n`);
  else await rm(work, { recursive: true, force: true });
}

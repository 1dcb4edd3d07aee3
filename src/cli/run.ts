// `m3bench run`: run a suite, show progress and a table, write the run directory and the report.
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { writeReport } from '../../reports/index.ts';
import { ConfigError, type PlanOverrides } from '../../suites/index.ts';
import { executeRun, type RunOptions } from '../../runners/run.ts';
import { type Rig, startRig } from '../../runners/targets/rig/rig.ts';
import { readManifest } from '../../core/run-dir.ts';
import { loadInventory } from '../../runners/targets/inventory.ts';
import type { KernelConfiguration } from '../../core/kernel-config.ts';
import { kernelConfigurations, loadConfigSet, parseConfigurations } from '../../suites/configurations.ts';
import { progressDisplay, resultsTable, summaryLine } from './run-output.ts';
import { dbOption, recordInHistory } from './history-db.ts';
import { PLACEMENTS, TESTS, type Placement, type TargetName, type TestName } from '../../core/types.ts';

interface RunArgs {
  suite: string;
  mechanism?: string[];
  test?: TestName[];
  placement?: Placement[];
  size?: number;
  time?: number;
  pairs?: number;
  rounds?: number;
  target?: TargetName[];
  sender?: TargetName;
  hosts?: string;
  sshConfig?: string;
  rig: boolean;
  rigKernel?: string;
  resume?: string;
  configSet?: string;
  kernel?: string[];
  out?: string;
  json: boolean;
  report: boolean;
  db?: string | false;
}

async function writeRunReport(runDir: string): Promise<string> {
  const outDir = path.join(runDir, 'report');
  await writeReport([runDir], outDir);
  return outDir;
}

/** What a run directory was asked to measure, from its manifest: resuming repeats it exactly. */
function resumedPlan(runDir: string): Pick<RunOptions, 'suite' | 'overrides' | 'targets' | 'sender' | 'configurations'> {
  const manifest = readManifest(runDir);
  const config = (manifest.config ?? {}) as { source?: string; overrides?: PlanOverrides; targets?: string[]; sender?: string; configurations?: unknown };
  if (!config.source) throw new ConfigError([`--resume ${runDir}: manifest.json names no suite (config.source)`]);
  const configurations = config.configurations === undefined ? undefined : parseConfigurations(config.configurations, `${runDir}/manifest.json: config.configurations`);
  return { suite: config.source, overrides: config.overrides ?? {}, targets: config.targets ?? [manifest.target.name], ...(config.sender ? { sender: config.sender } : {}), ...(configurations ? { configurations } : {}) };
}

/** --config-set FILE, or one configuration per --kernel; not both. */
function configurationsOf(args: RunArgs): KernelConfiguration[] | undefined {
  if (args.configSet && args.kernel?.length) throw new ConfigError(['--config-set and --kernel: give one or the other (a set can name kernels itself)']);
  if (args.configSet) return loadConfigSet(args.configSet);
  return args.kernel?.length ? kernelConfigurations(args.kernel) : undefined;
}

const positive = (name: string) => (v: number | undefined) => {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new Error(`--${name} must be a positive number`);
  return v;
};

const wholeNumber = (name: string) => (v: number | undefined) => {
  if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= 20)) throw new Error(`--${name} must be a whole number from 1 to 20`);
  return v;
};

const command: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'run a benchmark suite and write a run directory',
  builder: (y: Argv) =>
    y
      .option('suite', { type: 'string', default: 'paper', describe: 'suite name in config/ or path to a config file' })
      .option('mechanism', { type: 'string', array: true, describe: 'only these mechanisms' })
      .option('test', { choices: TESTS, array: true, describe: 'only these tests' })
      .option('placement', { choices: PLACEMENTS, array: true, describe: 'only these placements' })
      .option('size', { type: 'number', describe: 'message size (IPC1/2) or block size (COPY), bytes; IPC3 stays 1 byte', coerce: positive('size') })
      .option('time', { type: 'number', describe: 'tinybench time budget per case, seconds', coerce: positive('time') })
      .option('pairs', { type: 'number', describe: 'concurrent client/server pairs', coerce: positive('pairs') })
      .option('rounds', { type: 'number', describe: 'fresh setups (new worker process) each case is measured in; 1 = one setup', coerce: wholeNumber('rounds') })
      .option('target', { type: 'string', array: true, describe: 'where the cases run: local, vm (qemu guest with the module) or ssh:HOST (a lab host via your ssh config); several are measured in parallel' })
      .option('sender', { type: 'string', describe: 'tests A/B across two machines: this target (e.g. ssh:HOST) sends the paced stream to the --target receiver\'s NICs (profiles with topology "nics")' })
      .option('hosts', { type: 'string', describe: 'an Ansible inventory (YAML or INI), FILE or FILE:GROUP: each host becomes a target ssh:NAME' })
      .option('ssh-config', { type: 'string', describe: 'ssh configuration file for ssh targets (ssh -F), instead of ~/.ssh/config' })
      .option('rig', { type: 'boolean', default: false, describe: 'boot the test rig for this run (two qemu TCG guests, ssh:m3rig-a and ssh:m3rig-b, joined by an e1000 link; needs root) and stop it after; its ssh configuration replaces --ssh-config' })
      .option('rig-kernel', { type: 'string', describe: 'the kernel the rig\'s guests boot: a Debian version such as 6.1 (the default), 6.12, 7.2 (IRQ suspension needs >= 6.13), or a release' })
      .option('config-set', { type: 'string', describe: 'kernel configurations to measure under, in turn: config/kernels/NAME.json or a file; each target is rebooted into each and verified first' })
      .option('kernel', { type: 'string', array: true, describe: 'a kernel to measure under (VM: a Debian version such as 6.1, 6.12, 7.2; ssh: an installed release); repeat for several' })
      .option('resume', { type: 'string', describe: 'complete this run directory: measure only its missing or failed case-rounds, with its suite, filters and targets' })
      .option('out', { type: 'string', describe: 'run directory (default runs/<UTC timestamp>-<suite>/)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the results as JSON on stdout' })
      .option('report', { type: 'boolean', default: true, describe: 'write <run dir>/report (use --no-report to skip)' })
      .option('db', { ...dbOption, describe: `${dbOption.describe}: the run adds itself when it ends (--no-db: not)` }) as unknown as Argv<RunArgs>,
  handler: async (args) => {
    const abort = new AbortController();
    // `on`, not `once`: execa's exit hook re-raises a signal that no other listener is left to
    // handle, which would kill us before the worker is torn down. A second signal means "now".
    let exitCode = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      exitCode = 128 + (osConstants.signals[sig] ?? 0); // the shell's convention: 130 for SIGINT, 143 for SIGTERM
      if (abort.signal.aborted) process.exit(exitCode);
      process.stderr.write(`\n${sig}: stopping after the current case; finished cases stay in results.jsonl\n`);
      abort.abort(new Error(`interrupted by ${sig}`));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const progress = progressDisplay();
    let rig: Rig | undefined;
    try {
      if (args.rigKernel && !args.rig) throw new ConfigError(['--rig-kernel: only with --rig (it names the kernel the rig boots)']);
      if (args.rig) {
        process.stderr.write(`booting the test rig (two qemu TCG guests${args.rigKernel ? ` of kernel ${args.rigKernel}` : ''}) ...\n`);
        rig = await startRig({ kernel: args.rigKernel });
        process.stderr.write(`rig up: ${rig.hosts.map((h) => `ssh:${h}`).join(', ')} (ssh -F ${rig.sshConfig})\n`);
      }
      const inventory = args.hosts ? loadInventory(args.hosts) : [];
      const plan = args.resume
        ? resumedPlan(args.resume)
        : {
            suite: args.suite,
            overrides: {
              mechanisms: args.mechanism,
              tests: args.test,
              placements: args.placement,
              size: args.size,
              time: args.time,
              pairs: args.pairs,
              rounds: args.rounds,
            },
            targets: [...(args.target ?? (inventory.length ? [] : ['local'])), ...inventory.map((h) => `ssh:${h.name}`)],
            sender: args.sender,
            configurations: configurationsOf(args),
          };
      const { runDir, results } = await executeRun({
        ...plan,
        resume: args.resume,
        sshConfig: rig?.sshConfig ?? args.sshConfig,
        inventory,
        out: args.out,
        argv: process.argv.slice(2),
        signal: abort.signal,
        log: { info: (m) => process.stderr.write(`${m}\n`), warn: (m) => process.stderr.write(`warning: ${m}\n`) },
        progress,
      });
      progress.stop();
      if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      else process.stdout.write(`${resultsTable(results)}\n${summaryLine(results)}\n`);
      if (args.report && !abort.signal.aborted) {
        const reportDir = await writeRunReport(runDir).catch((err: unknown) => {
          process.stderr.write(`warning: report not written: ${(err as Error).message}\n`);
          return null;
        });
        if (reportDir) process.stderr.write(`report: ${reportDir}\n`);
      }
      process.stderr.write(`results: ${runDir}\n`);
      // An interrupted run is incomplete: it joins the history once --resume has finished it.
      if (!abort.signal.aborted) await recordInHistory(runDir, args.db);
      if (abort.signal.aborted) process.exitCode = exitCode;
    } catch (err) {
      progress.stop();
      process.stderr.write(`${err instanceof ConfigError ? 'invalid config:\n' : 'error: '}${(err as Error).message}\n`);
      process.exitCode = 2;
    } finally {
      await rig?.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

export default command;

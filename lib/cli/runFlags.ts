// SPDX-License-Identifier: MIT
// The flags of one sampling run, shared by `langevin sample` and `langevin submit` so that both
// accept the same spelling, defaults and checks.
import type { Command } from 'commander';
import { SAMPLER_NAMES, type SamplerName } from '../options.js';
import { checkOutputFile } from './outputs.js';
import { checkSettings, collectSetting, intOption, numberOption, seedOption } from './parseNumbers.js';
import { PROGRESS_HELP, progressModeOption, type ProgressMode } from './progressBar.js';

export interface RunFlags {
  sampler: SamplerName;
  chains: number;
  seed: number | bigint;
  chainOffset?: number;
  steps?: number;
  stepSize?: number;
  accuracy?: number;
  divergence: 'report' | 'error';
  strict?: boolean;
  population?: number;
  set: Record<string, unknown>;
  out?: string;
  json?: boolean;
  progress: ProgressMode;
}

export function addRunFlags(cmd: Command): Command {
  return cmd
    .option('--sampler <name>', `sampler: ${SAMPLER_NAMES.join(' | ')}`, 'lmc')
    .option('--chains <n>', 'number of chains (one sample each)', intOption('--chains'), 1000)
    .option('--seed <s>', 'random seed', seedOption, 0)
    .option('--chain-offset <n>', 'global index of the first chain', intOption('--chain-offset'))
    .option('--steps <n>', 'number of steps (overrides the derived default)', intOption('--steps'))
    .option('--step-size <h>', 'step size (overrides the derived default)', numberOption('--step-size'))
    .option('--accuracy <eps>', 'accuracy target of the derived defaults', numberOption('--accuracy'))
    .option('--divergence <mode>', 'report | error', 'report')
    .option('--strict', 'exit 3 (and write nothing) when the run fails its own accuracy checks')
    .option('--population <n>', 'reweighted samplers: island size (chains that weigh and resample together)', intOption('--population'))
    .option('--set <key=value>', "a sampler option, e.g. --set kappa=50 --set schedule=cosine --set 'x0=[0,1]' (repeatable)", collectSetting, {})
    .option('--out <file>', 'output .npy file')
    .option('--json', 'print the run summary as one JSON object on stdout')
    .option('--progress <mode>', PROGRESS_HELP, progressModeOption, 'auto' as ProgressMode);
}

/** Checks that need no work: sampler options and the output file, before anything runs. */
export function checkRunFlags(flags: RunFlags): void {
  checkSettings(flags.sampler, flags.set);
  checkOutputFile('--out', flags.out);
}

/** The sample() options the flags give (the caller adds device, signal, progress). */
export function runOptions(flags: RunFlags) {
  return {
    sampler: flags.sampler,
    chains: flags.chains,
    seed: flags.seed,
    chainOffset: flags.chainOffset,
    steps: flags.steps,
    stepSize: flags.stepSize,
    accuracy: flags.accuracy,
    divergence: flags.divergence,
    strict: flags.strict === true,
    population: flags.population,
    ...(Object.keys(flags.set).length > 0 ? { [flags.sampler]: flags.set } : {}),
  };
}

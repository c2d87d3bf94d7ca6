// SPDX-License-Identifier: MIT
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LangevinError } from '../../errors.js';
import { pixelStats } from '../../imaging/metrics.js';
import { encodePng } from '../../imaging/png.js';
import { writeNpyFile } from '../../npy.js';
import type { ImageShape, Prior } from '../../types.js';
import { loadProblem } from '../../problem/index.js';
import { sample } from '../../sample.js';
import { SAMPLER_NAMES } from '../../options.js';
import type { SamplerName } from '../../options.js';
import type { DeviceRequest } from '../../device.js';
import { checkSettings, collectSetting, intOption, numberOption, seedOption } from '../parseNumbers.js';
import { PROGRESS_HELP, progressModeOption, progressReporter, type ProgressMode } from '../progressBar.js';
import { interruptSignal } from '../signal.js';

interface SampleFlags {
  progress: ProgressMode;
  sampler: SamplerName;
  chains: number;
  seed: number | bigint;
  chainOffset?: number;
  device: DeviceRequest;
  threads?: number;
  steps?: number;
  stepSize?: number;
  accuracy?: number;
  out?: string;
  png?: string;
  json?: boolean;
  divergence: 'report' | 'error';
  strict?: boolean;
  population?: number;
  draws?: number;
  thin?: number;
  set: Record<string, unknown>;
}

export function registerSample(program: Command): void {
  program
    .command('sample')
    .description('draw posterior samples for a problem file; writes float32 [chains, dim] .npy')
    .argument('<problem>', 'problem JSON file (see README: problem-file format)')
    .option('--sampler <name>', `sampler: ${SAMPLER_NAMES.join(' | ')}`, 'lmc')
    .option('--chains <n>', 'number of chains (one sample each)', intOption('--chains'), 1000)
    .option('--seed <s>', 'random seed', seedOption, 0)
    .option('--chain-offset <n>', 'global index of the first chain', intOption('--chain-offset'))
    .option('--device <d>', 'auto | cpu | cuda', 'auto')
    .option('--threads <n>', 'CPU threads (default: all cores)', intOption('--threads'))
    .option('--steps <n>', 'number of steps (overrides the derived default)', intOption('--steps'))
    .option('--step-size <h>', 'step size (overrides the derived default)', numberOption('--step-size'))
    .option('--accuracy <eps>', 'accuracy target of the derived defaults', numberOption('--accuracy'))
    .option('--divergence <mode>', 'report | error', 'report')
    .option('--strict', 'exit 3 (and write nothing) when the run fails its own accuracy checks')
    .option('--population <n>', 'reweighted samplers: island size (chains that weigh and resample together)', intOption('--population'))
    .option('--draws <n>', 'convergence draws after sampling (split-R̂, ESS)', intOption('--draws'))
    .option('--thin <n>', 'steps between convergence draws', intOption('--thin'))
    .option('--set <key=value>', "a sampler option, e.g. --set kappa=50 --set schedule=cosine --set 'x0=[0,1]' (repeatable)", collectSetting, {})
    .option('--out <file>', 'output .npy file')
    .option('--png <dir>', 'image priors: write the posterior mean, per-pixel std and three samples as PNGs here')
    .option('--json', 'print the run summary as one JSON object on stdout')
    .option('--progress <mode>', PROGRESS_HELP, progressModeOption, 'auto' as ProgressMode)
    .action(async (problemPath: string, flags: SampleFlags) => {
      checkSettings(flags.sampler, flags.set);
      const problem = await loadProblem(problemPath);
      const shape = imageShapeOf(problem.prior);
      if (flags.png !== undefined && !shape)
        throw new LangevinError('E_OPTION', `--png needs an image prior (patch-gmm, or onnx with shape [H, W] or [C, H, W]); this prior is '${problem.prior.kind}'`, '--png');
      const progress = progressReporter(flags.progress);
      const interrupt = interruptSignal();
      try {
        const result = await sample(problem, {
          sampler: flags.sampler,
          chains: flags.chains,
          seed: flags.seed,
          chainOffset: flags.chainOffset,
          device: flags.device,
          threads: flags.threads,
          steps: flags.steps,
          stepSize: flags.stepSize,
          accuracy: flags.accuracy,
          divergence: flags.divergence,
          strict: flags.strict === true,
          population: flags.population,
          draws: flags.draws,
          thin: flags.thin,
          ...(Object.keys(flags.set).length > 0 ? { [flags.sampler]: flags.set } : {}),
          signal: interrupt.signal,
          onProgress: progress.onProgress,
        });
        progress.stop();
        for (const w of result.summary.warnings) process.stderr.write(`langevin: warning: ${w}\n`);
        if (flags.out) writeNpyFile(flags.out, result.samples, result.shape);
        const pngs = flags.png !== undefined && shape ? writeImages(flags.png, result.samples, result.status, shape) : [];
        const summary = { ...result.summary, out: flags.out ?? null, ...(pngs.length > 0 ? { png: pngs } : {}) };
        if (flags.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else printSummary(summary);
      } finally {
        progress.stop();
        interrupt.dispose();
      }
    });
}

function printSummary(s: Awaited<ReturnType<typeof sample>>['summary'] & { out: string | null }): void {
  const lines = [
    `${s.sampler}: ${s.chains} chains × ${s.dim} dims on ${s.deviceDescription} in ${s.seconds.toFixed(2)} s`,
    ...Object.entries(s.settings).map(([k, v]) => `  ${k}: ${typeof v === 'string' ? v : `${v.value} (${v.origin}: ${v.rule})`}`),
    `  diverged chains: ${s.diagnostics.divergence.diverged}`,
  ];
  if (s.diagnostics.residual) lines.push(`  residual ‖Ax−y‖/√m: ${s.diagnostics.residual.rms.toPrecision(4)} (noise std ${s.diagnostics.residual.noiseStd})`);
  const ex = s.diagnostics.exact;
  if (ex) {
    lines.push(`  vs exact posterior: mean |z| max ${ex.meanZMax.toFixed(2)}, covariance rel. error ${ex.covarianceRelError.toFixed(3)}, mode-weight TV ${ex.modeWeights.totalVariation.toFixed(3)}`);
  }
  const rw = s.diagnostics.reweighting;
  if (rw) {
    lines.push(`  reweighting: ${rw.levels} levels, ${rw.islands} island(s) of ${rw.islandSize}, min ESS ${(100 * rw.minEss).toFixed(0)} %, ${rw.resamples} resamplings, final acceptance ${rw.acceptance.toFixed(2)}`);
    if (rw.logEvidence !== undefined) lines.push(`  log evidence log p(y): ${rw.logEvidence.toFixed(4)}${rw.logEvidenceSd !== undefined ? ` (islands' sd ${rw.logEvidenceSd.toFixed(4)})` : ''}`);
  }
  lines.push(s.warnings.length === 0 ? '  checks: passed' : `  checks: ${s.warnings.length} warning(s), see stderr`);
  if (s.out) lines.push(`  samples: ${s.out}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** The [C, H, W] of an image prior, if the prior is one. */
function imageShapeOf(prior: Prior): ImageShape | undefined {
  if (prior.kind === 'patch-gmm') return prior.shape;
  if (prior.kind === 'score' && 'type' in prior.model) {
    const s = prior.model.inputShape;
    if (s.length === 2) return { channels: 1, height: s[0], width: s[1] };
    if (s.length === 3) return { channels: s[0], height: s[1], width: s[2] };
  }
  return undefined;
}

/** mean, std (own range) and samples 0–2 of the finite chains, one grayscale PNG per channel. */
function writeImages(dir: string, samples: Float32Array, status: Int32Array, shape: ImageShape): string[] {
  mkdirSync(dir, { recursive: true });
  const { channels: C, height: H, width: W } = shape;
  const d = C * H * W;
  const finite = Array.from(status.keys()).filter((c) => status[c] < 0);
  if (finite.length === 0) return [];
  const kept = new Float32Array(finite.length * d);
  finite.forEach((c, i) => kept.set(samples.subarray(c * d, (c + 1) * d), i * d));
  const { mean, std } = pixelStats(kept, finite.length, d);
  const written: string[] = [];
  const put = (name: string, img: Float32Array | Float64Array, range: [number, number] | 'auto') => {
    for (let c = 0; c < C; c++) {
      const file = join(dir, C === 1 ? `${name}.png` : `${name}-c${c}.png`);
      writeFileSync(file, encodePng(img.subarray(c * H * W, (c + 1) * H * W), H, W, { range }));
      written.push(file);
    }
  };
  put('mean', mean, [0, 1]);
  put('std', std, 'auto');
  finite.slice(0, 3).forEach((c, i) => put(`sample-${i}`, samples.subarray(c * d, (c + 1) * d), [0, 1]));
  return written;
}

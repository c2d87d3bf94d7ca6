// SPDX-License-Identifier: MIT
import type { Command } from 'commander';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { abortError, LangevinError } from '../../errors.js';
import { encodeNifti } from '../../imaging/formats/nifti.js';
import { posteriorImages } from '../../imaging/posteriorImages.js';
import { encodePng } from '../../imaging/png.js';
import { writeNpyFile } from '../../io/npy.js';
import type { ImageShape, Prior } from '../../types.js';
import { loadProblem } from '../../problem/index.js';
import { sample } from '../../sample.js';
import type { DeviceRequest } from '../../engine/device.js';
import { intOption } from '../parseNumbers.js';
import { addRunFlags, checkRunFlags, runOptions, type RunFlags } from '../runFlags.js';
import { progressReporter } from '../progressBar.js';
import { interruptSignal } from '../signal.js';
import { checkOutputDir } from '../outputs.js';

interface SampleFlags extends RunFlags {
  device: DeviceRequest;
  threads?: number;
  png?: string;
  nifti?: string;
  allowOutsideFiles?: boolean;
  draws?: number;
  thin?: number;
}

export function registerSample(program: Command): void {
  const cmd = program
    .command('sample')
    .description('draw posterior samples for a problem file; writes float32 [chains, dim] .npy')
    .argument('<problem>', 'problem JSON file (see README: problem-file format)');
  addRunFlags(cmd)
    .option('--device <d>', 'auto | cpu | cuda', 'auto')
    .option('--threads <n>', 'CPU threads (default: all cores)', intOption('--threads'))
    .option('--draws <n>', 'convergence draws after sampling (split-R̂, ESS)', intOption('--draws'))
    .option('--thin <n>', 'steps between convergence draws', intOption('--thin'))
    .option('--png <dir>', 'image priors: write the posterior mean, per-pixel std and three samples as PNGs here')
    .option('--nifti <dir>', 'image priors: write the posterior mean and per-pixel std as NIfTI (mean.nii.gz, std.nii.gz; channels along z) here')
    .option('--allow-outside-files', "let the problem file name files (prior, y .npy, model) outside its own directory")
    .action(async (problemPath: string, flags: SampleFlags) => {
      // Outputs first: a missing directory must not be found only after the run.
      checkRunFlags(flags);
      checkOutputDir('--png', flags.png);
      checkOutputDir('--nifti', flags.nifti);
      const problem = await loadProblem(problemPath, { confine: flags.allowOutsideFiles !== true });
      const shape = imageShapeOf(problem.prior);
      for (const [flag, dir] of [['--png', flags.png], ['--nifti', flags.nifti]] as const)
        if (dir !== undefined && !shape)
          throw new LangevinError('E_OPTION', `${flag} needs an image prior (patch-gmm, or onnx with shape [H, W] or [C, H, W]); this prior is '${problem.prior.kind}'`, flag);
      const progress = progressReporter(flags.progress);
      const interrupt = interruptSignal();
      try {
        const result = await sample(problem, {
          ...runOptions(flags),
          device: flags.device,
          threads: flags.threads,
          draws: flags.draws,
          thin: flags.thin,
          signal: interrupt.signal,
          onProgress: progress.onProgress,
        });
        progress.stop();
        // A signal that arrived after the native phases (in the JS tail) still means no output.
        if (interrupt.signal.aborted) throw abortError(interrupt.signal);
        for (const w of result.summary.warnings) process.stderr.write(`langevin: warning: ${w}\n`);
        const images = shape ? imageFiles(flags, result.samples, result.status, shape) : [];
        const written = writeOutputs(flags.out, result.samples, result.shape, images);
        const pngs = written.filter((f) => f.endsWith('.png')), niftis = written.filter((f) => f.endsWith('.nii.gz'));
        const summary = { ...result.summary, out: flags.out ?? null, ...(pngs.length > 0 ? { png: pngs } : {}), ...(niftis.length > 0 ? { nifti: niftis } : {}) };
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

interface ImageFile {
  flag: '--png' | '--nifti';
  file: string;
  bytes: Buffer;
}

/**
 * Write the .npy (atomically) and the image files, all or nothing: if an image cannot be written,
 * the .npy and the images already written are removed and the error is E_FILE.
 */
function writeOutputs(out: string | undefined, samples: Float32Array, shape: [number, number], images: ImageFile[]): string[] {
  const written: string[] = [];
  let current = '--out';
  try {
    if (out) {
      writeNpyFile(out, samples, shape);
      written.push(out);
    }
    for (const { flag, file, bytes } of images) {
      current = flag;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, bytes);
      written.push(file);
    }
  } catch (err) {
    for (const f of written) rmSync(f, { force: true });
    if (err instanceof LangevinError) throw err;
    throw new LangevinError('E_FILE', `${current}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); no output kept`, current, { cause: err });
  }
  return written.slice(out ? 1 : 0);
}

/** The finite chains' samples, back to back. */
function finiteSamples(samples: Float32Array, status: Int32Array, d: number): { kept: Float32Array; finite: number[] } {
  const finite = Array.from(status.keys()).filter((c) => status[c] < 0);
  const kept = new Float32Array(finite.length * d);
  finite.forEach((c, i) => kept.set(samples.subarray(c * d, (c + 1) * d), i * d));
  return { kept, finite };
}

/**
 * --png: mean, std (own range) and samples 0–2 of the finite chains, one grayscale PNG per channel;
 * --nifti: mean and std volumes [W, H, C]. Encoded in memory, written by writeOutputs.
 */
function imageFiles(flags: SampleFlags, samples: Float32Array, status: Int32Array, shape: ImageShape): ImageFile[] {
  const { channels: C, height: H, width: W } = shape;
  const { kept, finite } = finiteSamples(samples, status, C * H * W);
  if (finite.length === 0) return [];
  const post = posteriorImages(kept, shape);
  const files: ImageFile[] = [];
  if (flags.png !== undefined) {
    const dir = flags.png;
    const put = (name: string, img: Float32Array, range: [number, number] | 'auto') => {
      for (let c = 0; c < C; c++) {
        const file = join(dir, C === 1 ? `${name}.png` : `${name}-c${c}.png`);
        files.push({ flag: '--png', file, bytes: Buffer.from(encodePng(img.subarray(c * H * W, (c + 1) * H * W), H, W, { range })) });
      }
    };
    put('mean', post.mean, [0, 1]);
    put('std', post.std, 'auto');
    finite.slice(0, 3).forEach((c, i) => put(`sample-${i}`, samples.subarray(c * C * H * W, (c + 1) * C * H * W), [0, 1]));
  }
  if (flags.nifti !== undefined) {
    // Row-major [C, H, W] is NIfTI's x-fastest [W, H, C].
    for (const [name, data] of [['mean', post.mean], ['std', post.std]] as const)
      files.push({ flag: '--nifti', file: join(flags.nifti, `${name}.nii.gz`), bytes: gzipSync(encodeNifti({ data, dims: [W, H, C], spacing: [1, 1, 1] })) });
  }
  return files;
}

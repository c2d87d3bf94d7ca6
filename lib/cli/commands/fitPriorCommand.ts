// SPDX-License-Identifier: MIT
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { LIMITS } from '../../problem/check.js';
import { IMAGE_LIMITS } from '../../problem/parseOperator.js';
import { PATCH_LIMITS } from '../../problem/parsePrior.js';
import { checkOutputFile } from '../outputs.js';
import { LangevinError } from '../../errors.js';
import { fitPatchPrior } from '../../imaging/fitPrior.js';
import type { TrainingImage } from '../../imaging/fitPrior.js';
import { trainingSet } from '../../imaging/phantom.js';
import { readTrainingImages } from '../../imaging/formats/trainingImages.js';
import { boundedIntOption, intOption, numberOption } from '../parseNumbers.js';

interface FitFlags {
  patch: number;
  components: number;
  stride: number;
  shape?: string;
  phantoms?: number;
  patches: number;
  maxIter: number;
  regularization: number;
  seed: number;
  out?: string;
  slices?: string;
  axis?: 'x' | 'y' | 'z';
}

export function registerFitPrior(program: Command): void {
  program
    .command('fit-prior')
    .description("fit a patch-GMM image prior (EPLL) by EM on PNG images or procedural phantoms; prints or writes the problem file's prior")
    .argument('[images...]', 'training images: PNG (grayscale is used), NIfTI (.nii, .nii.gz) or DICOM (.dcm) volumes, used slice by slice')
    .option('--patch <k>', 'patch side k', boundedIntOption('--patch', 1, PATCH_LIMITS.size), 4)
    .option('--components <K>', 'mixture components', boundedIntOption('--components', 1, LIMITS.components), 8)
    .option('--stride <s>', 'patch grid spacing used when sampling (1 ≤ s ≤ k)', boundedIntOption('--stride', 1, PATCH_LIMITS.stride), 1)
    .option('--shape <HxW>', "shape of the images the prior is for: HxW or CxHxW (default: the first training image's)")
    .option('--phantoms <n>', 'train on n procedural phantoms (with --shape) instead of PNG files', boundedIntOption('--phantoms', 1, 10_000))
    .option('--patches <n>', 'training patches drawn at random', boundedIntOption('--patches', 1, 10_000_000), 20000)
    .option('--max-iter <n>', 'EM iterations', boundedIntOption('--max-iter', 1, 100_000), 100)
    .option('--regularization <r>', 'ridge added to each covariance (data units²)', numberOption('--regularization'), 1e-4)
    .option('--seed <s>', 'random seed', intOption('--seed'), 0)
    .option('--slices <a:b>', "volumes: slices a … b−1 along --axis (default: all)")
    .option('--axis <x|y|z>', 'volumes: slicing axis (z: axial for RAS MRI)', 'z')
    .option('--out <file>', 'write the prior JSON here (a problem file can name it: "prior": "<file>")')
    .action(async (files: string[], flags: FitFlags) => {
      checkOutputFile('--out', flags.out);
      if (!(flags.regularization > 0)) throw new LangevinError('E_OPTION', `--regularization: expected a number > 0, received ${flags.regularization}`, '--regularization');
      const shape = flags.shape ? parseShapeFlag(flags.shape) : undefined;
      let images: TrainingImage[];
      if (flags.phantoms !== undefined) {
        if (files.length > 0) throw new LangevinError('E_OPTION', '--phantoms trains on generated images: give no PNG files with it', '--phantoms');
        if (!shape) throw new LangevinError('E_OPTION', '--phantoms needs --shape', '--shape');
        images = trainingSet(flags.phantoms, shape[1], shape[2], flags.seed + 1).map((data) => ({ data, height: shape[1], width: shape[2] }));
      } else {
        if (files.length === 0) throw new LangevinError('E_OPTION', 'give training images (PNG, NIfTI, DICOM) or --phantoms <n>', 'images');
        images = readTrainingImages(files, { slices: flags.slices, axis: flags.axis });
      }
      const target = shape ?? ([1, images[0].height, images[0].width] as const);
      if (flags.stride > flags.patch) throw new LangevinError('E_OPTION', `--stride ${flags.stride} exceeds --patch ${flags.patch}`, '--stride');
      const t0 = performance.now();
      const fit = fitPatchPrior(images, {
        patch: flags.patch,
        components: flags.components,
        stride: flags.stride,
        shape: target,
        patches: flags.patches,
        maxIter: flags.maxIter,
        regularization: flags.regularization,
        seed: flags.seed,
      });
      const json = JSON.stringify(fit.prior) + '\n';
      if (flags.out) {
        try {
          writeFileSync(flags.out, json);
        } catch (err) {
          throw new LangevinError('E_FILE', `--out: cannot write ${flags.out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, '--out', { cause: err });
        }
        process.stderr.write(`fitted ${flags.components} components on ${fit.patches} ${flags.patch}×${flags.patch} patches of ${images.length} images in ${((performance.now() - t0) / 1000).toFixed(1)} s (${fit.iterations} EM iterations, mean log-likelihood ${fit.logLikelihood.toFixed(3)}): ${flags.out}\n`);
      } else {
        process.stdout.write(json);
      }
    });
}

function parseShapeFlag(s: string): [number, number, number] {
  const n = s.split(/[x,×]/).map(Number);
  if ((n.length !== 2 && n.length !== 3) || !n.every((v) => Number.isInteger(v) && v > 0))
    throw new LangevinError('E_OPTION', `--shape: expected HxW or CxHxW positive integers, received "${s.slice(0, 40)}"`, '--shape');
  const [c, h, w] = n.length === 2 ? [1, n[0], n[1]] : n;
  if (c > PATCH_LIMITS.channels || h * w > IMAGE_LIMITS.pixels || c * h * w > LIMITS.dim)
    throw new LangevinError('E_OPTION', `--shape: expected at most ${PATCH_LIMITS.channels} channels and ${IMAGE_LIMITS.pixels} pixels per channel, received ${c}×${h}×${w}`, '--shape');
  return n.length === 2 ? [1, n[0], n[1]] : [n[0], n[1], n[2]];
}

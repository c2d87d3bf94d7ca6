// SPDX-License-Identifier: MIT
// Fit an EPLL-style patch prior on the user's images (or on procedural phantoms) and return it in
// the problem-file form { type: 'patch-gmm', shape, patch, stride, gmm }.
import { invalid } from '../errors.js';
import { fitPatchGmm, toGmmJson } from './patchGmm.js';
import type { GmmPriorJson } from './patchGmm.js';
import { randomPatches } from './patches.js';

export interface TrainingImage {
  readonly data: ArrayLike<number>; // [H, W], grayscale in [0, 1]
  readonly height: number;
  readonly width: number;
}

export interface FitPriorOptions {
  readonly patch: number; // k
  readonly components: number; // K
  readonly shape: readonly [number, number, number]; // [C, H, W] of the images the prior will be used on
  readonly stride?: number; // default 1
  readonly patches?: number; // training patches (default 20 000)
  readonly maxIter?: number; // EM iterations (default 100)
  readonly regularization?: number; // covariance ridge (default 1e-4)
  readonly seed?: number;
}

export interface PatchPriorJson {
  type: 'patch-gmm';
  shape: number[];
  patch: number;
  stride: number;
  gmm: GmmPriorJson;
}

export function fitPatchPrior(images: readonly TrainingImage[], o: FitPriorOptions): { prior: PatchPriorJson; logLikelihood: number; iterations: number; patches: number } {
  if (images.length === 0) throw invalid('E_VALUE', 'images', 'at least one training image', images);
  const k = o.patch;
  const total = o.patches ?? 20_000;
  const seed = o.seed ?? 0;
  // Images may differ in size: draw from each in proportion to its area.
  const area = images.reduce((s, im) => s + im.height * im.width, 0);
  const parts: Float64Array[] = [];
  let drawn = 0;
  images.forEach((im, i) => {
    if (im.height < k || im.width < k) throw invalid('E_SHAPE', `images[${i}]`, `an image at least ${k}×${k}`, `${im.height}×${im.width}`);
    const n = i === images.length - 1 ? total - drawn : Math.round((total * im.height * im.width) / area);
    drawn += n;
    parts.push(randomPatches([im.data], im.height, im.width, k, n, seed + i));
  });
  const patches = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    patches.set(p, off);
    off += p.length;
  }
  const fit = fitPatchGmm(patches, k * k, o.components, { seed, maxIter: o.maxIter ?? 100, regularization: o.regularization ?? 1e-4 });
  const [C, H, W] = o.shape;
  return {
    prior: { type: 'patch-gmm', shape: C === 1 ? [H, W] : [C, H, W], patch: k, stride: o.stride ?? 1, gmm: toGmmJson(fit) },
    logLikelihood: fit.dataLogLikelihood,
    iterations: fit.iterations,
    patches: patches.length / (k * k),
  };
}

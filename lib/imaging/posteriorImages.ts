// SPDX-License-Identifier: MIT
// From a run's samples to images: per-pixel posterior mean and std, and PNG/NIfTI files of them.
import { writeFileSync } from 'node:fs';
import { invalid } from '../errors.js';
import { writeNifti } from './formats/nifti.js';
import { encodePng } from './png.js';

/** The package's one image shape convention: { height, width } (channels optional, default 1). */
export interface ImageSize {
  readonly height: number;
  readonly width: number;
  readonly channels?: number;
}

export interface PosteriorImages {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Per-pixel mean over samples, [C·H·W] row-major. */
  readonly mean: Float32Array;
  /** Per-pixel standard deviation (n − 1 denominator; 0 for one sample). */
  readonly std: Float32Array;
}

/**
 * Mean and std images of `samples` (n samples of C·H·W values each, back to back, as sample()
 * returns them). Throws E_SHAPE when the length is not a multiple of the image size.
 */
export function posteriorImages(samples: ArrayLike<number>, shape: ImageSize): PosteriorImages {
  const { height: H, width: W } = shape;
  const C = shape.channels ?? 1;
  if (![H, W, C].every((v) => Number.isInteger(v) && v >= 1)) throw invalid('E_VALUE', 'shape', '{ height, width, channels? } positive integers', shape);
  const d = C * H * W;
  const n = samples.length / d;
  if (!Number.isInteger(n) || n < 1) throw invalid('E_SHAPE', 'samples', `a positive multiple of ${d} values`, samples);
  const mean = new Float64Array(d), m2 = new Float64Array(d);
  for (let s = 0; s < n; s++)
    for (let i = 0; i < d; i++) {
      // Welford: stable for samples far from 0.
      const v = samples[s * d + i];
      const delta = v - mean[i];
      mean[i] += delta / (s + 1);
      m2[i] += delta * (v - mean[i]);
    }
  return { height: H, width: W, channels: C, mean: Float32Array.from(mean), std: Float32Array.from(m2, (v) => (n > 1 ? Math.sqrt(v / (n - 1)) : 0)) };
}

/** PNG bytes of the mean (gray, on `range`, default [0, 1]) and the std (magma, on [0, max std]); first channel. */
export function posteriorPngs(p: PosteriorImages, range: readonly [number, number] = [0, 1]): { mean: Buffer; std: Buffer } {
  const hw = p.height * p.width;
  let max = 0;
  for (let i = 0; i < hw; i++) if (p.std[i] > max) max = p.std[i];
  return {
    mean: encodePng(p.mean.subarray(0, hw), p.height, p.width, { range }),
    std: encodePng(p.std.subarray(0, hw), p.height, p.width, { range: [0, max > 0 ? max : 1], colormap: 'magma' }),
  };
}

/** Write `<prefix>-mean.png`, `<prefix>-std.png`, `<prefix>-mean.nii.gz`, `<prefix>-std.nii.gz`; returns the paths. */
export function writePosteriorImages(prefix: string, p: PosteriorImages, range?: readonly [number, number]): string[] {
  const png = posteriorPngs(p, range);
  const dims = [p.width, p.height, p.channels] as const;
  const files: [string, Buffer | Float32Array][] = [[`${prefix}-mean.png`, png.mean], [`${prefix}-std.png`, png.std], [`${prefix}-mean.nii.gz`, p.mean], [`${prefix}-std.nii.gz`, p.std]];
  for (const [f, v] of files) {
    if (Buffer.isBuffer(v)) writeFileSync(f, v);
    else writeNifti(f, { data: v, dims, spacing: [1, 1, 1] }); // row-major [C, H, W] is x-fastest [W, H, C]
  }
  return files.map(([f]) => f);
}

// SPDX-License-Identifier: MIT
// Classical baselines for the fourier operator (unitary DFT kept at sample indices, lib/types.ts):
// zero filling, and the Wiener filter of a stationary Gaussian prior (mean image μ, power spectrum
// s_k of x − μ) solved per frequency. Each kept coefficient Y_k = X_k + noise of variance 2η²
// (η² in the real and in the imaginary part), so X̂_k = M_k + s_k/(s_k + 2η²)·(Y_k − M_k), and
// unsampled frequencies keep the prior mean M_k. The image is Re F⁻¹X̂ (exact when the sampling
// pattern is conjugate-symmetric; otherwise the real part of the complex-image solution).
import { invalid } from '../errors.js';
import type { Operator } from '../types.js';
import { fft2d } from './fft.js';

type FourierOp = Extract<Operator, { type: 'fourier' }>;

/** Unitary 2-D DFT of an H×W real image: [re, im]. */
function dft(x: ArrayLike<number>, H: number, W: number): [Float64Array, Float64Array] {
  const re = Float64Array.from(x), im = new Float64Array(H * W);
  fft2d(re, im, H, W);
  const s = 1 / Math.sqrt(H * W);
  for (let i = 0; i < H * W; i++) (re[i] *= s), (im[i] *= s);
  return [re, im];
}

/** Real part of the unitary inverse DFT. */
function idftReal(re: Float64Array, im: Float64Array, H: number, W: number): Float64Array {
  fft2d(re, im, H, W, true);
  const s = 1 / Math.sqrt(H * W);
  return re.map((v) => v * s);
}

/** A stationary Gaussian image prior fitted to training images: mean image and power spectrum E|F(x − μ)|². */
export interface SpectralPrior {
  readonly height: number;
  readonly width: number;
  readonly mean: Float64Array;
  readonly power: Float64Array;
}

export function fitSpectralPrior(images: readonly ArrayLike<number>[], height: number, width: number): SpectralPrior {
  const d = height * width;
  if (images.length < 2) throw invalid('E_VALUE', 'images', 'at least two training images', images);
  const mean = new Float64Array(d);
  for (const im of images) {
    if (im.length !== d) throw invalid('E_SHAPE', 'images', `${height}·${width} pixels each`, im);
    for (let i = 0; i < d; i++) mean[i] += im[i] / images.length;
  }
  const power = new Float64Array(d);
  for (const im of images) {
    const [re, ii] = dft(Array.from(im, (v, i) => v - mean[i]), height, width);
    for (let i = 0; i < d; i++) power[i] += (re[i] * re[i] + ii[i] * ii[i]) / (images.length - 1);
  }
  return { height, width, mean, power };
}

function kept(op: Operator): FourierOp {
  if (op.type !== 'fourier' || op.shape.channels !== 1) throw invalid('E_UNSUPPORTED', 'operator', 'a single-channel fourier operator', op.type);
  return op;
}

/** Zero-filled reconstruction Re F⁻¹(zero-filled y) (= Aᵀy for this operator). */
export function zeroFilled(op: Operator, y: ArrayLike<number>): Float64Array {
  const f = kept(op);
  const { height: H, width: W } = f.shape;
  const re = new Float64Array(H * W), im = new Float64Array(H * W);
  f.samples.forEach((k, s) => ((re[k] = y[2 * s]), (im[k] = y[2 * s + 1])));
  return idftReal(re, im, H, W);
}

/** Wiener (Gaussian-prior posterior mean) reconstruction, per frequency; noiseStd η per real component. */
export function wienerReconstruction(op: Operator, y: ArrayLike<number>, noiseStd: number, prior: SpectralPrior): Float64Array {
  const f = kept(op);
  const { height: H, width: W } = f.shape;
  if (prior.height !== H || prior.width !== W) throw invalid('E_SHAPE', 'prior', `${H}×${W}`, `${prior.height}×${prior.width}`);
  if (!(noiseStd > 0)) throw invalid('E_VALUE', 'noiseStd', 'a positive number', noiseStd);
  const [re, im] = dft(prior.mean, H, W);
  const n2 = 2 * noiseStd * noiseStd;
  f.samples.forEach((k, s) => {
    const g = prior.power[k] / (prior.power[k] + n2);
    re[k] += g * (y[2 * s] - re[k]);
    im[k] += g * (y[2 * s + 1] - im[k]);
  });
  return idftReal(re, im, H, W);
}

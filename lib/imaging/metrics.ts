// SPDX-License-Identifier: MIT
// Image-quality and uncertainty metrics for reconstructions and posterior samples.
// Images are [C, H, W] row-major; samples are [n, d] with d = C·H·W, one sample per row.

import { invalid } from '../errors.js';

function sameLength(x: ArrayLike<number>, ref: ArrayLike<number>): void {
  if (x.length !== ref.length || x.length === 0) throw invalid('E_SHAPE', 'x', `${ref.length} entries (as ref), at least 1`, x);
}

/** Peak signal-to-noise ratio 10·log10(R²/MSE) in dB; Infinity for identical images. */
export function psnr(x: ArrayLike<number>, ref: ArrayLike<number>, dataRange = 1): number {
  sameLength(x, ref);
  if (!(dataRange > 0)) throw invalid('E_VALUE', 'dataRange', 'a positive number', dataRange);
  let se = 0;
  for (let i = 0; i < x.length; i++) se += (x[i] - ref[i]) ** 2;
  const mse = se / x.length;
  return mse === 0 ? Infinity : 10 * Math.log10((dataRange * dataRange) / mse);
}

const WIN = 11;
const SIGMA = 1.5;
const GAUSS = (() => {
  const g = Float64Array.from({ length: WIN }, (_, t) => Math.exp(-((t - 5) ** 2) / (2 * SIGMA * SIGMA)));
  const s = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / s);
})();

/** Separable 11×11 Gaussian filtering of an h×w plane, 'valid' part only: (h−10)×(w−10). */
function filterValid(img: Float64Array, h: number, w: number): Float64Array {
  const ow = w - WIN + 1, oh = h - WIN + 1;
  const tmp = new Float64Array(h * ow);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < ow; j++) {
      let s = 0;
      for (let t = 0; t < WIN; t++) s += GAUSS[t] * img[i * w + j + t];
      tmp[i * ow + j] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      let s = 0;
      for (let t = 0; t < WIN; t++) s += GAUSS[t] * tmp[(i + t) * ow + j];
      out[i * ow + j] = s;
    }
  }
  return out;
}

/**
 * SSIM of Wang et al. (2004): 11×11 Gaussian window (σ = 1.5, normalised), K1 = 0.01, K2 = 0.03,
 * C_i = (K_i·dataRange)², window-weighted (population) variances and covariance. Boundary: only
 * positions where the window lies fully inside the image are used ('valid', as Wang's reference
 * code; equal to scikit-image's gaussian_weights=True, use_sample_covariance=False after its crop).
 * The mean of the SSIM map over those (h−10)(w−10) positions and over channels. Needs h, w ≥ 11.
 */
export function ssim(x: ArrayLike<number>, ref: ArrayLike<number>, h: number, w: number, options: { dataRange?: number } = {}): number {
  sameLength(x, ref);
  const L = options.dataRange ?? 1;
  if (!(L > 0)) throw invalid('E_VALUE', 'options.dataRange', 'a positive number', L);
  if (!Number.isInteger(h) || h < WIN) throw invalid('E_VALUE', 'h', `an integer ≥ ${WIN} (the SSIM window)`, h);
  if (!Number.isInteger(w) || w < WIN) throw invalid('E_VALUE', 'w', `an integer ≥ ${WIN} (the SSIM window)`, w);
  const C = x.length / (h * w);
  if (!Number.isInteger(C)) throw invalid('E_SHAPE', 'x', `C·${h}·${w} entries`, x);
  const c1 = (0.01 * L) ** 2, c2 = (0.03 * L) ** 2;
  const hw = h * w;
  let total = 0, count = 0;
  for (let c = 0; c < C; c++) {
    const a = new Float64Array(hw), b = new Float64Array(hw);
    const aa = new Float64Array(hw), bb = new Float64Array(hw), ab = new Float64Array(hw);
    for (let i = 0; i < hw; i++) {
      a[i] = x[c * hw + i];
      b[i] = ref[c * hw + i];
      aa[i] = a[i] * a[i];
      bb[i] = b[i] * b[i];
      ab[i] = a[i] * b[i];
    }
    const [ma, mb, maa, mbb, mab] = [a, b, aa, bb, ab].map((m) => filterValid(m, h, w));
    for (let i = 0; i < ma.length; i++) {
      const va = maa[i] - ma[i] * ma[i], vb = mbb[i] - mb[i] * mb[i], cov = mab[i] - ma[i] * mb[i];
      total += ((2 * ma[i] * mb[i] + c1) * (2 * cov + c2)) / ((ma[i] * ma[i] + mb[i] * mb[i] + c1) * (va + vb + c2));
      count++;
    }
  }
  return total / count;
}

function checkSamples(samples: ArrayLike<number>, d: number, field = 'samples'): number {
  const n = samples.length / d;
  if (!Number.isInteger(n) || n < 1) throw invalid('E_SHAPE', field, `n·${d} entries (n ≥ 1 samples of ${d} pixels)`, samples);
  return n;
}

/**
 * Fraction of pixels whose true value lies in the central `level` credible interval of its samples,
 * the interval's ends being the empirical (1∓level)/2 quantiles with linear interpolation between
 * order statistics (R's type 7, numpy's default). For a calibrated posterior this is ≈ level; with
 * n samples the empirical interval is slightly narrow, by O(1/n).
 */
export function coverage(samples: ArrayLike<number>, truth: ArrayLike<number>, level = 0.9): number {
  const d = truth.length;
  const n = checkSamples(samples, d);
  if (!(level > 0 && level < 1)) throw invalid('E_VALUE', 'level', 'a number in (0, 1)', level);
  const col = new Float64Array(n);
  const quantile = (p: number) => {
    const hpos = (n - 1) * p;
    const lo = Math.floor(hpos);
    const hi = Math.min(lo + 1, n - 1);
    return col[lo] + (hpos - lo) * (col[hi] - col[lo]);
  };
  let inside = 0;
  for (let i = 0; i < d; i++) {
    for (let s = 0; s < n; s++) col[s] = samples[s * d + i];
    col.sort();
    const t = truth[i];
    if (t >= quantile((1 - level) / 2) && t <= quantile((1 + level) / 2)) inside++;
  }
  return inside / d;
}

/** Per-pixel sample mean and standard deviation (n − 1 divisor; 0 for a single sample). */
export function pixelStats(samples: ArrayLike<number>, n: number, d: number): { mean: Float64Array; std: Float64Array } {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1 || samples.length !== n * d) {
    throw invalid('E_SHAPE', 'samples', `n·d = ${n}·${d} entries`, samples);
  }
  const mean = new Float64Array(d);
  for (let s = 0; s < n; s++) for (let i = 0; i < d; i++) mean[i] += samples[s * d + i];
  for (let i = 0; i < d; i++) mean[i] /= n;
  const std = new Float64Array(d);
  if (n > 1) {
    // Two-pass (centred) sums: float32 samples near 1 with tiny spread would cancel in Σx² − n·x̄².
    for (let s = 0; s < n; s++) for (let i = 0; i < d; i++) std[i] += (samples[s * d + i] - mean[i]) ** 2;
    for (let i = 0; i < d; i++) std[i] = Math.sqrt(std[i] / (n - 1));
  }
  return { mean, std };
}

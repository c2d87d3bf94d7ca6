// SPDX-License-Identifier: MIT
// Statistical helpers for tests: tolerances come from the sample size, never from guesswork.
import { symmetricEigen } from '../../lib/math/linalg.js';
import { mulberry32 } from '../../lib/engine/prng.js';

/** Sample mean and (unbiased) covariance of rows of x[n*d]. */
export function moments(x: ArrayLike<number>, d: number): { n: number; mean: Float64Array; cov: Float64Array } {
  const n = x.length / d;
  const mean = new Float64Array(d);
  for (let c = 0; c < n; c++) for (let i = 0; i < d; i++) mean[i] += x[c * d + i] / n;
  const cov = new Float64Array(d * d);
  for (let c = 0; c < n; c++)
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) cov[i * d + j] += ((x[c * d + i] - mean[i]) * (x[c * d + j] - mean[j])) / (n - 1);
  return { n, mean, cov };
}

/**
 * Mahalanobis statistic n·(m̂ − μ)ᵀ Σ⁻¹ (m̂ − μ) of a sample mean: χ²_d for exact samples. Returns
 * the statistic and its 1 − 1e-4 quantile bound (Wilson–Hilferty), so a correct sampler fails
 * about once in 10⁴ runs and a fixed seed makes the outcome deterministic.
 */
export function meanChi2(mean: ArrayLike<number>, mu: ArrayLike<number>, cov: Float64Array, d: number, n: number): { stat: number; bound: number } {
  const { values, vectors } = symmetricEigen(cov, d);
  let stat = 0;
  for (let j = 0; j < d; j++) {
    let p = 0;
    for (let i = 0; i < d; i++) p += vectors[i * d + j] * (mean[i] - mu[i]);
    stat += (n * p * p) / values[j];
  }
  return { stat, bound: chi2Quantile(d, 3.719) };
}

/** χ²_k quantile at standard-normal quantile z (Wilson–Hilferty). z = 3.719 ↔ 1 − 1e-4. */
export function chi2Quantile(k: number, z: number): number {
  const a = 2 / (9 * k);
  return k * (1 - a + z * Math.sqrt(a)) ** 3;
}

/**
 * Tolerance for ‖Ĉ − C‖_F/‖C‖_F of a Gaussian sample covariance: E‖Ĉ − C‖²_F = (‖C‖²_F + tr(C)²)/(n−1),
 * so `k` standard errors of that norm are k·√((‖C‖²_F + tr C²)/((n−1)‖C‖²_F)).
 */
export function covarianceTolerance(cov: Float64Array, d: number, n: number, k = 4): number {
  let fro = 0;
  let tr = 0;
  for (let i = 0; i < d * d; i++) fro += cov[i] * cov[i];
  for (let i = 0; i < d; i++) tr += cov[i * d + i];
  return k * Math.sqrt((fro + tr * tr) / ((n - 1) * fro));
}

export function relativeFrobenius(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** Deterministic pseudo-random numbers for building test problems (mulberry32). */
export const rng = mulberry32;

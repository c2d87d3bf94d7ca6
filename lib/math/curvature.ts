// SPDX-License-Identifier: MIT
// Curvature of the potential U = −log posterior, the constants every step-size rule needs.
// For a GMM, −∇²log p = Σ_k r_k C_k⁻¹ − Cov_r(g) ≼ max_k C_k⁻¹, so L = max_k λ_max(C_k⁻¹) is a
// global smoothness bound; m = min_k λ_min(C_k⁻¹) is the weakest within-mode curvature.
import { spectralNormSquared, symmetricEigen } from './linalg.js';
import { exactPosteriorOf, operatorMatrix } from './posterior.js';
import { priorStats } from './priorStats.js';
import { applyAdjoint, applyOperator, blurSpectrum } from './applyOperator.js';
import type { Operator, Problem } from '../types.js';
import { isGmmProblem, operatorCols, operatorRows } from '../types.js';

export interface Curvature {
  /** Smoothness L: the largest eigenvalue of −∇²log π anywhere. */
  L: number;
  /** Weakest within-mode curvature m (strong convexity of each Gaussian component of π). */
  m: number;
  /** ‖A‖², by power iteration (0 without a likelihood). */
  opNormSq: number;
  /** How L and m were obtained. */
  method: string;
}

/** Above this dimension the exact per-component eigenvalues are replaced by bounds. */
const EXACT_DIM_LIMIT = 160;

export function operatorNormSquared(problem: Problem): number {
  const lik = problem.likelihood;
  if (!lik) return 0;
  return opNormSquared(lik.operator);
}

/**
 * ‖A‖² (largest eigenvalue of AᵀA), exact where the structure gives it: identity and mask 1;
 * blur max_k |K̂_k|² (circulant); downsample 1/f² (AAᵀ = I/f²); fourier 1 when some sample is
 * self-conjugate or has its conjugate sampled too, else ½ (AᵀA acts on each conjugate pair's
 * cos/sin plane as ½·I per sample there); dense by the eigenvalues of AᵀA or AAᵀ; compose by power
 * iteration with applyOperator/applyAdjoint (a lower estimate, raised by 1%), capped by the product
 * of the factors' norms (an upper bound).
 */
export function opNormSquared(op: Operator): number {
  switch (op.type) {
    case 'identity':
    case 'mask':
      return 1;
    case 'dense':
      return spectralNormSquared(operatorMatrix(op), operatorRows(op), operatorCols(op)) * (1 + 1e-9);
    case 'blur': {
      const { re, im } = blurSpectrum(op);
      let mx = 0;
      for (let i = 0; i < re.length; i++) mx = Math.max(mx, re[i] * re[i] + im[i] * im[i]);
      return mx * (1 + 1e-9);
    }
    case 'downsample':
      return 1 / (op.factor * op.factor);
    case 'fourier': {
      const { height: H, width: W } = op.shape;
      const HW = H * W;
      const kept = new Set<number>(op.samples);
      for (const k of op.samples) {
        const c = Math.floor(k / HW);
        const u = Math.floor((k % HW) / W);
        const v = k % W;
        const conj = c * HW + ((H - u) % H) * W + ((W - v) % W);
        if (kept.has(conj)) return 1;
      }
      return 0.5;
    }
    case 'compose': {
      const hit = composeNorms.get(op);
      if (hit !== undefined) return hit;
      const bound = op.operators.reduce((p, a) => p * opNormSquared(a), 1);
      const v = Math.min(bound, powerIteration(op, 100, bound / (1 + 1e-2)) * (1 + 1e-2));
      composeNorms.set(op, v);
      return v;
    }
  }
}

/** Power iterations are the one costly case; samplers ask for ‖A‖² more than once per run. */
const composeNorms = new WeakMap<Operator, number>();

/**
 * Largest eigenvalue of AᵀA by power iteration from a fixed pseudo-random start, until the
 * Rayleigh quotient changes by less than 1e-6 (relative), reaches stopAt, or maxIter iterations.
 */
export function powerIteration(op: Operator, maxIter = 100, stopAt = Infinity): number {
  const d = operatorCols(op);
  let v: Float64Array = new Float64Array(d);
  let s = 0x9e3779b9;
  for (let i = 0; i < d; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    v[i] = s / 2 ** 32 - 0.5;
  }
  let lambda = 0;
  for (let it = 0; it < maxIter; it++) {
    const n = Math.hypot(...chunks(v));
    if (!(n > 0)) return 0;
    for (let i = 0; i < d; i++) v[i] /= n;
    const w = applyAdjoint(op, applyOperator(op, v));
    let q = 0;
    for (let i = 0; i < d; i++) q += v[i] * w[i];
    const done = Math.abs(q - lambda) <= 1e-6 * Math.abs(q) || q >= stopAt;
    lambda = q;
    v = w;
    if (done) break;
  }
  return lambda;
}

/** Partial sums of squares' square roots, so Math.hypot never gets too many arguments. */
function chunks(v: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < v.length; i += 4096) {
    let s = 0;
    for (let j = i; j < Math.min(v.length, i + 4096); j++) s += v[j] * v[j];
    out.push(Math.sqrt(s));
  }
  return out;
}

export function curvature(problem: Problem): Curvature {
  const opNormSq = operatorNormSquared(problem);
  const d = problem.prior.dim;
  if (d <= EXACT_DIM_LIMIT && isGmmProblem(problem)) {
    // Exact: the posterior is a GMM whose component covariances we can diagonalise.
    const post = exactPosteriorOf(problem);
    let L = 0;
    let m = Infinity;
    for (let k = 0; k < post.components; k++) {
      const { values } = symmetricEigen(post.covariances.subarray(k * d * d, (k + 1) * d * d), d);
      L = Math.max(L, 1 / values[0]);
      m = Math.min(m, 1 / values[d - 1]);
    }
    return { L, m, opNormSq, method: 'exact eigenvalues of the posterior components' };
  }
  const { vMin: min, vMax: max } = priorStats(problem.prior);
  const eta2 = problem.likelihood ? problem.likelihood.noiseStd ** 2 : Infinity;
  return { L: 1 / min + opNormSq / eta2, m: 1 / max, opNormSq, method: 'bounds: L ≤ 1/λ_min(Σ) + ‖A‖²/η², m ≥ 1/λ_max(Σ)' };
}

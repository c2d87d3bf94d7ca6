// SPDX-License-Identifier: MIT
// Exact (closed-form) targets for Gaussian-mixture priors: noised priors (research notes 4.1 a1/a2)
// and the posterior under a linear-Gaussian likelihood (4.1 a5). These are reference answers for
// tests and diagnostics, computed once in double precision; nothing here runs per sampler step.

import { applyOperator } from './applyOperator.js';
import { invalid, LangevinError } from '../errors.js';
import {
  cholesky,
  choleskyLogDet,
  choleskySolve,
  choleskySolveMatrix,
  matmul,
  matvec,
  matvecT,
  symmetrize,
  transpose,
} from './linalg.js';
import { isGmmProblem, operatorCols, operatorRows, type GmmPrior, type GmmProblem, type Operator, type Problem } from '../types.js';
import { LOG_2PI } from './numeric.js';

/** A GMM with every covariance stored as a full d×d matrix. */
export interface FullGmm {
  readonly dim: number; // d
  readonly components: number; // K
  readonly weights: Float64Array; // [K]
  readonly means: Float64Array; // [K*d]
  readonly covariances: Float64Array; // [K*d*d]
}

/** The exact posterior Σ_k w̃_k N(μ̃_k, Σ̃_k), with its moments and the log evidence log p(y). */
export interface ExactPosterior extends FullGmm {
  readonly mean: Float64Array; // [d] mixture mean
  readonly covariance: Float64Array; // [d*d] mixture covariance
  readonly logEvidence: number; // log p(y); 0 when there is no likelihood
}

/** y = A x + N(0, Γ) with Γ = diag(noiseVar). */
export interface LinearGaussianLikelihood {
  readonly A: Float64Array; // [m*d] row-major
  readonly y: Float64Array; // [m]
  readonly noiseVar: Float64Array; // [m], diagonal of Γ, ≥ 0
}

/** Σ_k as a dense d×d matrix, whatever the prior's covariance kind. */
export function gmmComponentCovariance(prior: GmmPrior, k: number): Float64Array {
  const d = prior.dim;
  if (!Number.isInteger(k) || k < 0 || k >= prior.components) {
    throw invalid('E_VALUE', 'k', `an integer component index in [0, ${prior.components})`, k);
  }
  const s = new Float64Array(d * d);
  switch (prior.kind) {
    case 'isotropic':
      for (let i = 0; i < d; i++) s[i * d + i] = prior.cov[k];
      break;
    case 'diagonal':
      for (let i = 0; i < d; i++) s[i * d + i] = prior.cov[k * d + i];
      break;
    case 'full':
      s.set(prior.cov.subarray(k * d * d, (k + 1) * d * d));
      break;
  }
  return s;
}

/** The prior with every covariance expanded to a full matrix. */
export function toFullGmm(prior: GmmPrior): FullGmm {
  const d = prior.dim;
  const covariances = new Float64Array(prior.components * d * d);
  for (let k = 0; k < prior.components; k++) covariances.set(gmmComponentCovariance(prior, k), k * d * d);
  return {
    dim: d,
    components: prior.components,
    weights: Float64Array.from(prior.weights),
    means: Float64Array.from(prior.means),
    covariances,
  };
}

/**
 * Law of a·X + b·Z with X ~ prior and Z ~ N(0, I) independent: a GMM of the same covariance kind with
 * means a·μ_k and covariances a²Σ_k + b²I. Covers VE (a = 1, b² = σ²), the ALMC OU path
 * (a = e^{-t}, b² = 1 − e^{-2t}) and the DALMC Gaussian path (a = √λ, b² = 1 − λ) without the
 * σ = ∞ singularity of the VE form at λ = 0.
 */
export function noisedPrior(prior: GmmPrior, a: number, b2: number): GmmPrior {
  if (!Number.isFinite(a)) throw invalid('E_VALUE', 'a', 'a finite number', a);
  if (!Number.isFinite(b2) || b2 < 0) throw invalid('E_VALUE', 'b2', 'a finite number ≥ 0', b2);
  const d = prior.dim;
  const a2 = a * a;
  const means = new Float64Array(prior.means.length);
  // `+ 0` turns the -0 that a = 0 gives for negative entries into +0, so results compare and print cleanly.
  for (let i = 0; i < means.length; i++) means[i] = a * prior.means[i] + 0;
  const cov = new Float64Array(prior.cov.length);
  if (prior.kind === 'full') {
    for (let i = 0; i < cov.length; i++) cov[i] = a2 * prior.cov[i] + 0;
    for (let k = 0; k < prior.components; k++) for (let i = 0; i < d; i++) cov[k * d * d + i * d + i] += b2;
  } else {
    // isotropic and diagonal store variances only, so the update is elementwise.
    for (let i = 0; i < cov.length; i++) cov[i] = a2 * prior.cov[i] + b2;
  }
  return {
    kind: prior.kind,
    dim: d,
    components: prior.components,
    weights: Float64Array.from(prior.weights),
    means,
    cov,
  };
}

/**
 * Mean Σ_k w_k μ_k and covariance Σ_k w_k (Σ_k + (μ_k − mean)(μ_k − mean)ᵀ) of a mixture. The centred
 * form equals Σ w_k(Σ_k + μ_kμ_kᵀ) − mean·meanᵀ but does not cancel catastrophically for far-off means.
 */
export function mixtureMoments(
  weights: Float64Array,
  means: Float64Array,
  covs: Float64Array,
  d: number,
): { mean: Float64Array; covariance: Float64Array } {
  const K = weights.length;
  const mean = new Float64Array(d);
  for (let k = 0; k < K; k++) for (let i = 0; i < d; i++) mean[i] += weights[k] * means[k * d + i];
  const covariance = new Float64Array(d * d);
  const dev = new Float64Array(d);
  for (let k = 0; k < K; k++) {
    const w = weights[k];
    if (w === 0) continue;
    for (let i = 0; i < d; i++) dev[i] = means[k * d + i] - mean[i];
    const base = k * d * d;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) covariance[i * d + j] += w * (covs[base + i * d + j] + dev[i] * dev[j]);
    }
  }
  return { mean, covariance: symmetrize(covariance, d) };
}

function logSumExp(v: Float64Array): number {
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  if (!Number.isFinite(max)) return max;
  let s = 0;
  for (const x of v) s += Math.exp(x - max);
  return max + Math.log(s);
}

function withMoments(g: FullGmm, logEvidence: number): ExactPosterior {
  const { mean, covariance } = mixtureMoments(g.weights, g.means, g.covariances, g.dim);
  return { ...g, mean, covariance, logEvidence };
}

/**
 * Exact posterior of a GMM prior under y = A x + N(0, Γ), Γ = diag(noiseVar) (research notes 4.1 a5):
 * with S_k = AΣ_kAᵀ + Γ (m×m, Cholesky-factored once per component),
 *   log w̃_k = log w_k + log N(y; Aμ_k, S_k)   (normalised by log-sum-exp, whose value is log p(y)),
 *   μ̃_k = μ_k + Σ_kAᵀ S_k⁻¹ (y − Aμ_k),
 *   Σ̃_k = Σ_k − Σ_kAᵀ S_k⁻¹ AΣ_k   (symmetrised).
 * Zero entries of noiseVar are allowed (exact measurements) as long as every S_k stays positive
 * definite. Without a likelihood the prior itself is returned, in full-covariance form.
 * Cost O(K(m³ + m d² + d³)); meant for reference answers, not for large images.
 */
export function exactPosterior(prior: GmmPrior, lik?: LinearGaussianLikelihood): ExactPosterior {
  if (lik === undefined) return withMoments(toFullGmm(prior), 0);

  const d = prior.dim;
  const K = prior.components;
  const { A, y, noiseVar } = lik;
  const m = y.length;
  if (A.length !== m * d) throw invalid('E_SHAPE', 'likelihood.A', `${m}×${d} = ${m * d} entries`, A);
  if (noiseVar.length !== m) throw invalid('E_SHAPE', 'likelihood.noiseVar', `${m} entries`, noiseVar);
  for (let i = 0; i < m; i++) {
    if (!Number.isFinite(y[i])) throw invalid('E_NONFINITE', `likelihood.y[${i}]`, 'a finite number', y[i]);
    if (!Number.isFinite(noiseVar[i]) || noiseVar[i] < 0) {
      throw invalid('E_VALUE', `likelihood.noiseVar[${i}]`, 'a finite number ≥ 0', noiseVar[i]);
    }
  }

  const At = transpose(A, m, d);
  const logW = new Float64Array(K);
  const means = new Float64Array(K * d);
  const covariances = new Float64Array(K * d * d);

  for (let k = 0; k < K; k++) {
    const sigma = gmmComponentCovariance(prior, k);
    const mu = prior.means.subarray(k * d, (k + 1) * d);

    const aSigma = matmul(A, sigma, m, d, d); // AΣ_k, m×d; its transpose is Σ_kAᵀ since Σ_k is symmetric
    const s = matmul(aSigma, At, m, d, m);
    for (let i = 0; i < m; i++) s[i * m + i] += noiseVar[i];
    symmetrize(s, m);
    const l = cholesky(s, m, 'likelihood.noiseVar');

    const r = matvec(A, mu, m, d);
    for (let i = 0; i < m; i++) r[i] = y[i] - r[i];
    const alpha = choleskySolve(l, r, m); // S_k⁻¹ (y − Aμ_k)
    let quad = 0;
    for (let i = 0; i < m; i++) quad += r[i] * alpha[i];
    logW[k] = Math.log(prior.weights[k]) - 0.5 * (m * LOG_2PI + choleskyLogDet(l, m) + quad);

    const shift = matvecT(aSigma, alpha, m, d);
    for (let i = 0; i < d; i++) means[k * d + i] = mu[i] + shift[i];

    const x = choleskySolveMatrix(l, aSigma, m, d); // S_k⁻¹AΣ_k, m×d
    const reduction = matmul(transpose(aSigma, m, d), x, d, m, d);
    const base = k * d * d;
    for (let i = 0; i < d * d; i++) covariances[base + i] = sigma[i] - reduction[i];
    symmetrize(covariances.subarray(base, base + d * d), d);
  }

  const logEvidence = logSumExp(logW);
  const weights = new Float64Array(K);
  for (let k = 0; k < K; k++) weights[k] = Math.exp(logW[k] - logEvidence);
  return withMoments({ dim: d, components: K, weights, means, covariances }, logEvidence);
}

/** Largest operator (m·d entries) operatorMatrix materialises. */
export const OPERATOR_MATRIX_MAX_ENTRIES = 4096 * 4096;

/**
 * The dense m×d matrix of an operator (identity: I_d; mask: the kept rows of I_d; dense: a copy;
 * imaging operators and compositions: A e_i column by column). Refuses (E_VALUE) above
 * OPERATOR_MATRIX_MAX_ENTRIES entries.
 */
export function operatorMatrix(op: Operator): Float64Array {
  const m = operatorRows(op);
  const d = operatorCols(op);
  if (m * d > OPERATOR_MATRIX_MAX_ENTRIES) {
    throw new LangevinError('E_VALUE', `operator: a ${m}×${d} ${op.type} operator is too large to materialise densely (at most ${OPERATOR_MATRIX_MAX_ENTRIES} entries)`, 'operator');
  }
  switch (op.type) {
    case 'identity': {
      const a = new Float64Array(d * d);
      for (let i = 0; i < d; i++) a[i * d + i] = 1;
      return a;
    }
    case 'mask': {
      const a = new Float64Array(m * d);
      for (let i = 0; i < m; i++) a[i * d + op.indices[i]] = 1;
      return a;
    }
    case 'dense':
      return Float64Array.from(op.matrix);
    default: {
      const a = new Float64Array(m * d);
      const e = new Float64Array(d);
      const col = new Float64Array(m);
      for (let i = 0; i < d; i++) {
        e[i] = 1;
        applyOperator(op, e, col);
        e[i] = 0;
        for (let j = 0; j < m; j++) a[j * d + i] = col[j];
      }
      return a;
    }
  }
}

/**
 * exactPosterior for a normalised Problem: A from its operator, Γ = noiseStd² I. Takes what
 * parseProblem returns; a prior that is not a Gaussian mixture is an E_UNSUPPORTED on `prior.type`.
 */
export function exactPosteriorOf(problem: Problem): ExactPosterior {
  // Step sizes, start distances and diagnostics all need it; problems are read-only, so form it once.
  const hit = exactCache.get(problem);
  if (hit) return hit;
  if (!isGmmProblem(problem)) {
    throw new LangevinError('E_UNSUPPORTED', `the exact posterior needs a Gaussian-mixture prior ('gmm' or 'gaussian'), not '${problem.prior.kind}'`, 'prior.type');
  }
  const post = computeExactPosteriorOf(problem);
  exactCache.set(problem, post);
  return post;
}

const exactCache = new WeakMap<Problem, ExactPosterior>();

function computeExactPosteriorOf(problem: GmmProblem): ExactPosterior {
  const { prior, likelihood } = problem;
  if (likelihood === undefined) return exactPosterior(prior);
  const op = likelihood.operator;
  if (operatorCols(op) !== prior.dim) {
    throw invalid('E_SHAPE', 'likelihood.operator', `an operator on dimension ${prior.dim}`, `dimension ${operatorCols(op)}`);
  }
  const m = operatorRows(op);
  return exactPosterior(prior, {
    A: operatorMatrix(op),
    y: likelihood.y,
    noiseVar: new Float64Array(m).fill(likelihood.noiseStd * likelihood.noiseStd),
  });
}

// ---- Reference density and score of a full-covariance GMM -------------------------------------

interface Factored {
  readonly d: number;
  readonly logWeights: Float64Array; // log w_k − ½(d log 2π + log det Σ_k)
  readonly means: Float64Array;
  readonly chol: Float64Array[]; // L_k with Σ_k = L_kL_kᵀ
}

// Factorising K d×d covariances per call would dominate; cache per mixture object. The mixture is
// treated as immutable once evaluated (as the readonly types suggest).
const factorCache = new WeakMap<object, Factored>();

function factor(g: FullGmm | GmmPrior): Factored {
  const cached = factorCache.get(g);
  if (cached !== undefined) return cached;
  const full = 'covariances' in g ? g : toFullGmm(g);
  const d = full.dim;
  const logWeights = new Float64Array(full.components);
  const chol: Float64Array[] = [];
  for (let k = 0; k < full.components; k++) {
    const l = cholesky(full.covariances.subarray(k * d * d, (k + 1) * d * d), d, `covariances[${k}]`);
    chol.push(l);
    logWeights[k] = Math.log(full.weights[k]) - 0.5 * (d * LOG_2PI + choleskyLogDet(l, d));
  }
  const f: Factored = { d, logWeights, means: full.means, chol };
  factorCache.set(g, f);
  return f;
}

function evaluate(g: FullGmm | GmmPrior, x: ArrayLike<number>, wantScore: boolean): { logDensity: number; score?: Float64Array } {
  const f = factor(g);
  const d = f.d;
  if (x.length !== d) throw invalid('E_SHAPE', 'x', `${d} entries`, x);
  const K = f.logWeights.length;
  const ell = new Float64Array(K);
  const grads: Float64Array[] = [];
  const diff = new Float64Array(d);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < d; i++) diff[i] = f.means[k * d + i] - x[i];
    const l = f.chol[k];
    // z = L⁻¹(μ − x): ‖z‖² is the Mahalanobis distance and L⁻ᵀz = Σ⁻¹(μ − x) is the component score.
    let z = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = diff[i];
      for (let p = 0; p < i; p++) s -= l[i * d + p] * z[p];
      z[i] = s / l[i * d + i];
    }
    let q = 0;
    for (let i = 0; i < d; i++) q += z[i] * z[i];
    ell[k] = f.logWeights[k] - 0.5 * q;
    if (wantScore) {
      for (let i = d - 1; i >= 0; i--) {
        let s = z[i];
        for (let p = i + 1; p < d; p++) s -= l[p * d + i] * z[p];
        z[i] = s / l[i * d + i];
      }
      grads.push(z);
      z = new Float64Array(d);
    }
  }
  const logDensity = logSumExp(ell);
  if (!wantScore) return { logDensity };
  const score = new Float64Array(d);
  for (let k = 0; k < K; k++) {
    const r = Math.exp(ell[k] - logDensity); // responsibility of component k at x
    if (r === 0) continue;
    for (let i = 0; i < d; i++) score[i] += r * grads[k][i];
  }
  return { logDensity, score };
}

/** log p(x) of a GMM (a full-covariance mixture such as an ExactPosterior, or any GmmPrior). */
export function gmmLogDensity(g: FullGmm | GmmPrior, x: ArrayLike<number>): number {
  return evaluate(g, x, false).logDensity;
}

/** ∇ log p(x) = Σ_k r_k(x) Σ_k⁻¹(μ_k − x) of a GMM, with responsibilities r_k by log-sum-exp. */
export function gmmScore(g: FullGmm | GmmPrior, x: ArrayLike<number>): Float64Array {
  return evaluate(g, x, true).score as Float64Array;
}

// SPDX-License-Identifier: MIT
// EM fit of a full-covariance Gaussian mixture to patches: the prior of EPLL-style patch sampling.
// One pass over the data per iteration does the E-step (log-sum-exp responsibilities through each
// component's inverse Cholesky factor) and accumulates the M-step's sufficient statistics; the pass
// runs in fixed chunks, optionally spread over worker threads, and is summed in a fixed order.

import { availableParallelism } from 'node:os';
import { invalid, LangevinError } from '../errors.js';
import { cholesky, choleskyLogDet } from '../math/linalg.js';
import type { GmmPrior } from '../types.js';
import { mulberry32 } from '../engine/prng.js';
import { EStep, type Stats } from './patchGmmEStep.js';
import { LOG_2PI } from '../math/numeric.js';

export interface PatchGmmOptions {
  readonly seed: number;
  /** Most EM updates after the initialisation. Default 100. */
  readonly maxIter?: number;
  /** Stop once the mean log-likelihood per patch rises by less than tol·max(1, |ℓ|). Default 1e-6. */
  readonly tol?: number;
  /**
   * Absolute ridge λ added to every covariance diagonal after each M-step (as scikit-learn's
   * reg_covar), in data units squared: 1e-4 = (0.01)² for images in [0, 1]. Keeps collapsed or
   * flat-patch components positive definite. Default 1e-4. See logLikelihood for the objective.
   */
  readonly regularization?: number;
  /**
   * Subtract each patch's own mean before fitting (EPLL's DC removal): the mixture then models
   * DC-free patches (covariances singular along (1, …, 1) but for the ridge), and a sampler must
   * treat the patch means separately. Default false.
   */
  readonly removeMean?: boolean;
  /**
   * Threads for the E-step (worker threads sharing memory); results do not depend on it. Default
   * min(available parallelism, 8); small fits run on the calling thread alone.
   */
  readonly threads?: number;
}

export interface PatchGmmFit {
  readonly dim: number; // d
  readonly components: number; // K
  readonly weights: Float64Array; // [K]
  readonly means: Float64Array; // [K*d]
  readonly covariances: Float64Array; // [K*d*d]
  /**
   * The objective of each accepted iterate (initialisation first), non-decreasing: the mean over
   * patches of log Σ_k w_k N(x; μ_k, Σ_k)·e^{−λ·tr(Σ_k⁻¹)/2}, λ the regularization. Its EM M-step is
   * exactly the ridge update Σ_k = S_k/N_k + λI (the penalty is the expected log-density loss under
   * N(0, λI) jitter of the data), so the ridge keeps EM monotone. Equal to the log-likelihood when λ = 0.
   */
  readonly logLikelihood: number[];
  /** Plain mean log-likelihood per patch of the returned parameters. */
  readonly dataLogLikelihood: number;
  /** EM updates accepted: logLikelihood.length − 1. The returned parameters are the last iterate's. */
  readonly iterations: number;
  /** Why EM stopped: the tolerance was met, maxIter was reached, or the next iterate lowered the objective. */
  readonly stop: 'tol' | 'maxIter' | 'decrease';
  /** stop !== 'maxIter'. */
  readonly converged: boolean;
  /** Components re-seeded after collapsing (kept only where the objective did not drop). */
  readonly reseeds: number;
  readonly removeMean: boolean;
}

interface Params {
  weights: Float64Array;
  means: Float64Array;
  covs: Float64Array;
}


/**
 * EM with full covariances, k-means++ seeding (then 5 Lloyd steps) and a ridge. Patches are
 * Float64Array [n, dim]. A component whose weight falls below 1/(10n) (fewer than 0.1 patches'
 * worth) is re-seeded once per collapse at a uniformly drawn patch with the data covariance and
 * weight 1/K; if the next iterate's log-likelihood is lower, the re-seed is undone and no further
 * re-seeds happen. Any other drop in the objective (rounding, near convergence) ends the run and
 * is discarded, so the reported sequence never decreases and the returned fit is its last iterate.
 */
export function fitPatchGmm(patches: Float64Array, dim: number, K: number, options: PatchGmmOptions): PatchGmmFit {
  const maxIter = options.maxIter ?? 100;
  const tol = options.tol ?? 1e-6;
  const ridge = options.regularization ?? 1e-4;
  const removeMean = options.removeMean ?? false;
  if (!Number.isInteger(dim) || dim < 1) throw invalid('E_VALUE', 'dim', 'a positive integer', dim);
  const n = patches.length / dim;
  if (!Number.isInteger(n)) throw invalid('E_SHAPE', 'patches', `a multiple of dim = ${dim} entries`, patches);
  if (!Number.isInteger(K) || K < 1 || K > n) throw invalid('E_VALUE', 'K', `an integer in [1, n = ${n}]`, K);
  if (!Number.isInteger(options.seed)) throw invalid('E_VALUE', 'options.seed', 'an integer', options.seed);
  if (!Number.isInteger(maxIter) || maxIter < 0) throw invalid('E_VALUE', 'options.maxIter', 'an integer ≥ 0', maxIter);
  if (!(tol >= 0)) throw invalid('E_VALUE', 'options.tol', 'a number ≥ 0', tol);
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw invalid('E_VALUE', 'options.regularization', 'a finite number ≥ 0', ridge);
  const d = dim;
  const rand = mulberry32(options.seed);

  // Work on centred data: the uncentred second moments of the M-step then lose no digits to an offset.
  const X = Float64Array.from(patches);
  for (let i = 0; i < X.length; i++) if (!Number.isFinite(X[i])) throw invalid('E_NONFINITE', `patches[${i}]`, 'a finite number', X[i]);
  if (removeMean) {
    for (let p = 0; p < n; p++) {
      let m = 0;
      for (let i = 0; i < d; i++) m += X[p * d + i];
      for (let i = 0; i < d; i++) X[p * d + i] -= m / d;
    }
  }
  const centre = new Float64Array(d);
  for (let p = 0; p < n; p++) for (let i = 0; i < d; i++) centre[i] += X[p * d + i] / n;
  for (let p = 0; p < n; p++) for (let i = 0; i < d; i++) X[p * d + i] -= centre[i];
  const globalCov = dataCovariance(X, n, d, ridge);

  const init = kmeansInit(X, n, d, K, ridge, globalCov, rand);
  let theta = init.theta;
  const threads = options.threads ?? Math.min(availableParallelism(), 8);
  if (!Number.isInteger(threads) || threads < 1) throw invalid('E_VALUE', 'options.threads', 'a positive integer', threads);
  // Threads pay off only with enough work per pass (their start-up costs ~30 ms each).
  const estep = new EStep(X, init.label, n, d, K, n * K * d * d >= 2e7 ? threads : 1);
  let fallback: Params | null = null; // the un-reseeded update, while a re-seed awaits its verdict
  let allowReseed = true;
  let reseeds = 0;
  let pending = 0; // components re-seeded in the iterate awaiting its verdict
  const ll: number[] = [];
  let best = theta;
  let stop: PatchGmmFit['stop'] = 'maxIter';
  let dataLogLikelihood = NaN;
  try {
    for (;;) {
      const stats = pass(estep, d, K, theta, ridge);
      if (ll.length > 0 && !(stats.ll >= ll[ll.length - 1])) {
        if (fallback) {
          theta = fallback;
          fallback = null;
          allowReseed = false;
          reseeds -= pending;
          continue;
        }
        stop = 'decrease'; // at the floor where rounding (or the ridge) outweighs EM's gain
        break;
      }
      fallback = null;
      ll.push(stats.ll);
      best = theta;
      if (ll.length > 1 && ll[ll.length - 1] - ll[ll.length - 2] <= tol * Math.max(1, Math.abs(stats.ll))) {
        stop = 'tol';
        break;
      }
      if (ll.length - 1 >= maxIter) break;
      theta = mStep(stats, theta, d, K, ridge);
      if (allowReseed) {
        const collapsed = [...theta.weights.keys()].filter((k) => theta.weights[k] < 1 / (10 * n));
        if (collapsed.length > 0) {
          fallback = theta;
          theta = reseed(theta, collapsed, X, n, d, K, globalCov, rand);
          reseeds += collapsed.length;
          pending = collapsed.length;
        }
      }
    }
    dataLogLikelihood = ridge === 0 ? ll[ll.length - 1] : pass(estep, d, K, best, 0).ll;
  } finally {
    estep.close();
  }

  const means = Float64Array.from(best.means);
  for (let k = 0; k < K; k++) for (let i = 0; i < d; i++) means[k * d + i] += centre[i];
  return {
    dim: d,
    components: K,
    weights: Float64Array.from(best.weights),
    means,
    covariances: Float64Array.from(best.covs),
    logLikelihood: ll,
    dataLogLikelihood,
    iterations: ll.length - 1,
    stop,
    converged: stop !== 'maxIter',
    reseeds,
    removeMean,
  };
}


/**
 * One EM pass at parameters theta: factor the covariances, then the E-step with statistics. Each
 * component's log-density carries the ridge's penalty −(λ/2)·tr Σ_k⁻¹ (tr Σ⁻¹ = ‖L⁻¹‖²_F); λ = 0
 * gives the plain log-likelihood.
 */
function pass(estep: EStep, d: number, K: number, theta: Params, ridge: number): Stats {
  const P = (d * (d + 1)) / 2;
  const W = new Float64Array(K * P); // inverse Cholesky factors, packed lower triangles by rows
  const cst = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let l: Float64Array;
    try {
      l = cholesky(theta.covs.subarray(k * d * d, (k + 1) * d * d), d, `covariance ${k}`);
    } catch (err) {
      throw new LangevinError('E_VALUE', `fitPatchGmm: covariance ${k} lost positive definiteness; raise options.regularization`, 'options.regularization', { cause: err });
    }
    packInverse(l, d, W, k * P);
    let trace = 0;
    for (let q = k * P; q < (k + 1) * P; q++) trace += W[q] * W[q];
    cst[k] = Math.log(theta.weights[k]) - 0.5 * (d * LOG_2PI + choleskyLogDet(l, d)) - 0.5 * ridge * trace;
  }
  return estep.run(W, cst, theta.means);
}

/** L⁻¹ of a lower-triangular L, written packed by rows (row i holds columns 0…i). */
function packInverse(l: Float64Array, d: number, out: Float64Array, offset: number): void {
  const inv = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    inv[j * d + j] = 1 / l[j * d + j];
    for (let i = j + 1; i < d; i++) {
      let s = 0;
      for (let p = j; p < i; p++) s += l[i * d + p] * inv[p * d + j];
      inv[i * d + j] = -s / l[i * d + i];
    }
  }
  let q = offset;
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) out[q++] = inv[i * d + j];
}

function mStep(s: Stats, old: Params, d: number, K: number, ridge: number): Params {
  const P = (d * (d + 1)) / 2;
  const weights = new Float64Array(K);
  const means = new Float64Array(K * d);
  const covs = new Float64Array(K * d * d);
  // Σ N_k = n but for the responsibilities below R_MIN that the statistics leave out.
  let total = 0;
  for (let k = 0; k < K; k++) total += s.N[k];
  for (let k = 0; k < K; k++) {
    const Nk = s.N[k];
    weights[k] = Nk / total;
    if (!(Nk > 1e-12)) {
      // Nothing to estimate from: keep the old shape so the parameters stay valid (weight ≈ 0).
      means.set(old.means.subarray(k * d, (k + 1) * d), k * d);
      covs.set(old.covs.subarray(k * d * d, (k + 1) * d * d), k * d * d);
      continue;
    }
    for (let i = 0; i < d; i++) means[k * d + i] = s.SX[k * d + i] / Nk;
    let q = k * P;
    const o = k * d * d;
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const v = s.ST[q++] / Nk - means[k * d + i] * means[k * d + j];
        covs[o + i * d + j] = v;
        covs[o + j * d + i] = v;
      }
      covs[o + i * d + i] += ridge;
    }
  }
  return { weights, means, covs };
}

function reseed(theta: Params, collapsed: number[], X: Float64Array, n: number, d: number, K: number, globalCov: Float64Array, rand: () => number): Params {
  const weights = Float64Array.from(theta.weights);
  const means = Float64Array.from(theta.means);
  const covs = Float64Array.from(theta.covs);
  for (const k of collapsed) {
    const p = Math.floor(rand() * n);
    means.set(X.subarray(p * d, (p + 1) * d), k * d);
    covs.set(globalCov, k * d * d);
    weights[k] = 1 / K;
  }
  let sum = 0;
  for (let k = 0; k < K; k++) sum += weights[k];
  for (let k = 0; k < K; k++) weights[k] /= sum;
  return { weights, means, covs };
}

/** Covariance of (already centred) rows plus the ridge. */
function dataCovariance(X: Float64Array, n: number, d: number, ridge: number): Float64Array {
  const cov = new Float64Array(d * d);
  for (let p = 0; p < n; p++) {
    const o = p * d;
    for (let i = 0; i < d; i++) {
      const xi = X[o + i] / n;
      for (let j = i; j < d; j++) cov[i * d + j] += xi * X[o + j];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) cov[i * d + j] = cov[j * d + i];
    cov[i * d + i] += ridge;
  }
  return cov;
}

/** k-means++ seeding, 5 Lloyd steps, then per-cluster weights, means and covariances (+ ridge). */
function kmeansInit(X: Float64Array, n: number, d: number, K: number, ridge: number, globalCov: Float64Array, rand: () => number): { theta: Params; label: Int32Array } {
  const centres = new Float64Array(K * d);
  const d2 = new Float64Array(n).fill(Infinity);
  let pick = Math.floor(rand() * n);
  for (let c = 0; c < K; c++) {
    centres.set(X.subarray(pick * d, (pick + 1) * d), c * d);
    let total = 0;
    for (let p = 0; p < n; p++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += (X[p * d + i] - centres[c * d + i]) ** 2;
      if (s < d2[p]) d2[p] = s;
      total += d2[p];
    }
    // Next centre with probability ∝ squared distance to the nearest chosen one (D² sampling).
    let u = rand() * total;
    pick = Math.floor(rand() * n);
    if (total > 0) {
      for (let p = 0; p < n; p++) {
        u -= d2[p];
        if (u < 0) {
          pick = p;
          break;
        }
      }
    }
  }
  const label = new Int32Array(n);
  const assign = () => {
    for (let p = 0; p < n; p++) {
      let best = 0, bestD = Infinity;
      for (let c = 0; c < K; c++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += (X[p * d + i] - centres[c * d + i]) ** 2;
        if (s < bestD) {
          bestD = s;
          best = c;
        }
      }
      label[p] = best;
    }
  };
  const counts = new Float64Array(K);
  for (let it = 0; it < 5; it++) {
    assign();
    const sums = new Float64Array(K * d);
    counts.fill(0);
    for (let p = 0; p < n; p++) {
      counts[label[p]]++;
      for (let i = 0; i < d; i++) sums[label[p] * d + i] += X[p * d + i];
    }
    for (let c = 0; c < K; c++) if (counts[c] > 0) for (let i = 0; i < d; i++) centres[c * d + i] = sums[c * d + i] / counts[c];
  }
  assign();
  // Hard responsibilities through the same M-step as EM.
  const P = (d * (d + 1)) / 2;
  const stats: Stats = { ll: 0, N: new Float64Array(K), SX: new Float64Array(K * d), ST: new Float64Array(K * P) };
  for (let p = 0; p < n; p++) {
    const k = label[p];
    stats.N[k]++;
    let q = k * P;
    for (let i = 0; i < d; i++) {
      stats.SX[k * d + i] += X[p * d + i];
      for (let j = i; j < d; j++) stats.ST[q++] += X[p * d + i] * X[p * d + j];
    }
  }
  const fallback: Params = { weights: new Float64Array(K), means: centres, covs: new Float64Array(K * d * d) };
  for (let k = 0; k < K; k++) fallback.covs.set(globalCov, k * d * d);
  const theta = mStep(stats, fallback, d, K, ridge);
  // Clusters too small for a covariance (fewer than 2 patches) start from the data covariance.
  for (let k = 0; k < K; k++) {
    if (stats.N[k] < 2) {
      theta.covs.set(globalCov, k * d * d);
      theta.weights[k] = Math.max(theta.weights[k], 1 / n);
    }
  }
  let sum = 0;
  for (let k = 0; k < K; k++) sum += theta.weights[k];
  for (let k = 0; k < K; k++) theta.weights[k] /= sum;
  return { theta, label };
}

/** The fit as a GmmPrior of kind 'full'; components with zero weight are dropped. */
export function toGmmPrior(fit: PatchGmmFit): GmmPrior {
  const d = fit.dim;
  const keep = [...fit.weights.keys()].filter((k) => fit.weights[k] > 0);
  const weights = Float64Array.from(keep, (k) => fit.weights[k]);
  const sum = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) weights[i] /= sum;
  const means = new Float64Array(keep.length * d);
  const cov = new Float64Array(keep.length * d * d);
  keep.forEach((k, i) => {
    means.set(fit.means.subarray(k * d, (k + 1) * d), i * d);
    cov.set(fit.covariances.subarray(k * d * d, (k + 1) * d * d), i * d * d);
  });
  return { kind: 'full', dim: d, components: keep.length, weights, means, cov };
}

/** Problem-file form of the prior: { type: 'gmm', weights, means, covariance: { type: 'full', matrices } }. */
export interface GmmPriorJson {
  type: 'gmm';
  weights: number[];
  means: number[][];
  covariance: { type: 'full'; matrices: number[][][] };
}

export function toGmmJson(fit: PatchGmmFit): GmmPriorJson {
  const g = toGmmPrior(fit);
  const d = g.dim;
  const rows = (a: Float64Array, off: number, r: number) => Array.from({ length: r }, (_, i) => Array.from(a.subarray(off + i * d, off + (i + 1) * d)));
  return {
    type: 'gmm',
    weights: Array.from(g.weights),
    means: rows(g.means, 0, g.components),
    covariance: { type: 'full', matrices: Array.from({ length: g.components }, (_, k) => rows(g.cov, k * d * d, d)) },
  };
}

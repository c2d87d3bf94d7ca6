// SPDX-License-Identifier: MIT
// How far to trust a run: per-chain status, data fit, and — where the exact posterior is known —
// the distance of the samples to it (moments and mode weights).
import { cholesky, choleskyLogDet, forwardSubstitute } from '../math/linalg.js';
import type { ExactPosterior, FullGmm } from '../math/posterior.js';
import { applyOperator } from '../math/applyOperator.js';
import type { Problem } from '../types.js';
import { operatorRows } from '../types.js';
import type { DivergenceReport } from '../engine/chains.js';
import type { ChainSummary } from './mcmc.js';
import type { SmcReport } from '../smc/engine.js';
import { abortError } from '../errors.js';

// The loops over chains are generators that pause every CHUNK chains. Run synchronously they are
// plain loops; run by chunked() they give the event loop a turn every ~20 ms of work and stop on
// the signal, so at a million chains the tail after the native phases stays cancellable.
type Steps<T> = Generator<void, T, void>;
const CHUNK = 1024;

function runSync<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Drive `steps`, yielding to the event loop after ≥ sliceMs of work and checking `signal` then. */
export async function chunked<T>(steps: Steps<T>, signal?: AbortSignal, sliceMs = 20): Promise<T> {
  let start = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - start < sliceMs) continue;
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw abortError(signal);
    start = performance.now();
  }
}

export interface ExactComparison {
  /** max_i |mean_i − exact_i| / (exact sd_i / √n): about N(0,1) per coordinate for exact samples. */
  meanZMax: number;
  /** ‖Ĉ − C‖_F / ‖C‖_F. */
  covarianceRelError: number;
  /** Posterior mode weights, and the mean responsibility of each mode over the samples (unbiased for them). */
  modeWeights: { exact: number[]; sampled: number[]; totalVariation: number };
  /**
   * Per-mode means: Σ r_k(x)x / Σ r_k(x) against μ̃_k, as max |z| over coordinates and modes of weight
   * ≥ 0.05 (E_π[r_k(X) X] = w̃_k μ̃_k exactly, so z is about N(0,1) for exact samples).
   */
  modeMeanZMax: number;
}

export interface Diagnostics {
  chains: number;
  finite: number;
  divergence: DivergenceReport;
  /** Mean over finite chains of ‖Ax − y‖/√m, next to η (absent without a likelihood). */
  residual?: { rms: number; noiseStd: number };
  /** Sample mean (finite chains), when d ≤ 64. */
  mean?: number[];
  exact?: ExactComparison;
  /** Reweighted samplers: levels, ESS, resampling, acceptance and the evidence estimate log p(y). */
  reweighting?: SmcReport;
  /** Split-R̂ (rank-normalised, folded) and bulk/tail ESS of the convergence draws, worst over the first 16 coordinates. */
  convergence?: ChainSummary & { draws: number; thin: number };
}

/** Moments of the rows of x[n*d] whose mask is set. */
export function sampleMoments(x: Float32Array, d: number, keep: (c: number) => boolean): { n: number; mean: Float64Array; cov: Float64Array } {
  return runSync(sampleMomentsSteps(x, d, keep));
}

function* sampleMomentsSteps(x: Float32Array, d: number, keep: (c: number) => boolean): Steps<{ n: number; mean: Float64Array; cov: Float64Array }> {
  const chains = x.length / d;
  const mean = new Float64Array(d);
  let n = 0;
  for (let c = 0; c < chains; c++) {
    if (c % CHUNK === CHUNK - 1) yield;
    if (!keep(c)) continue;
    n++;
    for (let i = 0; i < d; i++) mean[i] += x[c * d + i];
  }
  for (let i = 0; i < d; i++) mean[i] /= Math.max(n, 1);
  const cov = new Float64Array(d * d);
  const r = new Float64Array(d);
  for (let c = 0; c < chains; c++) {
    if (c % CHUNK === CHUNK - 1) yield;
    if (!keep(c)) continue;
    for (let i = 0; i < d; i++) r[i] = x[c * d + i] - mean[i];
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) cov[i * d + j] += r[i] * r[j];
  }
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      const v = cov[i * d + j] / Math.max(n - 1, 1);
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  return { n, mean, cov };
}

/** Responsibilities of each component of a full-covariance GMM, averaged over rows, and the responsibility-weighted means. */
export function meanResponsibilities(g: FullGmm, x: Float32Array, keep: (c: number) => boolean): { weights: number[]; means: Float64Array; n: number } {
  return runSync(meanResponsibilitiesSteps(g, x, keep));
}

function* meanResponsibilitiesSteps(g: FullGmm, x: Float32Array, keep: (c: number) => boolean): Steps<{ weights: number[]; means: Float64Array; n: number }> {
  const { dim: d, components: K } = g;
  const chol = [] as Float64Array[];
  const logNorm = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const l = cholesky(g.covariances.subarray(k * d * d, (k + 1) * d * d), d, 'posterior covariance');
    chol.push(l);
    logNorm[k] = Math.log(g.weights[k]) - 0.5 * choleskyLogDet(l, d);
  }
  const acc = new Float64Array(K);
  const means = new Float64Array(K * d);
  const logp = new Float64Array(K);
  const r = new Float64Array(d);
  let n = 0;
  for (let c = 0; c < x.length / d; c++) {
    if (c % CHUNK === CHUNK - 1) yield;
    if (!keep(c)) continue;
    n++;
    let mx = -Infinity;
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < d; i++) r[i] = x[c * d + i] - g.means[k * d + i];
      const z = forwardSubstitute(chol[k], r, d);
      let q = 0;
      for (let i = 0; i < d; i++) q += z[i] * z[i];
      logp[k] = logNorm[k] - 0.5 * q;
      mx = Math.max(mx, logp[k]);
    }
    let s = 0;
    for (let k = 0; k < K; k++) s += (logp[k] = Math.exp(logp[k] - mx));
    for (let k = 0; k < K; k++) {
      const r = logp[k] / s;
      acc[k] += r;
      for (let i = 0; i < d; i++) means[k * d + i] += r * x[c * d + i];
    }
  }
  for (let k = 0; k < K; k++) for (let i = 0; i < d; i++) means[k * d + i] /= Math.max(acc[k], 1e-300);
  return { weights: Array.from(acc, (v) => v / Math.max(n, 1)), means, n };
}

export function compareWithExact(post: ExactPosterior, x: Float32Array, keep: (c: number) => boolean): ExactComparison {
  return runSync(compareWithExactSteps(post, x, keep));
}

function* compareWithExactSteps(post: ExactPosterior, x: Float32Array, keep: (c: number) => boolean): Steps<ExactComparison> {
  const d = post.dim;
  const { n, mean, cov } = yield* sampleMomentsSteps(x, d, keep);
  let meanZMax = 0;
  let num = 0;
  let den = 0;
  for (let i = 0; i < d; i++) {
    const se = Math.sqrt(post.covariance[i * d + i] / Math.max(n, 1));
    meanZMax = Math.max(meanZMax, Math.abs(mean[i] - post.mean[i]) / se);
  }
  for (let i = 0; i < d * d; i++) {
    num += (cov[i] - post.covariance[i]) ** 2;
    den += post.covariance[i] ** 2;
  }
  const resp = yield* meanResponsibilitiesSteps(post, x, keep);
  const sampled = resp.weights;
  const exact = Array.from(post.weights);
  const totalVariation = 0.5 * exact.reduce((s, w, k) => s + Math.abs(w - sampled[k]), 0);
  let modeMeanZMax = 0;
  for (let k = 0; k < post.components; k++) {
    if (exact[k] < 0.05) continue;
    for (let i = 0; i < d; i++) {
      const se = Math.sqrt(post.covariances[k * d * d + i * d + i] / (resp.n * exact[k]));
      modeMeanZMax = Math.max(modeMeanZMax, Math.abs(resp.means[k * d + i] - post.means[k * d + i]) / se);
    }
  }
  return { meanZMax, covarianceRelError: Math.sqrt(num / den), modeWeights: { exact, sampled, totalVariation }, modeMeanZMax };
}

/** Exact comparisons cost O(n K d²); above this dimension they are skipped. */
export const EXACT_DIAGNOSTICS_MAX_DIM = 256;

export function diagnose(problem: Problem, x: Float32Array, status: Int32Array, divergence: DivergenceReport, exact?: ExactPosterior): Diagnostics {
  return runSync(diagnoseSteps(problem, x, status, divergence, exact));
}

/** diagnose, in slices that leave the event loop free; E_ABORTED as soon as `signal` aborts. */
export function diagnoseChunked(problem: Problem, x: Float32Array, status: Int32Array, divergence: DivergenceReport, exact: ExactPosterior | undefined, signal?: AbortSignal): Promise<Diagnostics> {
  return chunked(diagnoseSteps(problem, x, status, divergence, exact), signal);
}

function* diagnoseSteps(problem: Problem, x: Float32Array, status: Int32Array, divergence: DivergenceReport, exact?: ExactPosterior): Steps<Diagnostics> {
  const d = problem.prior.dim;
  const chains = status.length;
  const keep = (c: number) => status[c] < 0;
  const out: Diagnostics = { chains, finite: chains - divergence.diverged, divergence };
  const lik = problem.likelihood;
  if (lik) {
    const m = operatorRows(lik.operator);
    const ax = new Float64Array(m);
    let total = 0;
    let n = 0;
    for (let c = 0; c < chains; c++) {
      if (c % CHUNK === CHUNK - 1) yield;
      if (!keep(c)) continue;
      applyOperator(lik.operator, x.subarray(c * d, (c + 1) * d), ax);
      let ss = 0;
      for (let j = 0; j < m; j++) ss += (ax[j] - lik.y[j]) ** 2;
      total += Math.sqrt(ss / m);
      n++;
    }
    out.residual = { rms: total / Math.max(n, 1), noiseStd: lik.noiseStd };
  }
  if (d <= 64) out.mean = Array.from((yield* sampleMomentsSteps(x, d, keep)).mean);
  if (exact && out.finite > 1) out.exact = yield* compareWithExactSteps(exact, x, keep);
  return out;
}

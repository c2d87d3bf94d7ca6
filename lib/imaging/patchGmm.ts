// SPDX-License-Identifier: MIT
// EM fit of a full-covariance Gaussian mixture to patches: the prior of EPLL-style patch sampling.
// One pass over the data per iteration does the E-step (log-sum-exp responsibilities through each
// component's inverse Cholesky factor) and accumulates the M-step's sufficient statistics; the pass
// runs in fixed chunks, optionally spread over worker threads, and is summed in a fixed order.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { invalid, LangevinError } from '../errors.js';
import { cholesky, choleskyLogDet } from '../linalg.js';
import type { GmmPrior } from '../types.js';
import { mulberry32 } from '../prng.js';
import { LOG_2PI } from '../numeric.js';

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

interface Stats {
  ll: number; // mean log-likelihood per patch of the parameters the pass used
  N: Float64Array; // [K] Σ r
  SX: Float64Array; // [K*d] Σ r x
  ST: Float64Array; // [K*P] Σ r x xᵀ, packed upper triangle by rows
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
 * E-step and sufficient statistics of points [from, to) into `out` = [Σ log p(x), N (K), SX (K·d),
 * ST (K·P)], ST the packed upper triangles of Σ r·x·xᵀ. Self-contained (no outer references) so
 * worker threads can run its source text.
 *
 * Points are visited sorted by their leading component (`best`, from the previous pass; updated
 * here), four at a time, so each loaded factor entry serves four points. A component whose
 * log-density falls PRUNE = 40 nats below a point's best has responsibility < e^−40 ≈ 4e−18, below
 * double rounding in the log-sum-exp; the Mahalanobis sum only grows row by row, so its evaluation
 * stops once all four points are past that bar. Responsibilities below R_MIN = 1e−12 are left out of
 * the statistics (they move N_k by < n·1e−12 in all), which makes the M-step's cost about 1.5
 * components per patch instead of K.
 */
function chunkKernel(X: Float64Array, d: number, K: number, W: Float64Array, cst: Float64Array, mu: Float64Array, best: Int32Array, from: number, to: number, out: Float64Array): void {
  const PRUNE = 40;
  const R_MIN = 1e-12;
  const P = (d * (d + 1)) / 2;
  const SX0 = 1 + K, ST0 = 1 + K + K * d;
  out.fill(0);
  const start = new Int32Array(K + 1);
  for (let p = from; p < to; p++) start[best[p] + 1]++;
  for (let k = 0; k < K; k++) start[k + 1] += start[k];
  const order = new Int32Array(to - from);
  for (let p = from; p < to; p++) order[start[best[p]]++] = p;

  const lp = new Float64Array(4 * K);
  const r4 = new Float64Array(4 * K);
  const C4 = new Float64Array(4 * d); // centred points, interleaved: C4[4j + t]
  const XB = new Float64Array(4 * d); // the same points uncentred, for the statistics
  const o4 = new Int32Array(4);
  const max = new Float64Array(4);
  const lim = new Float64Array(4);
  const mm = new Float64Array(4);
  let total = 0;
  for (let b = 0; b < order.length; b += 4) {
    const m = Math.min(4, order.length - b);
    for (let t = 0; t < 4; t++) o4[t] = order[b + Math.min(t, m - 1)] * d; // a short last block repeats its last point
    max.fill(-Infinity);
    const first = best[order[b]];
    for (let step = 0; step < K; step++) {
      const k = step === 0 ? first : step <= first ? step - 1 : step;
      for (let t = 0; t < 4; t++) lp[4 * k + t] = -Infinity;
      if (cst[k] === -Infinity) continue;
      for (let t = 0; t < 4; t++) lim[t] = 2 * (cst[k] - max[t] + PRUNE);
      for (let j = 0; j < d; j++) {
        const mj = mu[k * d + j];
        for (let t = 0; t < 4; t++) C4[4 * j + t] = X[o4[t] + j] - mj;
      }
      let m0 = 0, m1 = 0, m2 = 0, m3 = 0;
      let q = k * P;
      let i = 0;
      for (; i < d; i++) {
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let j = 0; j <= i; j++) {
          const wv = W[q + j];
          const cj = 4 * j;
          s0 += wv * C4[cj];
          s1 += wv * C4[cj + 1];
          s2 += wv * C4[cj + 2];
          s3 += wv * C4[cj + 3];
        }
        q += i + 1;
        m0 += s0 * s0;
        m1 += s1 * s1;
        m2 += s2 * s2;
        m3 += s3 * s3;
        if (m0 > lim[0] && m1 > lim[1] && m2 > lim[2] && m3 > lim[3]) break;
      }
      if (i < d) continue;
      mm[0] = m0, mm[1] = m1, mm[2] = m2, mm[3] = m3;
      for (let t = 0; t < 4; t++) {
        const v = (lp[4 * k + t] = cst[k] - 0.5 * mm[t]);
        if (v > max[t]) max[t] = v;
      }
    }
    // Log-sum-exp, leading component and responsibilities of each real point of the block.
    for (let t = 0; t < 4; t++) {
      if (t >= m) {
        for (let k = 0; k < K; k++) r4[4 * k + t] = 0; // the repeated filler point counts for nothing
        continue;
      }
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp(lp[4 * k + t] - max[t]);
        if (e === 1) best[order[b + t]] = k;
        r4[4 * k + t] = e;
        sum += e;
      }
      for (let k = 0; k < K; k++) {
        const r = r4[4 * k + t] / sum;
        r4[4 * k + t] = r < R_MIN ? 0 : r;
      }
      total += max[t] + Math.log(sum);
    }
    // Weighted moments of the four points, one sweep over ST per component any of them touches.
    for (let j = 0; j < d; j++) for (let t = 0; t < 4; t++) XB[4 * j + t] = X[o4[t] + j];
    for (let k = 0; k < K; k++) {
      const r0 = r4[4 * k], r1 = r4[4 * k + 1], r2 = r4[4 * k + 2], r3 = r4[4 * k + 3];
      if (r0 === 0 && r1 === 0 && r2 === 0 && r3 === 0) continue;
      out[1 + k] += r0 + r1 + r2 + r3;
      let q = ST0 + k * P;
      for (let i = 0; i < d; i++) {
        const a0 = r0 * XB[4 * i], a1 = r1 * XB[4 * i + 1], a2 = r2 * XB[4 * i + 2], a3 = r3 * XB[4 * i + 3];
        out[SX0 + k * d + i] += a0 + a1 + a2 + a3;
        for (let j = i; j < d; j++) out[q++] += a0 * XB[4 * j] + a1 * XB[4 * j + 1] + a2 * XB[4 * j + 2] + a3 * XB[4 * j + 3];
      }
    }
  }
  out[0] = total;
}

// Points per chunk. Chunks are fixed by n alone and their statistics are summed in chunk order, so
// a fit is bit-identical whatever the thread count.
const CHUNK = 1024;

// Worker loop: wait for a new generation in ctrl[0], take chunks from ctrl[1] until none is left,
// count each finished one in ctrl[2]; ctrl[3] = 1 means quit; ctrl[4] = 1 reports a failed chunk
// (the caller is blocked and cannot see worker events, so failures travel through shared memory).
const WORKER_SOURCE = `'use strict';
const { workerData: w } = require('node:worker_threads');
${chunkKernel.toString()}
const ctrl = new Int32Array(w.ctrl), X = new Float64Array(w.X), best = new Int32Array(w.best);
const params = new Float64Array(w.params), out = new Float64Array(w.out);
const { n, d, K, L, chunks, chunk } = w, P = (d * (d + 1)) / 2;
const W = params.subarray(0, K * P), cst = params.subarray(K * P, K * P + K), mu = params.subarray(K * P + K);
let gen = 0;
for (;;) {
  Atomics.wait(ctrl, 0, gen);
  gen = Atomics.load(ctrl, 0);
  if (Atomics.load(ctrl, 3) === 1) break;
  for (let c; (c = Atomics.add(ctrl, 1, 1)) < chunks; ) {
    try {
      chunkKernel(X, d, K, W, cst, mu, best, c * chunk, Math.min(n, (c + 1) * chunk), out.subarray(c * L, (c + 1) * L));
    } catch {
      Atomics.store(ctrl, 4, 1);
    }
    Atomics.add(ctrl, 2, 1);
    Atomics.notify(ctrl, 2);
  }
}`;

/**
 * Runs the E-step over all chunks, on the calling thread alone or with worker threads sharing the
 * data through SharedArrayBuffers. The caller blocks (Atomics.wait) while workers run, so the fit
 * stays synchronous; workers are released by close().
 */
class EStep {
  readonly chunks: number;
  private readonly L: number;
  private readonly P: number;
  private readonly X: Float64Array;
  private readonly best: Int32Array;
  private readonly params: Float64Array;
  private readonly out: Float64Array;
  private readonly ctrl: Int32Array;
  private readonly workers: Worker[] = [];

  constructor(X: Float64Array, best: Int32Array, private readonly n: number, private readonly d: number, private readonly K: number, threads: number) {
    this.P = (d * (d + 1)) / 2;
    this.L = 1 + K + K * d + K * this.P;
    this.chunks = Math.ceil(n / CHUNK);
    const helpers = Math.min(threads, this.chunks) - 1;
    const shared = (bytes: number) => (helpers > 0 ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    this.X = new Float64Array(shared(X.byteLength));
    this.X.set(X);
    this.best = new Int32Array(shared(best.byteLength));
    this.best.set(best);
    this.params = new Float64Array(shared(8 * (K * this.P + K + K * d)));
    this.out = new Float64Array(shared(8 * this.chunks * this.L));
    this.ctrl = new Int32Array(shared(32));
    for (let i = 0; i < helpers; i++) {
      const workerData = { ctrl: this.ctrl.buffer, X: this.X.buffer, best: this.best.buffer, params: this.params.buffer, out: this.out.buffer, n, d, K, L: this.L, chunks: this.chunks, chunk: CHUNK };
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
      worker.unref();
      this.workers.push(worker);
    }
  }

  run(W: Float64Array, cst: Float64Array, mu: Float64Array): Stats {
    const { K, d, P, L, ctrl } = this;
    this.params.set(W, 0);
    this.params.set(cst, K * P);
    this.params.set(mu, K * P + K);
    const Wv = this.params.subarray(0, K * P), cv = this.params.subarray(K * P, K * P + K), mv = this.params.subarray(K * P + K);
    Atomics.store(ctrl, 2, 0);
    Atomics.store(ctrl, 1, 0);
    Atomics.add(ctrl, 0, 1);
    Atomics.notify(ctrl, 0);
    for (let c; (c = Atomics.add(ctrl, 1, 1)) < this.chunks; ) {
      chunkKernel(this.X, d, K, Wv, cv, mv, this.best, c * CHUNK, Math.min(this.n, (c + 1) * CHUNK), this.out.subarray(c * L, (c + 1) * L));
      Atomics.add(ctrl, 2, 1);
    }
    // A worker that dies mid-chunk never reports; no progress for a minute (chunks take milliseconds) means that.
    let last = -1, since = Date.now();
    for (let done; (done = Atomics.load(ctrl, 2)) < this.chunks; ) {
      if (done !== last) {
        last = done;
        since = Date.now();
      } else if (Date.now() - since > 60_000) {
        throw new LangevinError('E_DEVICE', 'fitPatchGmm: a worker thread stopped responding');
      }
      Atomics.wait(ctrl, 2, done, 1000);
    }
    if (Atomics.load(ctrl, 4) === 1) throw new LangevinError('E_DEVICE', 'fitPatchGmm: a worker thread failed during the E-step');
    const sum = new Float64Array(L);
    for (let c = 0; c < this.chunks; c++) for (let i = 0; i < L; i++) sum[i] += this.out[c * L + i];
    return { ll: sum[0] / this.n, N: sum.slice(1, 1 + K), SX: sum.slice(1 + K, 1 + K + K * d), ST: sum.slice(1 + K + K * d) };
  }

  close(): void {
    if (this.workers.length === 0) return;
    Atomics.store(this.ctrl, 3, 1);
    Atomics.add(this.ctrl, 0, 1);
    Atomics.notify(this.ctrl, 0);
    for (const w of this.workers) void w.terminate();
  }
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

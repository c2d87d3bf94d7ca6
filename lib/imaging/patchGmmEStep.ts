// SPDX-License-Identifier: MIT
// The E-step pass of the patch-GMM EM fit: responsibilities and the M-step's sufficient statistics
// over fixed chunks of the data, on the calling thread alone or with worker threads that share the
// data through SharedArrayBuffers and run the same chunk kernel.

import { Worker } from 'node:worker_threads';
import { LangevinError } from '../errors.js';

const WORKER_URL = new URL('./patchGmmWorker.js', import.meta.url);

export interface Stats {
  ll: number; // mean log-likelihood per patch of the parameters the pass used
  N: Float64Array; // [K] Σ r
  SX: Float64Array; // [K*d] Σ r x
  ST: Float64Array; // [K*P] Σ r x xᵀ, packed upper triangle by rows
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
// Runs in the worker threads started by EStep (patchGmmWorker.ts is their entry point).
export interface EStepWorkerData {
  ctrl: SharedArrayBuffer;
  X: SharedArrayBuffer;
  best: SharedArrayBuffer;
  params: SharedArrayBuffer;
  out: SharedArrayBuffer;
  n: number;
  d: number;
  K: number;
  L: number;
  chunks: number;
  chunk: number;
}

export function serveEStep(w: EStepWorkerData): void {
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
  }
}

/**
 * Runs the E-step over all chunks, on the calling thread alone or with worker threads sharing the
 * data through SharedArrayBuffers. The caller blocks (Atomics.wait) while workers run, so the fit
 * stays synchronous; workers are released by close().
 */
export class EStep {
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
      const worker = new Worker(WORKER_URL, { workerData });
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

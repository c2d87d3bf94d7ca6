// SPDX-License-Identifier: MIT
// Preconditioner of the Langevin moves at one level of a reweighted path: P = H⁻¹ with
// H = (a²Σ̄ + b²β̄I)⁻¹ + c·AᵀA, the precision of a Gaussian with the prior components' average
// covariance Σ̄ (noised to the level) under the level's likelihood weight c. When the mixture's
// components share a covariance, P whitens each mode exactly, so the moves mix within a mode in a
// handful of steps whatever the conditioning (ill-conditioned covariances, σ ≪ 1). Also the
// curvature range of each component in P's metric, which sets the step size and the moves needed.
import { cholesky, symmetricEigen } from '../math/linalg.js';
import type { PriorTables } from '../engine/nativeTables.js';
import { operatorMatrix, OPERATOR_MATRIX_MAX_ENTRIES } from '../math/posterior.js';
import type { Operator } from '../types.js';
import { operatorCols, operatorRows } from '../types.js';

/** Above this dimension P (d×d, O(d³) per level) is not formed; moves are then unpreconditioned. */
export const PRECONDITION_MAX_DIM = 256;

export interface LevelPreconditioner {
  /** Lower-triangular L with P = LLᵀ, row-major [d*d] (float, for native code). */
  readonly factor: Float32Array;
  /** Smallest and largest eigenvalue of LᵀH_kL over the components k (1 and 1 when P is exact). */
  readonly curvature: { min: number; max: number };
}

export interface Preconditioning {
  at(a: number, b2: number, c: number): LevelPreconditioner;
}

/** A preconditioner factory for GMM tables and an operator, or undefined where P cannot be formed. */
export function preconditioning(tables: PriorTables, op: Operator | undefined): Preconditioning | undefined {
  const d = tables.dim;
  if (tables.patch || tables.components === 0 || d > PRECONDITION_MAX_DIM) return undefined;
  if (op && operatorRows(op) * operatorCols(op) > OPERATOR_MATRIX_MAX_ENTRIES) return undefined;
  const K = tables.components;
  const w = Float64Array.from(tables.logWeights, Math.exp);
  const wSum = w.reduce((s, v) => s + v, 0);
  for (let k = 0; k < K; k++) w[k] /= wSum;
  const beta = (k: number) => tables.noiseScale?.[k] ?? 1;
  // Σ̄ = Σ_k w_k Σ_k and β̄ = Σ_k w_k β_k.
  const avg = new Float64Array(d * d);
  let betaBar = 0;
  for (let k = 0; k < K; k++) {
    betaBar += w[k] * beta(k);
    if (tables.covKind === 0) for (let i = 0; i < d; i++) avg[i * d + i] += w[k] * tables.variances[k];
    else if (tables.covKind === 1) for (let i = 0; i < d; i++) avg[i * d + i] += w[k] * tables.variances[k * d + i];
    else {
      const U = tables.eigenvectors!;
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) {
          let s = 0;
          for (let q = 0; q < d; q++) s += U[k * d * d + i * d + q] * tables.variances[k * d + q] * U[k * d * d + j * d + q];
          avg[i * d + j] += w[k] * s;
        }
    }
  }
  const { values: sig, vectors: V } = symmetricEigen(avg, d);
  const ata = new Float64Array(d * d);
  if (op) {
    const A = operatorMatrix(op);
    const m = operatorRows(op);
    for (let r = 0; r < m; r++)
      for (let i = 0; i < d; i++) {
        const ai = A[r * d + i];
        if (ai === 0) continue;
        for (let j = 0; j < d; j++) ata[i * d + j] += ai * A[r * d + j];
      }
  }
  // Components whose curvature is checked: all, or the 16 heaviest (a Student-t base has K·nodes).
  const order = Array.from({ length: K }, (_, k) => k).sort((p, q) => w[q] - w[p]).slice(0, 16);
  const cache = new Map<string, LevelPreconditioner>();

  return {
    at(a, b2, c) {
      const key = `${a},${b2},${c}`;
      const hit = cache.get(key);
      if (hit) return hit;
      // H = V diag(1/(a²σ + b²β̄)) Vᵀ + c AᵀA, then P = H⁻¹ by its Cholesky factor, then L = chol(P).
      const H = new Float64Array(d * d);
      for (let i = 0; i < d; i++)
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let q = 0; q < d; q++) s += (V[i * d + q] * V[j * d + q]) / (a * a * sig[q] + b2 * betaBar);
          s += c * ata[i * d + j];
          H[i * d + j] = s;
          H[j * d + i] = s;
        }
      const P = inverseSpd(H, d);
      const L = cholesky(P, d, 'preconditioner');
      const curvature = curvatureRange(L, d, (k, v, out) => componentPrecision(tables, k, a, b2, c, ata, v, out), order);
      const out: LevelPreconditioner = { factor: Float32Array.from(L), curvature };
      cache.set(key, out);
      return out;
    },
  };
}

/** H⁻¹ of a symmetric positive definite matrix through its Cholesky factor. */
function inverseSpd(H: Float64Array, d: number): Float64Array {
  const R = cholesky(H, d, 'precision');
  // R⁻¹ (lower triangular), then H⁻¹ = R⁻ᵀR⁻¹.
  const Ri = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    Ri[j * d + j] = 1 / R[j * d + j];
    for (let i = j + 1; i < d; i++) {
      let s = 0;
      for (let p = j; p < i; p++) s += R[i * d + p] * Ri[p * d + j];
      Ri[i * d + j] = -s / R[i * d + i];
    }
  }
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = i; p < d; p++) s += Ri[p * d + i] * Ri[p * d + j];
      out[i * d + j] = s;
      out[j * d + i] = s;
    }
  return out;
}

/** out = H_k v with H_k = (a²Σ_k + b²β_kI)⁻¹ + c·AᵀA. */
function componentPrecision(t: PriorTables, k: number, a: number, b2: number, c: number, ata: Float64Array, v: Float64Array, out: Float64Array): void {
  const d = t.dim;
  const beta = t.noiseScale?.[k] ?? 1;
  if (t.covKind === 0) {
    const inv = 1 / (a * a * t.variances[k] + b2 * beta);
    for (let i = 0; i < d; i++) out[i] = inv * v[i];
  } else if (t.covKind === 1) {
    for (let i = 0; i < d; i++) out[i] = v[i] / (a * a * t.variances[k * d + i] + b2 * beta);
  } else {
    const U = t.eigenvectors!;
    const z = new Float64Array(d);
    for (let q = 0; q < d; q++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += U[k * d * d + i * d + q] * v[i];
      z[q] = s / (a * a * t.variances[k * d + q] + b2 * beta);
    }
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let q = 0; q < d; q++) s += U[k * d * d + i * d + q] * z[q];
      out[i] = s;
    }
  }
  if (c !== 0)
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += ata[i * d + j] * v[j];
      out[i] += c * s;
    }
}

/**
 * Extreme eigenvalues of LᵀH_kL over the listed components by power iteration (the largest, then
 * the smallest through λ_max·I − LᵀH_kL), from a fixed start: 60 iterations each.
 */
function curvatureRange(L: Float64Array, d: number, applyH: (k: number, v: Float64Array, out: Float64Array) => void, components: number[]): { min: number; max: number } {
  const t1 = new Float64Array(d), t2 = new Float64Array(d);
  const apply = (k: number, v: Float64Array, out: Float64Array) => {
    // out = Lᵀ H L v
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let p = 0; p <= i; p++) s += L[i * d + p] * v[p];
      t1[i] = s;
    }
    applyH(k, t1, t2);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let p = i; p < d; p++) s += L[p * d + i] * t2[p];
      out[i] = s;
    }
  };
  const power = (f: (v: Float64Array, out: Float64Array) => void): number => {
    let v = Float64Array.from({ length: d }, (_, i) => 1 + 0.37 * Math.sin(1.3 * i + 0.5));
    let w = new Float64Array(d);
    let lam = 0;
    for (let it = 0; it < 60; it++) {
      const n = Math.hypot(...v);
      if (!(n > 1e-300)) return 0; // the operator vanished on v (λ_max·I − M = 0: all eigenvalues equal)
      for (let i = 0; i < d; i++) v[i] /= n;
      f(v, w);
      lam = 0;
      for (let i = 0; i < d; i++) lam += v[i] * w[i];
      [v, w] = [w, v];
    }
    return lam;
  };
  let min = Infinity, max = 0;
  const tmp = new Float64Array(d);
  for (const k of components) {
    const hi = power((v, out) => apply(k, v, out));
    const lo = hi - power((v, out) => {
      apply(k, v, tmp);
      for (let i = 0; i < d; i++) out[i] = hi * v[i] - tmp[i];
    });
    max = Math.max(max, hi);
    min = Math.min(min, Math.max(lo, 1e-12));
  }
  return { min, max };
}

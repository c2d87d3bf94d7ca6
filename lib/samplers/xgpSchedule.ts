// SPDX-License-Identifier: MIT
// XGP's admissible noise schedule and the forward bridge of auxiliary observations
// (Xun, Gupta, Price, arXiv 2510.26324, Definition D.1 and Algorithm 1).

/**
 * η₁ > … > η_N = η with γ_i = (η_i/η_{i+1})² − 1 ≤ 1 (Definition D.1 item 3) and η₁ ≥ eta1
 * (item 2). Built from the end: the variance doubles (γ = 1) until it reaches eta1², the
 * largest steps item 3 allows; the first step is shortened so η₁ lands on max(eta1, η).
 */
export function xgpNoiseSchedule(eta: number, eta1: number): number[] {
  const v: number[] = [eta * eta];
  const target = Math.max(eta1, eta) ** 2;
  while (v[v.length - 1] < target) v.push(Math.min(2 * v[v.length - 1], target));
  return v.reverse().map(Math.sqrt);
}

/** γ_i for i = 1 … N−1. */
export function schedulePhases(etas: readonly number[]): number[] {
  return etas.slice(0, -1).map((e, i) => (e / etas[i + 1]) ** 2 - 1);
}

/**
 * One step of the forward bridge in v_i = η_i² − η²: given y_i (and y = y_N), draws y_{i+1} with the
 * same joint law as the paper's backward construction y_i = y_{i+1} + √(η_i² − η_{i+1}²) ζ:
 *   y_{i+1} = y + (v_{i+1}/v_i)(y_i − y) + √(v_{i+1}(v_i − v_{i+1})/v_i) ζ,   so y_N = y exactly.
 * Start with y_1 = y + √v_1 ζ (bridgeStart). O(m) memory per chain; all arrays [chains*m].
 */
export function bridgeStart(y: ArrayLike<number>, v1: number, zeta: Float32Array, chains: number): Float32Array {
  const m = y.length;
  const out = new Float32Array(chains * m);
  const s = Math.sqrt(v1);
  for (let c = 0; c < chains; c++) for (let j = 0; j < m; j++) out[c * m + j] = y[j] + s * zeta[c * m + j];
  return out;
}

export function bridgeStep(y: ArrayLike<number>, yi: Float32Array, vi: number, vNext: number, zeta: Float32Array): Float32Array {
  const m = y.length;
  const out = new Float32Array(yi.length);
  const shrink = vi > 0 ? vNext / vi : 0;
  const s = vi > 0 ? Math.sqrt((vNext * (vi - vNext)) / vi) : 0;
  for (let i = 0; i < yi.length; i++) {
    const j = i % m;
    out[i] = y[j] + shrink * (yi[i] - y[j]) + s * zeta[i];
  }
  return out;
}

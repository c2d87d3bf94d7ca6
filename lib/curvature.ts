// SPDX-License-Identifier: MIT
// Curvature of the potential U = −log posterior, the constants every step-size rule needs.
// For a GMM, −∇²log p = Σ_k r_k C_k⁻¹ − Cov_r(g) ≼ max_k C_k⁻¹, so L = max_k λ_max(C_k⁻¹) is a
// global smoothness bound; m = min_k λ_min(C_k⁻¹) is the weakest within-mode curvature.
import { spectralNormSquared, symmetricEigen } from './linalg.js';
import { exactPosteriorOf, operatorMatrix } from './posterior.js';
import { priorStats } from './priorStats.js';
import type { Problem } from './types.js';
import { operatorCols, operatorRows } from './types.js';

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
  const op = lik.operator;
  if (op.type === 'identity' || op.type === 'mask') return 1;
  return spectralNormSquared(operatorMatrix(op), operatorRows(op), operatorCols(op)) * (1 + 1e-9);
}

export function curvature(problem: Problem): Curvature {
  const opNormSq = operatorNormSquared(problem);
  const d = problem.prior.dim;
  if (d <= EXACT_DIM_LIMIT) {
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

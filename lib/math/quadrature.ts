// SPDX-License-Identifier: MIT
// Generalized Gauss–Laguerre quadrature by Golub–Welsch: nodes and normalised weights for
// ∫₀^∞ f(u) u^a e^{−u} du / Γ(a+1) ≈ Σ_j ω_j f(u_j).
import { symmetricEigen } from './linalg.js';

export function gaussLaguerre(n: number, a: number): { nodes: Float64Array; weights: Float64Array } {
  // Jacobi matrix of the Laguerre polynomials L_k^{(a)}: diagonal 2k + a + 1, off-diagonal √(k(k+a)).
  const J = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    J[k * n + k] = 2 * k + a + 1;
    if (k > 0) J[k * n + k - 1] = J[(k - 1) * n + k] = Math.sqrt(k * (k + a));
  }
  const { values, vectors } = symmetricEigen(J, n);
  const weights = new Float64Array(n);
  for (let j = 0; j < n; j++) weights[j] = vectors[j] ** 2; // first component of each unit eigenvector
  return { nodes: values, weights };
}

/**
 * Nodes g_j and weights ω_j of G ~ Gamma(shape α/2, rate α/2), the precision mixing law of a
 * Student-t with α degrees of freedom (T = W/√G, W ~ N(0, I)).
 */
export function studentPrecisionNodes(dof: number, n = 16, minWeight = 1e-6): { g: Float64Array; weights: Float64Array } {
  const { nodes, weights } = gaussLaguerre(n, dof / 2 - 1);
  // Far nodes carry negligible weight but the largest precisions, which would force tiny steps.
  const keep = Array.from(weights.keys()).filter((j) => weights[j] >= minWeight);
  const total = keep.reduce((s, j) => s + weights[j], 0);
  return { g: Float64Array.from(keep, (j) => (2 * nodes[j]) / dof), weights: Float64Array.from(keep, (j) => weights[j] / total) };
}

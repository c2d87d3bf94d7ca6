// SPDX-License-Identifier: MIT
// Constants of a GMM prior that the step-size and schedule rules need.
import { symmetricEigen } from './linalg.js';
import type { GmmPrior } from './types.js';

export interface PriorStats {
  /** Smallest and largest eigenvalue of any component covariance. */
  vMin: number;
  vMax: number;
  /** Second moment M₂ = E‖X‖² = Σ_k w_k (‖μ_k‖² + tr Σ_k). */
  secondMoment: number;
  /** Trace of the prior covariance (mixture spread included). */
  totalVariance: number;
  /** max_k ‖μ_k‖. */
  maxMeanNorm: number;
}

const cache = new WeakMap<GmmPrior, PriorStats>();

export function priorStats(prior: GmmPrior): PriorStats {
  const hit = cache.get(prior);
  if (hit) return hit;
  const d = prior.dim;
  let vMin = Infinity, vMax = 0, m2 = 0, maxMeanNorm = 0;
  const mean = new Float64Array(d);
  for (let k = 0; k < prior.components; k++) {
    let vals: ArrayLike<number>;
    if (prior.kind === 'isotropic') vals = new Float64Array(d).fill(prior.cov[k]);
    else if (prior.kind === 'diagonal') vals = prior.cov.subarray(k * d, (k + 1) * d);
    else vals = symmetricEigen(prior.cov.subarray(k * d * d, (k + 1) * d * d), d).values;
    let tr = 0, mu2 = 0;
    for (let i = 0; i < d; i++) {
      vMin = Math.min(vMin, vals[i]);
      vMax = Math.max(vMax, vals[i]);
      tr += vals[i];
      const mi = prior.means[k * d + i];
      mu2 += mi * mi;
      mean[i] += prior.weights[k] * mi;
    }
    m2 += prior.weights[k] * (mu2 + tr);
    maxMeanNorm = Math.max(maxMeanNorm, Math.sqrt(mu2));
  }
  let meanSq = 0;
  for (let i = 0; i < d; i++) meanSq += mean[i] * mean[i];
  const stats = { vMin, vMax, secondMoment: m2, totalVariance: m2 - meanSq, maxMeanNorm };
  cache.set(prior, stats);
  return stats;
}

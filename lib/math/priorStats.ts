// SPDX-License-Identifier: MIT
// Constants of a prior that the step-size and schedule rules need: exact for a GMM, per-pixel
// averages of the patch GMM for an image prior, and the user's stated scale for a score model.
import { symmetricEigen } from './linalg.js';
import type { GmmPrior, PatchGmmPrior, Prior, ScorePrior } from '../types.js';
import { isGmm } from '../types.js';

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

const cache = new WeakMap<Prior, PriorStats>();

export function priorStats(prior: Prior): PriorStats {
  const hit = cache.get(prior);
  if (hit) return hit;
  const stats = isGmm(prior) ? gmmStats(prior) : prior.kind === 'patch-gmm' ? patchStats(prior) : scoreStats(prior);
  cache.set(prior, stats);
  return stats;
}

function gmmStats(prior: GmmPrior): PriorStats {
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
  return { vMin, vMax, secondMoment: m2, totalVariance: m2 - meanSq, maxMeanNorm };
}

/**
 * Image prior: the patch GMM's eigenvalue range bounds the image prior's curvature (each pixel's
 * score averages the scores of the (k/stride)² patches covering it, weighted (stride/k)²), and
 * the moments scale per pixel: E‖X‖² ≈ d·(patch M₂)/k², ‖μ‖ ≈ √(d/k²)·max‖μ_k‖.
 */
function patchStats(prior: PatchGmmPrior): PriorStats {
  const g = priorStats(prior.gmm);
  const perPatch = prior.dim / prior.gmm.dim;
  return { vMin: g.vMin, vMax: g.vMax, secondMoment: g.secondMoment * perPatch, totalVariance: g.totalVariance * perPatch, maxMeanNorm: g.maxMeanNorm * Math.sqrt(perPatch) };
}

/** Score model: the stated scale (E‖X‖² = d·meanSquare; ‖E X‖ is bounded by √(E‖X‖²)). */
function scoreStats(prior: ScorePrior): PriorStats {
  const m2 = prior.dim * prior.scale.meanSquare;
  return { vMin: prior.scale.minVariance, vMax: prior.scale.maxVariance, secondMoment: m2, totalVariance: m2, maxMeanNorm: Math.sqrt(m2) };
}

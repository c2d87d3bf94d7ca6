// SPDX-License-Identifier: MIT
// Random but reproducible test problems in the raw JSON format (so they also exercise parsing).
import { rng } from './stats.js';

export type Kind = 'isotropic' | 'diagonal' | 'full';

/** Random SPD matrix with eigenvalues in [lo, hi]. */
export function randomSpd(d: number, lo: number, hi: number, r: () => number): number[][] {
  // Q from Gram–Schmidt of a random matrix, then Q diag(λ) Qᵀ.
  const q: number[][] = [];
  for (let i = 0; i < d; i++) {
    const v = Array.from({ length: d }, () => r() - 0.5);
    for (const u of q) {
      const dot = v.reduce((s, x, j) => s + x * u[j], 0);
      for (let j = 0; j < d; j++) v[j] -= dot * u[j];
    }
    const nrm = Math.hypot(...v);
    q.push(v.map((x) => x / nrm));
  }
  const lam = Array.from({ length: d }, (_, i) => (d === 1 ? hi : lo + ((hi - lo) * i) / (d - 1)));
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => q.reduce((s, u, k) => s + u[i] * lam[k] * u[j], 0)));
}

export function covarianceJson(kind: Kind, K: number, d: number, r: () => number): Record<string, unknown> {
  switch (kind) {
    case 'isotropic':
      return { type: 'isotropic', variances: Array.from({ length: K }, () => 0.5 + r()) };
    case 'diagonal':
      return { type: 'diagonal', variances: Array.from({ length: K }, () => Array.from({ length: d }, () => 0.4 + r())) };
    case 'full':
      return { type: 'full', matrices: Array.from({ length: K }, () => randomSpd(d, 0.4, 1.5, r)) };
  }
}

/** A GMM prior with a dense m×d operator and an observation drawn from the model. */
export function randomProblem(opts: { seed: number; d: number; m: number; K: number; kind: Kind; noiseStd: number; spread?: number; operator?: 'dense' | 'identity' | 'mask' }): Record<string, unknown> {
  const r = rng(opts.seed);
  const { d, m, K } = opts;
  const spread = opts.spread ?? 1;
  const means = Array.from({ length: K }, () => Array.from({ length: d }, () => spread * (2 * r() - 1)));
  let operator: Record<string, unknown>;
  let rows = m;
  if (opts.operator === 'identity') {
    operator = { type: 'identity' };
    rows = d;
  } else if (opts.operator === 'mask') {
    const mask = Array.from({ length: d }, (_, i) => (i % 2 === 0 ? 1 : 0));
    operator = { type: 'mask', mask };
    rows = mask.reduce((s: number, v) => s + v, 0);
  } else {
    operator = { type: 'dense', matrix: Array.from({ length: m }, () => Array.from({ length: d }, () => (2 * r() - 1) / Math.sqrt(d))) };
  }
  const y = Array.from({ length: rows }, () => 2 * r() - 1);
  return {
    prior: { type: 'gmm', weights: Array.from({ length: K }, () => 0.2 + r()), means, covariance: covarianceJson(opts.kind, K, d, r) },
    likelihood: { operator, y, noiseStd: opts.noiseStd },
  };
}

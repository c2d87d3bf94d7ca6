// SPDX-License-Identifier: MIT
// Hard posteriors with exact answers, for the tests and the time-to-accuracy benchmark: separated
// prior modes whose weights the likelihood moves (prior .9/.1 → posterior .15/.85), ill-conditioned
// covariances, underdetermined operators, small noise, and Gaussian priors under blur. Problems are
// raw problem-file JSON (so they also exercise parsing), built from a seed.
import { applyOperator } from '../math/applyOperator.js';
import { cholesky, choleskySolve, randomOrthonormal } from '../math/linalg.js';
import { exactPosteriorOf } from '../math/posterior.js';
import { parseOperator } from '../problem/parseOperator.js';
import { parseProblem } from '../problem/parseProblem.js';
import { mulberry32, normalFrom } from '../engine/prng.js';
import type { GmmProblem } from '../types.js';

export type CovarianceKind = 'isotropic' | 'diagonal' | 'full';
export type SuiteOperator = 'dense' | 'mask' | 'identity';

export interface SeparatedModesSpec {
  seed: number;
  d: number;
  kind: CovarianceKind;
  /** Condition number of each component covariance (full and diagonal; default 10). */
  condition?: number;
  operator: SuiteOperator;
  /** Measurements of a dense operator (default d/2: underdetermined). */
  m?: number;
  noiseStd: number;
  /** Mode separation in prior standard deviations along the separating direction (default 6). */
  separation?: number;
  priorWeights?: [number, number];
  /** Posterior weights the observation is chosen to give (default [0.15, 0.85]). */
  posteriorWeights?: [number, number];
}

/** Eigenvalues spread log-uniformly over [hi/condition, hi] (ends included). */
function spectrum(d: number, hi: number, condition: number): number[] {
  return Array.from({ length: d }, (_, i) => hi * condition ** (-(d === 1 ? 0 : i / (d - 1))));
}

function covariance(kind: CovarianceKind, d: number, condition: number, r: () => number): { json: Record<string, unknown>; matrix: Float64Array } {
  const m = new Float64Array(d * d);
  if (kind === 'isotropic') {
    const v = 0.5 + 0.5 * r();
    for (let i = 0; i < d; i++) m[i * d + i] = v;
    return { json: { v }, matrix: m };
  }
  const lam = spectrum(d, 1, condition);
  if (kind === 'diagonal') {
    // Shuffle so the stiff coordinates are not always the last ones.
    for (let i = d - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [lam[i], lam[j]] = [lam[j], lam[i]];
    }
    for (let i = 0; i < d; i++) m[i * d + i] = lam[i];
    return { json: { v: lam }, matrix: m };
  }
  const q = randomOrthonormal(d, () => normalFrom(r));
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += q[i * d + k] * lam[k] * q[j * d + k];
      m[i * d + j] = s;
      m[j * d + i] = s;
    }
  return { json: { v: Array.from({ length: d }, (_, i) => Array.from(m.subarray(i * d, (i + 1) * d))) }, matrix: m };
}

/**
 * Two modes N(μ₁, Σ₁), N(μ₂, Σ₂) separated along a direction the operator sees, and an observation
 * chosen (by bisection along the segment between the modes' images) so that the exact posterior
 * weights are `posteriorWeights`. Returns the problem JSON.
 */
export function separatedModes(spec: SeparatedModesSpec): Record<string, unknown> {
  const r = mulberry32(spec.seed);
  const { d, kind, noiseStd } = spec;
  const condition = spec.condition ?? 10;
  const sep = spec.separation ?? 6;
  const [w1, w2] = spec.priorWeights ?? [0.9, 0.1];
  const target = (spec.posteriorWeights ?? [0.15, 0.85])[1];
  // Full and diagonal modes share one covariance (distinct ill-conditioned ones can make the target
  // weights unreachable: the broader mode then wins everywhere); isotropic ones differ.
  const c1 = covariance(kind, d, condition, r);
  const covs = [c1, kind === 'isotropic' ? covariance(kind, d, condition, r) : c1];

  let A: number[][] | undefined;
  let keep: number[] = [];
  let operator: Record<string, unknown>;
  if (spec.operator === 'dense') {
    const m = spec.m ?? Math.max(1, Math.floor(d / 2));
    A = Array.from({ length: m }, () => Array.from({ length: d }, () => normalFrom(r) / Math.sqrt(d)));
    operator = { type: 'dense', matrix: A };
  } else if (spec.operator === 'mask') {
    keep = Array.from({ length: d }, (_, i) => i).filter((i) => i % 2 === 0 || d === 1);
    operator = { type: 'mask', mask: Array.from({ length: d }, (_, i) => (keep.includes(i) ? 1 : 0)) };
  } else {
    keep = Array.from({ length: d }, (_, i) => i);
    operator = { type: 'identity' };
  }
  const apply = (x: ArrayLike<number>): number[] => (A ? A.map((row) => row.reduce((s, a, i) => s + a * x[i], 0)) : keep.map((i) => x[i]));
  // Separating direction u = cos θ·r + sin θ·n: r in the operator's row space (the measurement
  // sees it, so it can move the weights), n in its null space (the measurement cannot pull the
  // modes together there, so the posterior modes stay separated). θ = 60° where a null space exists.
  let rowDir: number[], nullDir: number[] | undefined;
  if (A) {
    const v = A.map(() => normalFrom(r));
    rowDir = Array.from({ length: d }, (_, i) => A!.reduce((s, row, j) => s + row[i] * v[j], 0));
    if (A.length < d) {
      // A random vector minus its projection on the row space (least squares through the Gram matrix).
      const g = Array.from({ length: d }, () => normalFrom(r));
      const rows = A.map((row) => Float64Array.from(row));
      const gram = new Float64Array(A.length * A.length);
      for (let i = 0; i < A.length; i++) for (let j = 0; j < A.length; j++) gram[i * A.length + j] = rows[i].reduce((s, a, k) => s + a * rows[j][k], 0);
      const coef = choleskySolve(cholesky(gram, A.length, 'gram'), rows.map((row) => row.reduce((s, a, k) => s + a * g[k], 0)), A.length);
      nullDir = g.map((gi, k) => gi - rows.reduce((s, row, j) => s + coef[j] * row[k], 0));
    }
  } else {
    rowDir = Array.from({ length: d }, (_, i) => (keep.includes(i) ? normalFrom(r) : 0));
    if (keep.length < d) nullDir = Array.from({ length: d }, (_, i) => (keep.includes(i) ? 0 : normalFrom(r)));
  }
  const unit = (v: number[]) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  rowDir = unit(rowDir);
  const theta = nullDir ? Math.PI / 3 : 0;
  const nd = nullDir ? unit(nullDir) : undefined;
  const u = rowDir.map((x, i) => Math.cos(theta) * x + (nd ? Math.sin(theta) * nd[i] : 0));
  // Prior standard deviation along u (the larger of the two components).
  const sdAlong = Math.max(...covs.map((c) => Math.sqrt(u.reduce((s, ui, i) => s + ui * u.reduce((t, uj, j) => t + c.matrix[i * d + j] * uj, 0), 0))));
  const centre = Array.from({ length: d }, () => 0.3 * normalFrom(r));
  const mu1 = centre.map((c, i) => c - 0.5 * sep * sdAlong * u[i]);
  const mu2 = centre.map((c, i) => c + 0.5 * sep * sdAlong * u[i]);
  const y1 = apply(mu1), y2 = apply(mu2);
  const jitter = y1.map(() => noiseStd * normalFrom(r));
  const covJson = kind === 'isotropic'
    ? { type: 'isotropic', variances: covs.map((c) => c.json.v) }
    : kind === 'diagonal' ? { type: 'diagonal', variances: covs.map((c) => c.json.v) } : { type: 'full', matrices: covs.map((c) => c.json.v) };
  const build = (t: number) => ({
    prior: { type: 'gmm', weights: [w1, w2], means: [mu1, mu2], covariance: covJson },
    likelihood: { operator, y: y1.map((v, j) => v + t * (y2[j] - v) + jitter[j]), noiseStd },
  });
  const weight2 = (t: number) => exactPosteriorOf(parseProblem(build(t)) as GmmProblem).weights[1];
  // Find where weight2 crosses the target on a grid along the segment (and beyond), then bisect.
  let lo = NaN, hi = NaN;
  for (let t = -4; t < 5 && Number.isNaN(lo); t += 0.05) {
    if (weight2(t) < target && weight2(t + 0.05) >= target) [lo, hi] = [t, t + 0.05];
  }
  if (Number.isNaN(lo)) throw new Error(`separatedModes: posterior weight ${target} is not reachable for seed ${spec.seed}`);
  for (let i = 0; i < 60; i++) {
    const mid = 0.5 * (lo + hi);
    if (weight2(mid) < target) lo = mid;
    else hi = mid;
  }
  return build(0.5 * (lo + hi));
}

export interface BlurGaussianSpec {
  seed: number;
  /** Image side: d = side². */
  side: number;
  noiseStd: number;
  /** Width of the prior covariance's smoothing in pixels (default 1.5). */
  length?: number;
}

/**
 * A Gaussian prior on side×side images (a smoothing covariance plus a nugget, so it is smooth and
 * ill-conditioned) observed through a circular 3×3 blur, y drawn from the model.
 */
export function gaussianBlur(spec: BlurGaussianSpec): Record<string, unknown> {
  const r = mulberry32(spec.seed);
  const n = spec.side, d = n * n, ell = spec.length ?? 1.5;
  // Σ = BBᵀ + 0.01·I with B a circular Gaussian smoothing of width ℓ: smooth, positive definite,
  // and ill-conditioned (the nugget sets the smallest eigenvalue).
  const wrap = (a: number, b: number) => Math.min(Math.abs(a - b), n - Math.abs(a - b));
  const B = Array.from({ length: d }, (_, p) => Array.from({ length: d }, (_, q) => Math.exp(-(wrap(Math.floor(p / n), Math.floor(q / n)) ** 2 + wrap(p % n, q % n) ** 2) / (2 * ell * ell))));
  const cov: number[][] = Array.from({ length: d }, (_, p) => Array.from({ length: d }, (_, q) => B[p].reduce((s, v, k) => s + v * B[q][k], 0) / (2 * Math.PI * ell * ell) + (p === q ? 0.01 : 0)));
  const mean = Array.from({ length: d }, () => 0.5);
  const kernel = [
    [1, 2, 1],
    [2, 4, 2],
    [1, 2, 1],
  ].map((row) => row.map((v) => v / 16));
  // x ~ prior (Cholesky), then y = K ⊛ x + noise.
  const l = cholesky(Float64Array.from(cov.flat()), d, 'covariance');
  const z = Array.from({ length: d }, () => normalFrom(r));
  const x = mean.map((m, i) => m + z.reduce((s, zj, j) => s + (j <= i ? l[i * d + j] * zj : 0), 0));
  const blurred = applyOperator(parseOperator('operator', { type: 'blur', kernel, shape: [n, n] }, d), x);
  const y = Array.from(blurred, (v) => v + spec.noiseStd * normalFrom(r));
  return {
    prior: { type: 'gaussian', mean, covariance: { type: 'full', matrices: [cov] } },
    likelihood: { operator: { type: 'blur', kernel, shape: [n, n] }, y, noiseStd: spec.noiseStd },
  };
}

// SPDX-License-Identifier: MIT
import test, { type ExecutionContext } from 'ava';
import { LangevinError } from '../lib/errors.js';
import {
  exactPosterior,
  exactPosteriorOf,
  gmmComponentCovariance,
  gmmLogDensity,
  gmmScore,
  mixtureMoments,
  noisedPrior,
  operatorMatrix,
  type ExactPosterior,
} from '../lib/math/posterior.js';
import type { CovarianceKind, GmmPrior, GmmProblem as Problem } from '../lib/types.js';

// ---- Independent 2-D reference: Gaussian densities written out with explicit 2×2 inverses ----

type Mat2 = [number, number, number]; // s11, s12, s22

function logNormal2(x0: number, x1: number, m0: number, m1: number, [s11, s12, s22]: Mat2): number {
  const det = s11 * s22 - s12 * s12;
  const d0 = x0 - m0;
  const d1 = x1 - m1;
  const quad = (s22 * d0 * d0 - 2 * s12 * d0 * d1 + s11 * d1 * d1) / det;
  return -Math.log(2 * Math.PI) - 0.5 * Math.log(det) - 0.5 * quad;
}

const WEIGHTS = [0.5, 0.3, 0.2];
const MEANS: Array<[number, number]> = [
  [-2, 0],
  [1.5, 1],
  [0, -2.5],
];
// Component covariances per kind, as (s11, s12, s22), and the matching GmmPrior storage.
const COVS: Record<CovarianceKind, Mat2[]> = {
  isotropic: [
    [0.6, 0, 0.6],
    [1.2, 0, 1.2],
    [0.4, 0, 0.4],
  ],
  diagonal: [
    [0.6, 0, 1.5],
    [1.2, 0, 0.3],
    [0.4, 0, 0.8],
  ],
  full: [
    [1, 0.5, 0.8],
    [0.6, -0.3, 1.1],
    [0.5, 0.2, 0.4],
  ],
};

function prior2(kind: CovarianceKind): GmmPrior {
  const c = COVS[kind];
  const cov =
    kind === 'isotropic'
      ? c.map((s) => s[0])
      : kind === 'diagonal'
        ? c.flatMap((s) => [s[0], s[2]])
        : c.flatMap(([a, b, d]) => [a, b, b, d]);
  return {
    kind,
    dim: 2,
    components: 3,
    weights: Float64Array.from(WEIGHTS),
    means: Float64Array.from(MEANS.flat()),
    cov: Float64Array.from(cov),
  };
}

const A_ROW = [0.8, -0.6];
const Y = 0.7;
const NOISE_VAR = 0.25;

function logLik(x0: number, x1: number): number {
  const r = Y - (A_ROW[0] * x0 + A_ROW[1] * x1);
  return -0.5 * Math.log(2 * Math.PI * NOISE_VAR) - (0.5 * r * r) / NOISE_VAR;
}

interface GridResult {
  logZ: number;
  weights: number[];
  means: Array<[number, number]>;
  covs: Mat2[];
  mean: [number, number];
  cov: Mat2;
}

// Midpoint rule on a 600×600 grid over ±8 prior standard deviations of every component. Integrands
// are smooth and decay like Gaussians, so the rule is accurate far beyond the test tolerance.
function gridPosterior(kind: CovarianceKind, withLikelihood: boolean): GridResult {
  const c = COVS[kind];
  let lo0 = Infinity, hi0 = -Infinity, lo1 = Infinity, hi1 = -Infinity;
  for (let k = 0; k < 3; k++) {
    lo0 = Math.min(lo0, MEANS[k][0] - 8 * Math.sqrt(c[k][0]));
    hi0 = Math.max(hi0, MEANS[k][0] + 8 * Math.sqrt(c[k][0]));
    lo1 = Math.min(lo1, MEANS[k][1] - 8 * Math.sqrt(c[k][2]));
    hi1 = Math.max(hi1, MEANS[k][1] + 8 * Math.sqrt(c[k][2]));
  }
  const n = 600;
  const h0 = (hi0 - lo0) / n;
  const h1 = (hi1 - lo1) / n;
  const m = Array.from({ length: 3 }, () => [0, 0, 0, 0, 0, 0]); // Z, Σx0, Σx1, Σx0², Σx0x1, Σx1²
  for (let i = 0; i < n; i++) {
    const x0 = lo0 + (i + 0.5) * h0;
    for (let j = 0; j < n; j++) {
      const x1 = lo1 + (j + 0.5) * h1;
      const ll = withLikelihood ? logLik(x0, x1) : 0;
      for (let k = 0; k < 3; k++) {
        const p = WEIGHTS[k] * Math.exp(logNormal2(x0, x1, MEANS[k][0], MEANS[k][1], c[k]) + ll) * h0 * h1;
        const a = m[k];
        a[0] += p;
        a[1] += p * x0;
        a[2] += p * x1;
        a[3] += p * x0 * x0;
        a[4] += p * x0 * x1;
        a[5] += p * x1 * x1;
      }
    }
  }
  const Z = m.reduce((s, a) => s + a[0], 0);
  const means = m.map((a) => [a[1] / a[0], a[2] / a[0]] as [number, number]);
  const covs = m.map((a, k): Mat2 => {
    const [u, v] = means[k];
    return [a[3] / a[0] - u * u, a[4] / a[0] - u * v, a[5] / a[0] - v * v];
  });
  const tot = m.reduce((s, a) => a.map((x, i) => s[i] + x), [0, 0, 0, 0, 0, 0]);
  const mean: [number, number] = [tot[1] / Z, tot[2] / Z];
  const cov: Mat2 = [tot[3] / Z - mean[0] ** 2, tot[4] / Z - mean[0] * mean[1], tot[5] / Z - mean[1] ** 2];
  return { logZ: Math.log(Z), weights: m.map((a) => a[0] / Z), means, covs, mean, cov };
}

function close(t: ExecutionContext, got: number, want: number, tol: number, scale: number, what: string): void {
  t.true(Math.abs(got - want) <= tol * Math.max(Math.abs(want), scale), `${what}: got ${got}, want ${want}`);
}

function checkAgainstGrid(t: ExecutionContext, post: ExactPosterior, g: GridResult): void {
  const tol = 1e-6; // the grid is good to ~1e-10 here; 1e-6 still catches any formula slip
  t.is(post.dim, 2);
  t.is(post.components, 3);
  for (let k = 0; k < 3; k++) {
    close(t, post.weights[k], g.weights[k], tol, 1e-3, `w${k}`);
    close(t, post.means[2 * k], g.means[k][0], tol, 1, `μ${k}[0]`);
    close(t, post.means[2 * k + 1], g.means[k][1], tol, 1, `μ${k}[1]`);
    const s = post.covariances.subarray(4 * k, 4 * k + 4);
    close(t, s[0], g.covs[k][0], tol, 1, `Σ${k}[0,0]`);
    close(t, s[1], g.covs[k][1], tol, 1, `Σ${k}[0,1]`);
    close(t, s[2], g.covs[k][1], tol, 1, `Σ${k}[1,0]`);
    close(t, s[3], g.covs[k][2], tol, 1, `Σ${k}[1,1]`);
  }
  close(t, post.mean[0], g.mean[0], tol, 1, 'mean[0]');
  close(t, post.mean[1], g.mean[1], tol, 1, 'mean[1]');
  close(t, post.covariance[0], g.cov[0], tol, 1, 'cov[0,0]');
  close(t, post.covariance[1], g.cov[1], tol, 1, 'cov[0,1]');
  close(t, post.covariance[2], g.cov[1], tol, 1, 'cov[1,0]');
  close(t, post.covariance[3], g.cov[2], tol, 1, 'cov[1,1]');
}

// ---- (i) 1-D conjugate Gaussian ----

for (const kind of ['isotropic', 'diagonal', 'full'] as const) {
  test(`1-D Gaussian prior, scalar measurement: conjugate formulas (${kind})`, (t) => {
    const m0 = 1.3, v0 = 2.0, a = -0.7, y = 0.4, s2 = 0.3;
    const prior: GmmPrior = { kind, dim: 1, components: 1, weights: Float64Array.of(1), means: Float64Array.of(m0), cov: Float64Array.of(v0) };
    const post = exactPosterior(prior, { A: Float64Array.of(a), y: Float64Array.of(y), noiseVar: Float64Array.of(s2) });
    const v = 1 / (1 / v0 + (a * a) / s2);
    const mu = v * (m0 / v0 + (a * y) / s2);
    const ev = a * a * v0 + s2; // y ~ N(a m0, a² v0 + s²)
    const logEv = -0.5 * Math.log(2 * Math.PI * ev) - ((y - a * m0) ** 2) / (2 * ev);
    t.is(post.weights[0], 1);
    close(t, post.means[0], mu, 1e-14, 1, 'mean');
    close(t, post.covariances[0], v, 1e-14, 1, 'var');
    close(t, post.mean[0], mu, 1e-14, 1, 'mixture mean');
    close(t, post.covariance[0], v, 1e-14, 1, 'mixture var');
    close(t, post.logEvidence, logEv, 1e-14, 1, 'log evidence');
  });
}

// ---- (ii)+(iii) 2-D three-component GMM, dense 1×2 operator, against a grid ----

for (const kind of ['isotropic', 'diagonal', 'full'] as const) {
  test(`2-D GMM (${kind}) posterior and evidence match grid integration`, (t) => {
    const post = exactPosterior(prior2(kind), {
      A: Float64Array.from(A_ROW),
      y: Float64Array.of(Y),
      noiseVar: Float64Array.of(NOISE_VAR),
    });
    const g = gridPosterior(kind, true);
    checkAgainstGrid(t, post, g);
    close(t, post.logEvidence, g.logZ, 1e-8, 1, 'log evidence');
    // The weights must actually move for this to be a meaningful test.
    t.true(Math.abs(post.weights[0] - WEIGHTS[0]) > 0.05);
  });

  test(`2-D GMM (${kind}) without likelihood: the prior and its moments`, (t) => {
    const post = exactPosteriorOf({ prior: prior2(kind) });
    checkAgainstGrid(t, post, gridPosterior(kind, false));
    t.is(post.logEvidence, 0);
  });

  test(`2-D GMM (${kind}): posterior log density = log prior + log likelihood − log evidence`, (t) => {
    const prior = prior2(kind);
    const post = exactPosterior(prior, { A: Float64Array.from(A_ROW), y: Float64Array.of(Y), noiseVar: Float64Array.of(NOISE_VAR) });
    const c = COVS[kind];
    const logPrior = (x0: number, x1: number) =>
      Math.log(WEIGHTS.reduce((s, w, k) => s + w * Math.exp(logNormal2(x0, x1, MEANS[k][0], MEANS[k][1], c[k])), 0));
    const logPost = (x0: number, x1: number) => logPrior(x0, x1) + logLik(x0, x1) - post.logEvidence;
    for (const [x0, x1] of [[0, 0], [-2.2, 0.3], [1.1, 1.9], [0.4, -2.1], [3, -1]]) {
      close(t, gmmLogDensity(prior, [x0, x1]), logPrior(x0, x1), 1e-12, 1, `log prior at ${x0},${x1}`);
      close(t, gmmLogDensity(post, [x0, x1]), logPost(x0, x1), 1e-11, 1, `log posterior at ${x0},${x1}`);
      // Scores against central differences of the hand-written densities.
      const h = 1e-5;
      for (const [f, g] of [[logPrior, gmmScore(prior, [x0, x1])], [logPost, gmmScore(post, [x0, x1])]] as const) {
        const fd0 = (f(x0 + h, x1) - f(x0 - h, x1)) / (2 * h);
        const fd1 = (f(x0, x1 + h) - f(x0, x1 - h)) / (2 * h);
        close(t, g[0], fd0, 1e-7, 1, `score[0] at ${x0},${x1}`);
        close(t, g[1], fd1, 1e-7, 1, `score[1] at ${x0},${x1}`);
      }
    }
  });
}

// ---- (iv) a huge noise variance removes a measurement ----

for (const kind of ['isotropic', 'diagonal', 'full'] as const) {
  test(`huge Γ entry reproduces dropping that measurement (${kind})`, (t) => {
    const prior = prior2(kind);
    const big = 1e14;
    const both = exactPosterior(prior, {
      A: Float64Array.of(A_ROW[0], A_ROW[1], 0.3, 1.1),
      y: Float64Array.of(Y, -5),
      noiseVar: Float64Array.of(NOISE_VAR, big),
    });
    const one = exactPosterior(prior, { A: Float64Array.from(A_ROW), y: Float64Array.of(Y), noiseVar: Float64Array.of(NOISE_VAR) });
    for (let i = 0; i < 3; i++) close(t, both.weights[i], one.weights[i], 1e-9, 1e-3, `w${i}`);
    for (let i = 0; i < 6; i++) close(t, both.means[i], one.means[i], 1e-9, 1, `means[${i}]`);
    for (let i = 0; i < 12; i++) close(t, both.covariances[i], one.covariances[i], 1e-9, 1, `covariances[${i}]`);
    // The ignored measurement still contributes its (flat) normalising constant to p(y).
    close(t, both.logEvidence, one.logEvidence - 0.5 * Math.log(2 * Math.PI * big), 1e-9, 1, 'log evidence');
    // And the informative one does change the answer (the test would pass vacuously otherwise).
    const loose = exactPosterior(prior, {
      A: Float64Array.of(A_ROW[0], A_ROW[1], 0.3, 1.1),
      y: Float64Array.of(Y, -5),
      noiseVar: Float64Array.of(NOISE_VAR, 1),
    });
    t.true(Math.abs(loose.means[0] - one.means[0]) > 1e-2);
  });
}

// ---- (v) mask and identity operators equal their dense matrices ----

function prior3(kind: CovarianceKind): GmmPrior {
  const cov =
    kind === 'isotropic'
      ? [0.7, 1.4]
      : kind === 'diagonal'
        ? [0.7, 1.2, 0.5, 1.4, 0.3, 2.0]
        : [1, 0.3, -0.2, 0.3, 0.9, 0.1, -0.2, 0.1, 0.6, 1.5, -0.4, 0, -0.4, 0.8, 0.2, 0, 0.2, 1.1];
  return {
    kind,
    dim: 3,
    components: 2,
    weights: Float64Array.of(0.35, 0.65),
    means: Float64Array.of(1, -1, 0.5, -0.5, 2, 0),
    cov: Float64Array.from(cov),
  };
}

function assertSamePosterior(t: ExecutionContext, a: ExactPosterior, b: ExactPosterior): void {
  const fields = ['weights', 'means', 'covariances', 'mean', 'covariance'] as const;
  for (const f of fields) for (let i = 0; i < a[f].length; i++) close(t, a[f][i], b[f][i], 1e-13, 1, `${f}[${i}]`);
  close(t, a.logEvidence, b.logEvidence, 1e-13, 1, 'logEvidence');
}

test('operatorMatrix builds the expected dense matrices', (t) => {
  t.deepEqual(Array.from(operatorMatrix({ type: 'identity', dim: 3 })), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  t.deepEqual(Array.from(operatorMatrix({ type: 'mask', dim: 4, indices: Int32Array.of(1, 3) })), [0, 1, 0, 0, 0, 0, 0, 1]);
  const m = Float64Array.of(1, 2, 3, 4, 5, 6);
  const dense = operatorMatrix({ type: 'dense', rows: 2, cols: 3, matrix: m });
  t.deepEqual(Array.from(dense), [1, 2, 3, 4, 5, 6]);
  t.not(dense, m); // a copy, so callers may modify it
});

for (const kind of ['isotropic', 'diagonal', 'full'] as const) {
  test(`mask and identity operators equal the equivalent dense matrix (${kind})`, (t) => {
    const prior = prior3(kind);
    const mask: Problem = { prior, likelihood: { operator: { type: 'mask', dim: 3, indices: Int32Array.of(0, 2) }, y: Float64Array.of(0.3, -1), noiseStd: 0.4 } };
    const maskDense: Problem = {
      prior,
      likelihood: { operator: { type: 'dense', rows: 2, cols: 3, matrix: Float64Array.of(1, 0, 0, 0, 0, 1) }, y: Float64Array.of(0.3, -1), noiseStd: 0.4 },
    };
    assertSamePosterior(t, exactPosteriorOf(mask), exactPosteriorOf(maskDense));

    const y3 = Float64Array.of(0.3, 0.2, -1);
    const id: Problem = { prior, likelihood: { operator: { type: 'identity', dim: 3 }, y: y3, noiseStd: 0.4 } };
    const idDense: Problem = {
      prior,
      likelihood: { operator: { type: 'dense', rows: 3, cols: 3, matrix: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1) }, y: y3, noiseStd: 0.4 },
    };
    assertSamePosterior(t, exactPosteriorOf(id), exactPosteriorOf(idDense));
  });
}

test('single diagonal Gaussian: mask keeps unobserved marginals, observed coordinates are 1-D conjugate', (t) => {
  const mu = [1, -1, 0.5];
  const v = [0.7, 1.2, 0.5];
  const eta2 = 0.16;
  const y = [0.3, -1];
  const prior: GmmPrior = { kind: 'diagonal', dim: 3, components: 1, weights: Float64Array.of(1), means: Float64Array.from(mu), cov: Float64Array.from(v) };
  const post = exactPosteriorOf({ prior, likelihood: { operator: { type: 'mask', dim: 3, indices: Int32Array.of(0, 2) }, y: Float64Array.from(y), noiseStd: 0.4 } });
  const conj = (m: number, s: number, obs: number) => {
    const pv = 1 / (1 / s + 1 / eta2);
    return [pv * (m / s + obs / eta2), pv];
  };
  const [m0, p0] = conj(mu[0], v[0], y[0]);
  const [m2, p2] = conj(mu[2], v[2], y[1]);
  const wantMean = [m0, mu[1], m2];
  const wantCov = [p0, 0, 0, 0, v[1], 0, 0, 0, p2];
  for (let i = 0; i < 3; i++) close(t, post.mean[i], wantMean[i], 1e-14, 1, `mean[${i}]`);
  for (let i = 0; i < 9; i++) close(t, post.covariance[i], wantCov[i], 1e-14, 1, `cov[${i}]`);
  let logEv = 0;
  for (const [m, s, obs] of [[mu[0], v[0], y[0]], [mu[2], v[2], y[1]]]) logEv += -0.5 * Math.log(2 * Math.PI * (s + eta2)) - ((obs - m) ** 2) / (2 * (s + eta2));
  close(t, post.logEvidence, logEv, 1e-13, 1, 'log evidence');
});

// ---- (vi) noisedPrior ----

for (const kind of ['isotropic', 'diagonal', 'full'] as const) {
  test(`noisedPrior (${kind}): (a=1, b²=0) is the identity and (a=0, b²=1) is N(0, I)`, (t) => {
    const prior = prior2(kind);
    const same = noisedPrior(prior, 1, 0);
    t.is(same.kind, kind);
    t.deepEqual(same.weights, prior.weights);
    t.deepEqual(same.means, prior.means);
    t.deepEqual(same.cov, prior.cov);

    const std = noisedPrior(prior, 0, 1);
    t.is(std.kind, kind);
    t.deepEqual(Array.from(std.means), [0, 0, 0, 0, 0, 0]);
    for (let k = 0; k < 3; k++) t.deepEqual(Array.from(gmmComponentCovariance(std, k)), [1, 0, 0, 1]);
    // Any point: density of N(0, I₂).
    for (const x of [[0, 0], [1.5, -0.5]]) {
      close(t, gmmLogDensity(std, x), -Math.log(2 * Math.PI) - 0.5 * (x[0] ** 2 + x[1] ** 2), 1e-14, 1, 'N(0,I) density');
    }
  });

  test(`noisedPrior (${kind}): moments of a·X + b·Z are a·E[X] and a²Cov[X] + b²I`, (t) => {
    const prior = prior2(kind);
    const g = gridPosterior(kind, false); // prior moments from the grid, independent of the library
    const a = 0.6, b2 = 0.64;
    const full = exactPosteriorOf({ prior: noisedPrior(prior, a, b2) });
    close(t, full.mean[0], a * g.mean[0], 1e-6, 1, 'mean[0]');
    close(t, full.mean[1], a * g.mean[1], 1e-6, 1, 'mean[1]');
    close(t, full.covariance[0], a * a * g.cov[0] + b2, 1e-6, 1, 'cov[0,0]');
    close(t, full.covariance[1], a * a * g.cov[1], 1e-6, 1, 'cov[0,1]');
    close(t, full.covariance[3], a * a * g.cov[2] + b2, 1e-6, 1, 'cov[1,1]');
  });
}

test('OU limit: posterior of N(0, I) under y = Ax + N(0, η²I) is N((I + AᵀA/η²)⁻¹Aᵀy/η², (I + AᵀA/η²)⁻¹)', (t) => {
  const A = [0.8, -0.6, 0.3, 1.1];
  const y = [0.7, -0.4];
  const eta2 = 0.5;
  const post = exactPosterior(noisedPrior(prior2('full'), 0, 1), { A: Float64Array.from(A), y: Float64Array.from(y), noiseVar: Float64Array.of(eta2, eta2) });
  // P = I + AᵀA/η², inverted by hand.
  const p11 = 1 + (A[0] * A[0] + A[2] * A[2]) / eta2;
  const p12 = (A[0] * A[1] + A[2] * A[3]) / eta2;
  const p22 = 1 + (A[1] * A[1] + A[3] * A[3]) / eta2;
  const det = p11 * p22 - p12 * p12;
  const c = [p22 / det, -p12 / det, -p12 / det, p11 / det];
  const b0 = (A[0] * y[0] + A[2] * y[1]) / eta2;
  const b1 = (A[1] * y[0] + A[3] * y[1]) / eta2;
  const mean = [c[0] * b0 + c[1] * b1, c[2] * b0 + c[3] * b1];
  for (let i = 0; i < 2; i++) close(t, post.mean[i], mean[i], 1e-13, 1, `mean[${i}]`);
  for (let i = 0; i < 4; i++) close(t, post.covariance[i], c[i], 1e-13, 1, `cov[${i}]`);
  for (let k = 0; k < 3; k++) close(t, post.weights[k], WEIGHTS[k], 1e-13, 1, `w${k}`);
});

test('mixtureMoments on a hand-computed two-point mixture', (t) => {
  // ½δ(−1) + ½δ(3) in 1-D with component variances 1 and 2: mean 1, variance 1.5 + 4.
  const { mean, covariance } = mixtureMoments(Float64Array.of(0.5, 0.5), Float64Array.of(-1, 3), Float64Array.of(1, 2), 1);
  t.is(mean[0], 1);
  t.is(covariance[0], 5.5);
});

test('invalid likelihoods raise LangevinError', (t) => {
  const prior = prior2('full');
  const badA = t.throws(() => exactPosterior(prior, { A: new Float64Array(3), y: Float64Array.of(1), noiseVar: Float64Array.of(1) }), { instanceOf: LangevinError });
  t.is(badA?.code, 'E_SHAPE');
  t.is(badA?.field, 'likelihood.A');
  const badNoise = t.throws(() => exactPosterior(prior, { A: new Float64Array(2), y: Float64Array.of(1), noiseVar: Float64Array.of(-1) }), { instanceOf: LangevinError });
  t.is(badNoise?.code, 'E_VALUE');
  // Two identical exact measurements: S_k singular.
  const singular = t.throws(
    () => exactPosterior(prior, { A: Float64Array.of(1, 0, 1, 0), y: Float64Array.of(1, 1), noiseVar: Float64Array.of(0, 0) }),
    { instanceOf: LangevinError },
  );
  t.is(singular?.code, 'E_VALUE');
  t.is(singular?.field, 'likelihood.noiseVar');
  const wrongOp = t.throws(
    () => exactPosteriorOf({ prior, likelihood: { operator: { type: 'identity', dim: 3 }, y: new Float64Array(3), noiseStd: 1 } }),
    { instanceOf: LangevinError },
  );
  t.is(wrongOp?.code, 'E_SHAPE');
  t.is(t.throws(() => noisedPrior(prior, 1, -1), { instanceOf: LangevinError })?.code, 'E_VALUE');
});

// SPDX-License-Identifier: MIT
// The EPLL-style patch-GMM image prior: its native score against a double-precision reference,
// its problem-file form, and sample() against the exact posterior where the prior factorises
// (disjoint patches, a pixelwise operator).
import test from 'ava';
import { freshStatus } from '../lib/engine/chains.js';
import { LangevinError } from '../lib/errors.js';
import { operatorTables, priorTables } from '../lib/engine/nativeTables.js';
import { runNativePhase } from '../lib/engine/nativePhase.js';
import type { RunContext } from '../lib/engine/phase.js';
import { exactPosterior, gmmScore, noisedPrior } from '../lib/math/posterior.js';
import { parseGmmPrior, parseProblem } from '../lib/problem/index.js';
import { sample } from '../lib/sample.js';
import { constantSchedule } from '../lib/samplers/schedule.js';
import type { GmmPrior, PatchGmmPrior } from '../lib/types.js';
import { randomSpd } from './helpers/problems.js';
import { chi2Quantile, covarianceTolerance, moments, relativeFrobenius, rng } from './helpers/stats.js';

/** A K-component full-covariance GMM on k×k patches with values around 0.5. */
function patchGmmJson(k: number, K: number, seed: number) {
  const r = rng(seed);
  const d = k * k;
  return {
    type: 'gmm',
    weights: Array.from({ length: K }, () => 0.5 + r()),
    means: Array.from({ length: K }, () => Array.from({ length: d }, () => 0.3 + 0.4 * r())),
    covariance: { type: 'full', matrices: Array.from({ length: K }, () => randomSpd(d, 0.01, 0.06, r)) },
  };
}

/** w·Σ_j P_jᵀ ∇log g_{a,b}(P_j x) in double precision, straight from the definition. */
function referenceScore(p: PatchGmmPrior, x: Float32Array, a: number, b2: number): Float64Array {
  const { channels: C, height: H, width: W } = p.shape;
  const k = p.patchSize;
  const g = noisedPrior(p.gmm, a, b2);
  const w = (p.stride / k) ** 2;
  const out = new Float64Array(C * H * W);
  const patch = new Float64Array(k * k);
  for (let c = 0; c < C; c++)
    for (let r0 = 0; r0 < H; r0 += p.stride)
      for (let c0 = 0; c0 < W; c0 += p.stride) {
        const at = (u: number, v: number) => c * H * W + ((r0 + u) % H) * W + ((c0 + v) % W);
        for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) patch[u * k + v] = x[at(u, v)];
        const s = gmmScore(g, patch);
        for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) out[at(u, v)] += w * s[u * k + v];
      }
  return out;
}

function context(prior: PatchGmmPrior): RunContext {
  return { device: 'cpu', threads: 0, seed: 3n, chainOffset: 0, prior: priorTables(prior), operator: operatorTables(undefined) };
}

for (const { shape, k, stride } of [
  { shape: [1, 6, 6], k: 3, stride: 1 },
  { shape: [2, 5, 7], k: 3, stride: 2 }, // non-square, wrap-around, 2 channels
  { shape: [1, 8, 8], k: 4, stride: 4 },
]) {
  test(`native patch-prior score = reference: image ${shape.join('×')}, ${k}×${k} patches, stride ${stride}, noised a = 0.8, b² = 0.05`, async (t) => {
    const problem = parseProblem({ prior: { type: 'patch-gmm', shape, patch: k, stride, gmm: patchGmmJson(k, 3, 40 + k) } });
    const prior = problem.prior as PatchGmmPrior;
    const d = prior.dim, chains = 5;
    const r = rng(9);
    const x = Float32Array.from({ length: chains * d }, () => 0.2 + 0.6 * r());
    const ref = new Float32Array(chains * d);
    for (let c = 0; c < chains; c++) ref.set(referenceScore(prior, x.subarray(c * d, (c + 1) * d), 0.8, 0.05), c * d);
    // One step with the native prior and one with the reference handed in as the score: same noise,
    // so the states differ by h·(native score − reference score).
    const h = 1e-3;
    const spec = { name: 'check', stream: 9, schedule: constantSchedule(1, { h, a: 0.8, b2: 0.05 }) };
    const state = () => ({ chains, dim: d, x: Float32Array.from(x), status: freshStatus(chains) });
    const nat = await runNativePhase(context(prior), spec, state());
    const ext = await runNativePhase({ ...context(prior), prior: priorTables({ kind: 'score', dim: d, model: { dim: d, score: async () => {} }, scale: { minVariance: 1, maxVariance: 1, meanSquare: 1 } }) }, spec, state(), ref);
    let worst = 0, norm = 0;
    for (let i = 0; i < chains * d; i++) {
      worst = Math.max(worst, Math.abs(nat.x[i] - ext.x[i]) / h);
      norm = Math.max(norm, Math.abs(ref[i]));
    }
    t.true(worst < 2e-4 * norm + 2e-3, `max |score error| ${worst} (max |score| ${norm})`);
  });
}

test('patch-gmm problem files are validated before any work', (t) => {
  const gmm = patchGmmJson(2, 2, 1);
  const ok = parseProblem({ prior: { type: 'patch-gmm', shape: [4, 4], patch: 2, gmm } });
  t.like(ok.prior, { kind: 'patch-gmm', dim: 16, stride: 1, patchSize: 2 });
  const cases: [Record<string, unknown>, string, LangevinError["code"]][] = [
    [{ shape: [4, 4], patch: 5, gmm }, 'prior.patch', 'E_VALUE'],
    [{ shape: [4, 4], patch: 2, stride: 3, gmm }, 'prior.stride', 'E_VALUE'],
    [{ shape: [4, 4], patch: 3, gmm }, 'prior.gmm', 'E_SHAPE'],
    [{ shape: [4, 4], patch: 2, gmm, extra: 1 }, 'prior.extra', 'E_OPTION'],
    [{ shape: [0, 4], patch: 2, gmm }, 'prior.shape[0]', 'E_VALUE'],
    [{ shape: [4, 4], patch: 2, gmm: { ...gmm, weights: [1, -1] } }, 'prior.gmm.weights[1]', 'E_VALUE'],
  ];
  for (const [raw, field, code] of cases) {
    const e = t.throws(() => parseProblem({ prior: { type: 'patch-gmm', ...raw } }), undefined, JSON.stringify(raw)) as LangevinError;
    t.is(e.field, field, e.message);
    t.is(e.code, code, e.message);
  }
  const e = t.throws(() => parseProblem({ prior: { type: 'patch-gmm', shape: [4, 4], patch: 2, gmm }, likelihood: { operator: { type: 'identity' }, y: new Array(15).fill(0), noiseStd: 0.1 } })) as LangevinError;
  t.is(e.code, 'E_SHAPE');
});

// Disjoint 2×2 patches (stride = patch side, weight 1) make the prior a product of independent
// patch GMMs; a mask acts pixel by pixel, so the posterior is the product of the patches'
// exact posteriors.
const H = 4, W = 4, K = 2, k = 2;
const gmmJson = patchGmmJson(k, K, 7);
const keep = [0, 2, 3, 5, 6, 9, 12, 13, 15];
const truth = Array.from({ length: H * W }, (_, i) => 0.5 + 0.1 * Math.sin(i));
const eta = 0.1;
const noise = rng(21);
const y = keep.map((i) => truth[i] + eta * (noise() - 0.5));
const problem = parseProblem({
  prior: { type: 'patch-gmm', shape: [H, W], patch: k, stride: k, gmm: gmmJson },
  likelihood: { operator: { type: 'mask', mask: Array.from({ length: H * W }, (_, i) => (keep.includes(i) ? 1 : 0)) }, y, noiseStd: eta },
});

function patchPixels(r0: number, c0: number): number[] {
  return [r0 * W + c0, r0 * W + c0 + 1, (r0 + 1) * W + c0, (r0 + 1) * W + c0 + 1];
}

function exactPatchPosteriors() {
  const g: GmmPrior = parseGmmPrior(gmmJson);
  return [0, 2].flatMap((r0) => [0, 2].map((c0) => {
    const px = patchPixels(r0, c0);
    const seen = px.map((p, j) => ({ j, m: keep.indexOf(p) })).filter((o) => o.m >= 0);
    const A = new Float64Array(seen.length * 4);
    seen.forEach((o, row) => (A[row * 4 + o.j] = 1));
    return { px, post: exactPosterior(g, { A, y: Float64Array.from(seen.map((o) => y[o.m])), noiseVar: new Float64Array(seen.length).fill(eta * eta) }) };
  }));
}

// The plain annealing's default κ (from the action bound) asks for 10⁵+ steps on this stiff prior
// (patch variances down to 0.01): a fixed κ of a few units of Langevin time keeps the test short.
// With disjoint patches the EPLL product is the exact noised image prior, so reweighting is exact too.
for (const [sampler, extra] of [
  ['lmc', {}],
  ['dalmc', { dalmc: { kappa: 0.5, reweight: false } }],
  ['almc', { almc: { reweight: true }, population: 1024 }],
] as const) {
  test(`${sampler}${'population' in extra ? ' (reweighted)' : ''} with a patch-GMM prior matches the exact posterior of a factorising image problem`, async (t) => {
    const eps = 0.05;
    const r = await sample(problem, { sampler, chains: 3000, seed: 12, accuracy: eps, device: 'cpu', ...extra });
    t.is(r.summary.diagnostics.divergence.diverged, 0);
    t.regex(r.summary.prior, /patch GMM/);
    let stat = 0;
    for (const { px, post } of exactPatchPosteriors()) {
      const xs = new Float32Array(r.shape[0] * 4);
      for (let c = 0; c < r.shape[0]; c++) for (let j = 0; j < 4; j++) xs[c * 4 + j] = r.samples[c * H * W + px[j]];
      const m = moments(xs, 4);
      // Mahalanobis statistic of the mean, summed over the four independent patches: χ²₁₆.
      const inv = invert4(post.covariance);
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) stat += m.n * (m.mean[i] - post.mean[i]) * inv[i * 4 + j] * (m.mean[j] - post.mean[j]);
      const err = relativeFrobenius(m.cov, post.covariance);
      const tol = covarianceTolerance(post.covariance, 4, m.n) + 2 * eps;
      t.true(err < tol, `patch ${px}: covariance error ${err.toFixed(3)} ≥ ${tol.toFixed(3)}`);
    }
    t.true(stat < chi2Quantile(16, 3.719), `mean χ²₁₆ = ${stat.toFixed(1)}`);
  });
}

function invert4(a: Float64Array): Float64Array {
  // Gauss–Jordan on a 4×4 SPD matrix.
  const n = 4, m = Array.from({ length: n }, (_, i) => [...Array.from(a.subarray(i * n, (i + 1) * n)), ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= p;
    for (let r = 0; r < n; r++) if (r !== c) { const f = m[r][c]; for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j]; }
  }
  return Float64Array.from(m.flatMap((row) => row.slice(n)));
}

// One patch covering the whole image is the GMM prior itself: the annealed samplers' defaults read
// the same prior constants, and the native score is the same code, so the samples are identical.
for (const sampler of ['almc', 'dalmc'] as const) {
  test(`${sampler}: a patch prior with one patch covering the image gives the GMM prior's samples, bit for bit`, async (t) => {
    const lik = { operator: { type: 'mask', mask: [1, 1, 0, 1] }, y: [0.5, 0.55, 0.45], noiseStd: 0.1 };
    const asGmm = parseProblem({ prior: gmmJson, likelihood: lik });
    const asPatch = parseProblem({ prior: { type: 'patch-gmm', shape: [2, 2], patch: 2, stride: 2, gmm: gmmJson }, likelihood: lik });
    const opts = { sampler, chains: 64, seed: 3, accuracy: 0.3, device: 'cpu' as const, init: 'gaussian' as const, [sampler]: { reweight: false } };
    const a = await sample(asGmm, opts);
    const b = await sample(asPatch, opts);
    t.deepEqual(b.summary.phases.map((p) => p.steps), a.summary.phases.map((p) => p.steps));
    t.deepEqual(Array.from(b.samples), Array.from(a.samples));
  });
}

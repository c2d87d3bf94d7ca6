// SPDX-License-Identifier: MIT
// Reweighted annealing (lib/smc): the native log-densities and Metropolis-adjusted moves it rests
// on, its weights and resampling, and its samples against exact posteriors on hard problems —
// separated modes whose weights the likelihood moves, ill-conditioned covariances, small noise,
// underdetermined operators, a Gaussian prior under blur — with tolerances from the chain count.
import test from 'ava';
import { applyOperator } from '../lib/math/applyOperator.js';
import { gaussianBlur, separatedModes } from '../lib/bench/hardSuite.js';
import type { SeparatedModesSpec } from '../lib/bench/hardSuite.js';
import { LangevinError } from '../lib/errors.js';
import { covarianceNoise } from '../lib/diagnostics/health.js';
import { symmetricEigen } from '../lib/math/linalg.js';
import { observationTable, operatorTables, priorTables } from '../lib/engine/nativeTables.js';
import { runPhase } from '../lib/engine/phase.js';
import type { RunContext } from '../lib/engine/phase.js';
import { exactPosteriorOf, gmmLogDensity, noisedPrior } from '../lib/math/posterior.js';
import { parseGmmProblem, parseProblem } from '../lib/problem/index.js';
import { sample } from '../lib/sample.js';
import type { SamplerName } from '../lib/options.js';
import { constantSchedule } from '../lib/samplers/schedule.js';
import { logDensities } from '../lib/smc/logDensity.js';
import { principalOrder } from '../lib/smc/population.js';
import { preconditioning } from '../lib/smc/precondition.js';
import { conditionalEssFraction, essFraction, systematicAncestors } from '../lib/smc/weights.js';
import type { GmmProblem } from '../lib/types.js';
import { operatorRows } from '../lib/types.js';
import { parseOperator } from '../lib/problem/parseOperator.js';
import { meanChi2, moments } from './helpers/stats.js';

import { LOG_2PI } from '../lib/math/numeric.js';

function context(problem: GmmProblem, seed = 0n): RunContext {
  return { device: 'cpu', threads: 0, seed, chainOffset: 0, prior: priorTables(problem.prior), operator: operatorTables(problem.likelihood?.operator), y: observationTable(problem.likelihood) };
}

// ---- native log-densities ------------------------------------------------------------------------

for (const kind of ['isotropic', 'diagonal', 'full'] as const) {
  test(`log-density (${kind}): native log p_{a,b}(x) and ‖Ax − y‖² match a double-precision reference`, async (t) => {
    const p = parseGmmProblem(separatedModes({ seed: 11, d: 7, kind, condition: 20, operator: 'dense', noiseStd: 0.2 }));
    const chains = 6, d = 7;
    const x = Float32Array.from({ length: chains * d }, (_, i) => 1.3 * Math.sin(i * 1.7) + 0.2 * Math.cos(i));
    const levels = [{ a: 1, b2: 0 }, { a: 0.8, b2: 0.36 }, { a: 0.3, b2: 0.91 }, { a: 0, b2: 1 }];
    const out = await logDensities(context(p), { chains, dim: d, x, status: new Int32Array(chains).fill(-1) }, levels);
    for (let c = 0; c < chains; c++) {
      const xc = x.subarray(c * d, (c + 1) * d);
      levels.forEach((l, j) => {
        const ref = gmmLogDensity(noisedPrior(p.prior, l.a, l.b2), xc) + 0.5 * d * LOG_2PI;
        t.true(Math.abs(out.logp[c * levels.length + j] - ref) < 1e-4 * (1 + Math.abs(ref)), `chain ${c} level ${j}: ${out.logp[c * levels.length + j]} vs ${ref}`);
      });
      const ax = applyOperator(p.likelihood!.operator, xc);
      const rss = ax.reduce((s, v, j) => s + (v - p.likelihood!.y[j]) ** 2, 0);
      t.true(Math.abs(out.rss[c] - rss) < 1e-5 * (1 + rss), `rss ${out.rss[c]} vs ${rss}`);
    }
  });
}

test('log-density: residuals of imaging operators (blur FFT and direct, downsample, Fourier, composition) match applyOperator', async (t) => {
  const shape = [6, 6];
  const ops = [
    { type: 'blur', kernel: [[0.1, 0.2, 0.1], [0.2, 0.4, 0.2], [0.1, 0.2, 0.1]], shape },
    { type: 'blur', kernel: Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => 1 / (1 + i + j))), shape },
    { type: 'downsample', factor: 2, shape },
    { type: 'fourier', shape, samples: [0, 1, 7, 13, 20] },
    { type: 'compose', operators: [{ type: 'blur', kernel: [[0.5, 0.5]], shape }, { type: 'downsample', factor: 3, shape }] },
  ];
  const chains = 3, d = 36;
  const x = Float32Array.from({ length: chains * d }, (_, i) => Math.sin(0.37 * i));
  for (const raw of ops) {
    const operator = parseOperator('operator', raw, d);
    const m = operatorRows(operator);
    const y = Array.from({ length: m }, (_, j) => Math.cos(j));
    const p = parseGmmProblem({ prior: { type: 'gaussian', mean: new Array(d).fill(0.1), covariance: { type: 'isotropic', variances: [0.5] } }, likelihood: { operator: raw, y, noiseStd: 0.1 } });
    const out = await logDensities(context(p), { chains, dim: d, x, status: new Int32Array(chains).fill(-1) }, [{ a: 1, b2: 0 }]);
    for (let c = 0; c < chains; c++) {
      const ax = applyOperator(operator, x.subarray(c * d, (c + 1) * d));
      const rss = ax.reduce((s, v, j) => s + (v - y[j]) ** 2, 0);
      t.true(Math.abs(out.rss[c] - rss) < 1e-4 * (1 + rss), `${raw.type}: ${out.rss[c]} vs ${rss}`);
    }
  }
});

test('log-density: a patch prior gives w·Σ_j log GMM(P_j x) over its patches', async (t) => {
  const gmm = { type: 'gmm', weights: [0.4, 0.6], means: [[0, 0, 0, 0], [1, 0.5, 0.5, 1]], covariance: { type: 'diagonal', variances: [[0.2, 0.3, 0.4, 0.5], [0.5, 0.2, 0.3, 0.2]] } };
  const problem = parseProblem({ prior: { type: 'patch-gmm', shape: [4, 4], patch: 2, stride: 2, gmm } });
  const gmmPrior = parseGmmProblem({ prior: gmm }).prior;
  if (problem.prior.kind !== 'patch-gmm') throw new Error('expected a patch prior');
  const run: RunContext = { device: 'cpu', threads: 1, seed: 0n, chainOffset: 0, prior: priorTables(problem.prior), operator: operatorTables(undefined) };
  const chains = 2, d = 16;
  const x = Float32Array.from({ length: chains * d }, (_, i) => 0.5 + 0.4 * Math.sin(1.1 * i));
  const levels = [{ a: 1, b2: 0 }, { a: 0.7, b2: 0.51 }];
  const out = await logDensities(run, { chains, dim: d, x, status: new Int32Array(chains).fill(-1) }, levels);
  for (let c = 0; c < chains; c++)
    levels.forEach((l, j) => {
      let ref = 0;
      for (const [r0, c0] of [[0, 0], [0, 2], [2, 0], [2, 2]]) {
        const patch = [0, 1, 2, 3].map((q) => x[c * d + (r0 + (q >> 1)) * 4 + c0 + (q & 1)]);
        ref += gmmLogDensity(noisedPrior(gmmPrior, l.a, l.b2), patch) + 2 * LOG_2PI;
      }
      t.true(Math.abs(out.logp[c * 2 + j] - ref) < 1e-4 * (1 + Math.abs(ref)), `${out.logp[c * 2 + j]} vs ${ref}`);
    });
});

// ---- Metropolis-adjusted, preconditioned moves ---------------------------------------------------

test('MALA moves leave the exact posterior invariant at a step where ULA is visibly biased', async (t) => {
  // A Gaussian posterior (K = 1): exact draws in, 40 moves with h = 0.9 in the preconditioned metric.
  const p = parseGmmProblem(separatedModes({ seed: 12, d: 6, kind: 'full', condition: 50, operator: 'dense', noiseStd: 0.05 }));
  const one = parseGmmProblem({ prior: { type: 'gaussian', mean: Array.from(p.prior.means.subarray(0, 6)), covariance: { type: 'full', matrices: [chunk(Array.from(p.prior.cov.subarray(0, 36)), 6)] } }, likelihood: rawLikelihood(p) });
  const post = exactPosteriorOf(one);
  const ctx = context(one, 5n);
  const chains = 4000, d = 6;
  const c = 1 / one.likelihood!.noiseStd ** 2;
  const L = preconditioning(ctx.prior, one.likelihood!.operator)!.at(1, 0, c).factor;
  const { sampleGmm } = await import('../lib/engine/init.js');
  const { priorTables: tablesOf } = await import('../lib/engine/nativeTables.js');
  const postPrior = { kind: 'full' as const, dim: d, components: 1, weights: Float64Array.of(1), means: post.means, cov: post.covariances };
  const x0 = await sampleGmm(tablesOf(postPrior), chains, { seed: 9n, chainOffset: 0, device: 'cpu' });
  const run = (mala: boolean) => runPhase(ctx, { name: 'moves', stream: 40, schedule: constantSchedule(40, { h: 0.9, a: 1, b2: 0, c }), precond: L, mala }, { chains, dim: d, x: x0, status: new Int32Array(chains).fill(-1) });
  const adjusted = await run(true);
  const unadjusted = await run(false);
  const acc = adjusted.accepted!.reduce((a, b) => a + b, 0) / (chains * 40);
  t.true(acc > 0.3 && acc < 0.99, `acceptance ${acc}`);
  const varRatio = (x: Float32Array) => {
    // Whitened by the exact covariance, every variance is 1 for exact samples.
    const { mean, cov } = moments(x, d);
    const { values, vectors } = symmetricEigen(post.covariance, d);
    let worst = 0;
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) v += vectors[a * d + j] * cov[a * d + b] * vectors[b * d + j];
      worst = Math.max(worst, Math.abs(v / values[j] - 1));
    }
    return { worst, mean };
  };
  const tol = 5 * Math.sqrt(2 / (chains - 1));
  const a = varRatio(adjusted.x), u = varRatio(unadjusted.x);
  t.true(a.worst < tol, `MALA whitened variances off by ${a.worst.toFixed(3)} (tolerance ${tol.toFixed(3)})`);
  t.true(u.worst > tol, `ULA at the same step should be biased: ${u.worst.toFixed(3)}`);
  const chi = meanChi2(a.mean, post.mean, post.covariance, d, chains);
  t.true(chi.stat < chi.bound, `mean χ² ${chi.stat.toFixed(1)} ≥ ${chi.bound.toFixed(1)}`);
});

function chunk(v: number[], n: number): number[][] {
  return Array.from({ length: v.length / n }, (_, i) => v.slice(i * n, (i + 1) * n));
}
function rawLikelihood(p: GmmProblem): Record<string, unknown> {
  const op = p.likelihood!.operator;
  if (op.type !== 'dense') throw new Error('dense expected');
  return { operator: { type: 'dense', matrix: chunk(Array.from(op.matrix), op.cols) }, y: Array.from(p.likelihood!.y), noiseStd: p.likelihood!.noiseStd };
}

// ---- weights and resampling ----------------------------------------------------------------------

test('weights: ESS, conditional ESS and systematic resampling', (t) => {
  const n = 1000;
  const logw = Float64Array.from({ length: n }, (_, i) => (i < 500 ? 0 : Math.log(3)));
  // Two weight levels 1 and 3: ESS = (Σw)²/(nΣw²) = (2000)²/(1000·5000) = 0.8.
  t.true(Math.abs(essFraction(logw, 0, n) - 0.8) < 1e-12);
  t.true(Math.abs(conditionalEssFraction(new Float64Array(n), logw, 0, n) - 0.8) < 1e-12);
  t.true(Math.abs(conditionalEssFraction(logw, new Float64Array(n), 0, n) - 1) < 1e-12, 'a zero increment keeps the conditional ESS at 1');
  const anc = systematicAncestors(logw, 0, n, 0.37);
  const count = new Int32Array(n);
  for (const a of anc) count[a]++;
  // Systematic: each particle gets ⌊nW⌋ or ⌈nW⌉ copies; here 0.5 and 1.5.
  for (let i = 0; i < n; i++) t.true(i < 500 ? count[i] <= 1 : count[i] >= 1 && count[i] <= 2, `particle ${i}: ${count[i]}`);
  t.is(count.slice(500).reduce((a, b) => a + b, 0), 750);
  // Zero weights are never chosen, even at u = 0.
  const dead = Float64Array.from({ length: 10 }, (_, i) => (i % 3 === 0 ? -Infinity : 0));
  for (const u of [0, 0.5, 0.999999]) for (const a of systematicAncestors(dead, 0, 10, u)) t.not(a % 3, 0);
});

test('resampling order: particles of separated modes are contiguous along the leading principal direction', (t) => {
  const d = 5, n = 200;
  const x = new Float32Array(n * d);
  for (let c = 0; c < n; c++) for (let i = 0; i < d; i++) x[c * d + i] = (c % 2 === 0 ? 4 : -4) * (i === 2 ? 1 : 0.1) + 0.3 * Math.sin(c * 7.1 + i);
  const order = principalOrder(x, d, new Float64Array(n), 0, n);
  let switches = 0;
  for (let k = 1; k < n; k++) if (order[k] % 2 !== order[k - 1] % 2) switches++;
  t.is(switches, 1);
});

// ---- samplers against exact posteriors on hard problems ------------------------------------------

interface HardCase {
  spec: SeparatedModesSpec;
  samplers: SamplerName[];
}

// Separated modes (6 prior sd apart) reweighted from .9/.1 to .15/.85 by the likelihood; each
// case within the 10-minute CI budget (DALMC's likelihood-tempered path is the longest).
const HARD: HardCase[] = [
  { spec: { seed: 1, d: 2, kind: 'isotropic', operator: 'dense', m: 1, noiseStd: 0.3 }, samplers: ['almc', 'dalmc', 'xgp'] },
  { spec: { seed: 2, d: 8, kind: 'full', condition: 30, operator: 'dense', noiseStd: 0.1 }, samplers: ['almc', 'dalmc', 'xgp'] },
  { spec: { seed: 3, d: 16, kind: 'diagonal', condition: 30, operator: 'mask', noiseStd: 0.05 }, samplers: ['almc', 'dalmc', 'xgp'] },
  { spec: { seed: 6, d: 32, kind: 'isotropic', operator: 'dense', noiseStd: 1 }, samplers: ['almc', 'dalmc', 'xgp'] },
  { spec: { seed: 4, d: 64, kind: 'full', condition: 100, operator: 'dense', noiseStd: 0.01 }, samplers: ['almc', 'xgp'] },
];
const CHAINS = 2000;

for (const c of HARD)
  for (const sampler of c.samplers) {
    const { d, kind, operator, noiseStd } = c.spec;
    test(`${sampler} (reweighted default): separated modes .9/.1 → .15/.85, d = ${d}, ${kind}${c.spec.condition ? ` (condition ${c.spec.condition})` : ''}, ${operator}, σ = ${noiseStd}`, async (t) => {
      const problem = parseGmmProblem(separatedModes(c.spec));
      const r = await sample(problem, { sampler, chains: CHAINS, seed: 1, device: 'cpu' });
      const e = r.summary.diagnostics.exact!;
      const rw = r.summary.diagnostics.reweighting!;
      const post = exactPosteriorOf(problem);
      // Mode weights: the issue's target TV ≤ 0.05 at 2000 chains. (2000 independent draws would
      // be within 0.008 per standard error; the weights' resamplings make the run's estimate
      // noisier — measured 0.015–0.03 RMS over seeds at d = 64, σ = 0.01, see BENCHMARKS.md.)
      t.true(e.modeWeights.totalVariation < 0.05, `TV ${e.modeWeights.totalVariation.toFixed(4)}: ${e.modeWeights.sampled.map((v) => v.toFixed(3))} vs ${e.modeWeights.exact.map((v) => v.toFixed(3))}`);
      t.true(e.modeMeanZMax < 5, `per-mode mean |z| max ${e.modeMeanZMax.toFixed(2)}`);
      t.true(e.covarianceRelError < 0.05 + 5 * covarianceNoise(post, CHAINS), `covariance error ${e.covarianceRelError.toFixed(3)}`);
      // The evidence estimate against the exact log p(y).
      t.true(Math.abs(rw.logEvidence! - post.logEvidence) < 0.3, `log evidence ${rw.logEvidence} vs exact ${post.logEvidence}`);
      t.deepEqual(r.summary.warnings, []);
      t.log(`${r.summary.seconds.toFixed(1)} s, ${rw.levels} levels, ${rw.totalSteps} steps, TV ${e.modeWeights.totalVariation.toFixed(4)}, log Ẑ ${rw.logEvidence!.toFixed(3)} (exact ${post.logEvidence.toFixed(3)})`);
    });
  }

test('Gaussian prior under a 3×3 blur, d = 64, σ = 0.01: every sampler passes a χ² mean test and a whitened-variance test', async (t) => {
  const problem = parseGmmProblem(gaussianBlur({ seed: 7, side: 8, noiseStd: 0.01 }));
  const post = exactPosteriorOf(problem);
  const d = 64, chains = 2000;
  const { values, vectors } = symmetricEigen(post.covariance, d);
  for (const sampler of ['lmc', 'almc', 'dalmc', 'xgp'] as const) {
    const r = await sample(problem, { sampler, chains, seed: 2, device: 'cpu' });
    const { mean, cov } = moments(r.samples, d);
    const chi = meanChi2(mean, post.mean, post.covariance, d, chains);
    t.true(chi.stat < chi.bound, `${sampler}: mean χ² ${chi.stat.toFixed(1)} ≥ ${chi.bound.toFixed(1)}`);
    // Along each eigenvector of the exact covariance the sample variance over the exact one is
    // χ²_{n−1}/(n−1): within 5 sd of 1 in every one of the 64 directions (plus ε = 5 % bias for ULA).
    let worst = 0;
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) v += vectors[a * d + j] * cov[a * d + b] * vectors[b * d + j];
      worst = Math.max(worst, Math.abs(v / values[j] - 1));
    }
    const tol = 5 * Math.sqrt(2 / (chains - 1)) + (sampler === 'lmc' ? 0.05 : 0);
    t.true(worst < tol, `${sampler}: whitened variance off by ${worst.toFixed(3)} (tolerance ${tol.toFixed(3)})`);
    t.deepEqual(r.summary.warnings, [], sampler);
  }
});

// ---- the chain-split contract, determinism ------------------------------------------------------

test('reweighted samples depend on the island only: chain ranges, thread counts and batch splits agree bit for bit', async (t) => {
  const problem = parseGmmProblem(separatedModes({ seed: 2, d: 8, kind: 'full', condition: 30, operator: 'dense', noiseStd: 0.1 }));
  const base = { sampler: 'dalmc' as const, seed: 7, device: 'cpu' as const, population: 64 };
  const whole = await sample(problem, { ...base, chains: 256, threads: 2 });
  const part = await sample(problem, { ...base, chains: 70, chainOffset: 100, threads: 1 });
  const d = 8;
  t.deepEqual(Array.from(part.samples), Array.from(whole.samples.subarray(100 * d, 170 * d)));
  const again = await sample(problem, { ...base, chains: 256, threads: 1 });
  t.deepEqual(Array.from(again.samples), Array.from(whole.samples));
  t.is(part.summary.diagnostics.reweighting!.islands, 2, 'chains [100, 170) lie in islands 1 and 2 of 64 chains: [64, 192) is computed');
});

// ---- refusals and flags ----------------------------------------------------------------------------

test('refusals: own initial states, plain-schedule options, and reweighting a score model', async (t) => {
  const problem = parseGmmProblem(separatedModes({ seed: 1, d: 2, kind: 'isotropic', operator: 'dense', m: 1, noiseStd: 0.3 }));
  const e1 = await t.throwsAsync(sample(problem, { sampler: 'almc', chains: 10, init: 'zeros' }), { instanceOf: LangevinError });
  t.is(e1?.code, 'E_OPTION');
  t.is(e1?.field, 'options.init');
  const e2 = await t.throwsAsync(sample(problem, { sampler: 'almc', chains: 10, almc: { kappa: 3 } }), { instanceOf: LangevinError });
  t.is(e2?.field, 'options.almc.kappa');
  const e3 = await t.throwsAsync(sample(problem, { sampler: 'xgp', chains: 10, xgp: { stageTime: 3 } }), { instanceOf: LangevinError });
  t.is(e3?.field, 'options.xgp.stageTime');
  // The plain versions still take them.
  const plain = await sample(problem, { sampler: 'almc', chains: 10, init: 'zeros', almc: { kappa: 3, reweight: false } });
  t.regex(plain.summary.settings.reweighting as string, /^off/);
  // A score model (here −x, the score of N(0, I) at every σ… up to scale) has no log-density.
  let calls = 0;
  const model = { dim: 2, async score(x: Float32Array, _chains: number, sigma: number, out: Float32Array) { calls++; for (let i = 0; i < x.length; i++) out[i] = -x[i] / (1 + sigma * sigma); } };
  const scoreProblem = { prior: { kind: 'score' as const, dim: 2, model, scale: { minVariance: 1, maxVariance: 1, meanSquare: 1 } }, likelihood: parseProblem({ prior: { type: 'gaussian', mean: [0, 0], covariance: { type: 'isotropic', variances: [1] } }, likelihood: { operator: { type: 'identity' }, y: [0.3, -0.2], noiseStd: 0.5 } }).likelihood };
  const e4 = await t.throwsAsync(sample(scoreProblem, { sampler: 'dalmc', chains: 4, dalmc: { reweight: true } }), { instanceOf: LangevinError });
  t.is(e4?.code, 'E_UNSUPPORTED');
  t.is(calls, 0, 'refused before any model call');
  // By default it runs the plain annealing and says why.
  const r = await sample(scoreProblem, { sampler: 'dalmc', chains: 4, steps: 20 });
  t.regex(r.summary.settings.reweighting as string, /unavailable: a score model has no log-density/);
});

// ---- loud failure ----------------------------------------------------------------------------------

test('a run that fails its own checks says so: plain LMC on separated modes warns, strict rejects with the result attached', async (t) => {
  const problem = parseGmmProblem(separatedModes({ seed: 3, d: 16, kind: 'diagonal', condition: 30, operator: 'mask', noiseStd: 0.05 }));
  const r = await sample(problem, { sampler: 'lmc', chains: 500, seed: 1, device: 'cpu' });
  t.true(r.summary.warnings.some((w) => w.startsWith('mode weights are wrong')), r.summary.warnings.join('\n'));
  const err = await t.throwsAsync(sample(problem, { sampler: 'lmc', chains: 500, seed: 1, device: 'cpu', strict: true }), { instanceOf: LangevinError });
  t.is(err?.code, 'E_INACCURATE');
  const attached = err?.result as typeof r;
  t.deepEqual(Array.from(attached.samples), Array.from(r.samples), 'the failed run is attached, identical');
  // The same problem with the reweighted default passes every check.
  const ok = await sample(problem, { sampler: 'almc', chains: 1000, seed: 1, device: 'cpu', strict: true });
  t.deepEqual(ok.summary.warnings, []);
});

test('a capped run warns: the plain annealing schedules never hit their cap silently', async (t) => {
  const problem = parseGmmProblem(separatedModes({ seed: 4, d: 16, kind: 'full', condition: 100, operator: 'dense', noiseStd: 0.01 }));
  // The plain annealing's bounds ask for more steps than the cap here (4 chains keep it quick).
  for (const sampler of ['almc', 'dalmc', 'xgp'] as const) {
    const r = await sample(problem, { sampler, chains: 4, seed: 1, device: 'cpu', [sampler]: { reweight: false } });
    t.true(r.summary.warnings.some((w) => /cap/.test(w)), `${sampler}: ${r.summary.warnings.join(' | ')}`);
  }
});

test('DALMC without a likelihood is checked against the prior, not the posterior', async (t) => {
  const problem = parseGmmProblem(separatedModes({ seed: 1, d: 2, kind: 'isotropic', operator: 'dense', m: 1, noiseStd: 0.3 }));
  const r = await sample(problem, { sampler: 'dalmc', chains: 2000, seed: 1, device: 'cpu', dalmc: { likelihood: false } });
  const e = r.summary.diagnostics.exact!;
  t.deepEqual(e.modeWeights.exact.map((w) => +w.toFixed(9)), [0.9, 0.1]);
  t.true(e.modeWeights.totalVariation < 0.03, `TV ${e.modeWeights.totalVariation}`);
  t.is(r.summary.diagnostics.residual, undefined, 'no residual against a likelihood the run ignored');
  t.deepEqual(r.summary.warnings, []);
  // A prior's evidence is 1: log Ẑ ≈ 0.
  t.true(Math.abs(r.summary.diagnostics.reweighting!.logEvidence!) < 0.15, `log Ẑ ${r.summary.diagnostics.reweighting!.logEvidence}`);
});

test('CLI: warnings go to stderr; --strict exits 3 and writes nothing', async (t) => {
  const { execFile } = await import('node:child_process');
  const { mkdtempSync, writeFileSync, existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'langevin-strict-'));
  const file = join(dir, 'problem.json');
  writeFileSync(file, JSON.stringify(separatedModes({ seed: 3, d: 16, kind: 'diagonal', condition: 30, operator: 'mask', noiseStd: 0.05 })));
  const run = (args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [cli, 'sample', file, '--sampler', 'lmc', '--chains', '400', ...args], { timeout: 120_000 }, (err, _out, stderr) =>
        resolve({ code: err ? (((err as { code?: number }).code as number) ?? 1) : 0, stderr }),
      ),
    );
  const loose = await run(['--out', join(dir, 'a.npy')]);
  t.is(loose.code, 0);
  t.regex(loose.stderr, /langevin: warning: mode weights are wrong/);
  t.true(existsSync(join(dir, 'a.npy')));
  const strict = await run(['--strict', '--out', join(dir, 'b.npy')]);
  t.is(strict.code, 3);
  t.regex(strict.stderr, /E_INACCURATE/);
  t.false(existsSync(join(dir, 'b.npy')));
});

test('budget: shortens a default run loudly, and the steps it came to reproduce it', async (t) => {
  const problem = parseGmmProblem(separatedModes({ seed: 2, d: 8, kind: 'full', condition: 30, operator: 'dense', noiseStd: 0.1 }));
  const full = await sample(problem, { sampler: 'almc', chains: 500, seed: 1 });
  const cut = await sample(problem, { sampler: 'almc', chains: 500, seed: 1, budget: { steps: 30 } });
  t.true(cut.summary.diagnostics.reweighting!.totalSteps <= 30, `${cut.summary.diagnostics.reweighting!.totalSteps} steps`);
  t.true(cut.summary.diagnostics.reweighting!.totalSteps < full.summary.diagnostics.reweighting!.totalSteps);
  t.true(cut.summary.warnings.some((w) => w.startsWith('budget:')));
  const timed = await sample(problem, { sampler: 'lmc', chains: 200, seed: 1, budget: { seconds: 0.05 } });
  const ran = (timed.summary.settings.steps as { value: number }).value;
  t.true(timed.summary.warnings.some((w) => w.startsWith('budget:')));
  const again = await sample(problem, { sampler: 'lmc', chains: 200, seed: 1, steps: ran });
  t.deepEqual(Array.from(again.samples), Array.from(timed.samples), `steps: ${ran} reproduces the timed run`);
  const e = await t.throwsAsync(sample(problem, { sampler: 'lmc', steps: 10, budget: { steps: 5 } }), { instanceOf: LangevinError });
  t.is(e?.field, 'options.budget');
  const e2 = await t.throwsAsync(sample(problem, { sampler: 'xgp', xgp: { reweight: false }, budget: { seconds: 5 } }), { instanceOf: LangevinError });
  t.is(e2?.field, 'options.budget.seconds');
});

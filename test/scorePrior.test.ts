// SPDX-License-Identifier: MIT
// Learned priors: a score model (the caller's JS, or an ONNX file through the optional
// onnxruntime-node) supplies the prior score; the likelihood gradient, noise and update stay native.
// ONNX models here are written by test/helpers/onnxModel.ts with closed-form outputs, so samplers
// are checked against exact Gaussian posteriors.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LangevinError } from '../lib/errors.js';
import { onnxAvailable } from '../lib/models/onnx/onnxScoreModel.js';
import { exactPosteriorOf } from '../lib/math/posterior.js';
import { parseGmmProblem, parseProblem } from '../lib/problem/index.js';
import { sample } from '../lib/sample.js';
import type { Problem, ScoreModel } from '../lib/types.js';
import { gaussianOnnxModel } from './helpers/onnxModel.js';
import { covarianceTolerance, meanChi2, moments, relativeFrobenius } from './helpers/stats.js';

const dir = mkdtempSync(join(tmpdir(), 'langevin-onnx-'));
const ortPresent = await onnxAvailable();
/** ONNX tests run where onnxruntime-node is installed and are listed as skipped elsewhere. */
const onnxTest = ortPresent ? test : test.skip;

const mu = [0.5, -1, 2, 0];
const v = [1, 0.5, 2, 0.8];
const scale = { minVariance: 0.5, maxVariance: 2, meanSquare: 2.1 };
const likelihood = { operator: { type: 'dense', matrix: [[1, 0.5, 0, 0], [0, 1, -0.5, 0.3]] }, y: [1, 0.5], noiseStd: 0.5 };
const gmmProblem = parseGmmProblem({ prior: { type: 'gaussian', mean: mu, covariance: { type: 'diagonal', variances: [v] } }, likelihood });
const exact = exactPosteriorOf(gmmProblem);

function writeModel(name: string, output: 'score' | 'denoiser', shape = [4], names?: { x?: string; sigma?: string; output?: string }): string {
  const p = join(dir, name);
  writeFileSync(p, gaussianOnnxModel({ shape, mean: mu, variance: v, output, names }));
  return p;
}
const scoreModelPath = writeModel('score.onnx', 'score');
const denoiserModelPath = writeModel('denoiser.onnx', 'denoiser');

function onnxProblem(model: string, extra: Record<string, unknown> = {}): Problem {
  return parseProblem({ prior: { type: 'onnx', model, shape: [4], output: 'score', scale, ...extra }, likelihood });
}

/** The Gaussian prior's score in JavaScript, counting its calls. */
function jsGaussianModel(): ScoreModel & { calls: number; sigmas: number[] } {
  const m = {
    dim: 4,
    calls: 0,
    sigmas: [] as number[],
    async score(x: Float32Array, chains: number, sigma: number, out: Float32Array) {
      m.calls++;
      m.sigmas.push(sigma);
      for (let c = 0; c < chains; c++) for (let i = 0; i < 4; i++) out[c * 4 + i] = -(x[c * 4 + i] - mu[i]) / (v[i] + sigma * sigma);
    },
  };
  return m;
}

function jsProblem(model: ScoreModel): Problem {
  return { prior: { kind: 'score', dim: 4, model, scale }, likelihood: gmmProblem.likelihood };
}

function checkExact(t: import('ava').ExecutionContext, samples: Float32Array, eps: number) {
  const { n, mean, cov } = moments(samples, 4);
  const { stat, bound } = meanChi2(mean, exact.mean, exact.covariance, 4, n);
  t.true(stat < bound, `mean χ²_4 = ${stat.toFixed(2)} ≥ ${bound.toFixed(2)}`);
  const err = relativeFrobenius(cov, exact.covariance);
  const tol = covarianceTolerance(exact.covariance, 4, n) + eps;
  t.true(err < tol, `covariance error ${err.toFixed(4)} ≥ ${tol.toFixed(4)}`);
}

test('the external-score step is the native step: a JS Gaussian score gives the native GMM prior’s samples', async (t) => {
  const opts = { sampler: 'lmc' as const, chains: 64, seed: 11, steps: 200, stepSize: 0.02, init: 'zeros' as const, device: 'cpu' as const };
  const native = await sample(gmmProblem, opts);
  const model = jsGaussianModel();
  const scored = await sample(jsProblem(model), opts);
  t.is(model.calls, 200);
  let maxDiff = 0;
  for (let i = 0; i < native.samples.length; i++) maxDiff = Math.max(maxDiff, Math.abs(native.samples[i] - scored.samples[i]));
  t.true(maxDiff < 1e-4, `max |Δx| = ${maxDiff}`); // same noise keys; only float rounding of the score differs
});

test('ALMC with a score model: the warm start (a = 0) never calls the model; the anneal calls it once per step at σ = b/a', async (t) => {
  const model = jsGaussianModel();
  const r = await sample(jsProblem(model), { sampler: 'almc', chains: 32, seed: 1, accuracy: 0.2, device: 'cpu' });
  const anneal = r.summary.phases.find((p) => p.name === 'anneal')!;
  t.is(model.calls, anneal.steps);
  t.true(model.sigmas[0] > model.sigmas[model.sigmas.length - 1], 'σ decreases along the path');
  t.true(model.sigmas[model.sigmas.length - 1] > 0);
  t.regex(r.summary.prior, /score model/);
});

test('same seed, same samples: chain splits with chainOffset reproduce the whole run', async (t) => {
  const opts = { sampler: 'lmc' as const, seed: 5, steps: 100, stepSize: 0.02, device: 'cpu' as const };
  const whole = await sample(jsProblem(jsGaussianModel()), { ...opts, chains: 40 });
  const a = await sample(jsProblem(jsGaussianModel()), { ...opts, chains: 25 });
  const b = await sample(jsProblem(jsGaussianModel()), { ...opts, chains: 15, chainOffset: 25 });
  t.deepEqual(Array.from(whole.samples), [...a.samples, ...b.samples]);
});

test('a non-finite score diverges that chain only, reported per chain and never patched', async (t) => {
  const base = jsGaussianModel();
  const model: ScoreModel = {
    dim: 4,
    async score(x, chains, sigma, out) {
      await base.score(x, chains, sigma, out);
      if (base.calls === 30) out[3 * 4 + 1] = Number.NaN;
    },
  };
  const r = await sample(jsProblem(model), { sampler: 'lmc', chains: 8, seed: 2, steps: 60, stepSize: 0.02, device: 'cpu' });
  t.is(r.status[3], 29);
  t.is(r.summary.diagnostics.divergence.diverged, 1);
  t.true(Array.from(r.status).every((s, c) => c === 3 || s === -1));
  t.true(Array.from(r.samples).every(Number.isFinite));
});

test('score priors are refused where a sampler needs a GMM: xgp, init "prior", the Student-t base', async (t) => {
  const p = jsProblem(jsGaussianModel());
  for (const [opts, field] of [
    [{ sampler: 'xgp' }, 'prior.type'],
    [{ init: 'prior' }, 'options.init'],
    [{ sampler: 'dalmc', dalmc: { base: 'student-t' } }, 'options.dalmc.base'],
  ] as const) {
    const e = await t.throwsAsync(sample(p, { chains: 4, device: 'cpu', ...opts }));
    t.true(e instanceof LangevinError && e.code === 'E_UNSUPPORTED' && e.field === field, `${JSON.stringify(opts)}: ${e?.message}`);
  }
  const wrongDim = { ...jsGaussianModel(), dim: 3 };
  const e = await t.throwsAsync(sample(jsProblem(wrongDim), { chains: 4, device: 'cpu' }));
  t.is((e as LangevinError).code, 'E_SHAPE');
});

test('an onnx prior whose model file is missing fails while parsing (E_FILE)', (t) => {
  const e = t.throws(() => onnxProblem(join(dir, 'nope.onnx')));
  t.is((e as LangevinError).code, 'E_FILE');
  t.is((e as LangevinError).field, 'prior.model');
  const bad = t.throws(() => parseProblem({ prior: { type: 'onnx', model: scoreModelPath, shape: [4], output: 'score', scale: { ...scale, maxVariance: 0.1 } } }));
  t.is((bad as LangevinError).field, 'prior.scale.maxVariance');
});

test('without onnxruntime-node an onnx prior fails with E_DEPENDENCY and how to install it', async (t) => {
  const script = `
    import { parseProblem } from ${JSON.stringify(new URL('../lib/problem/index.js', import.meta.url).href)};
    import { sample } from ${JSON.stringify(new URL('../lib/sample.js', import.meta.url).href)};
    const p = parseProblem({ prior: { type: 'onnx', model: ${JSON.stringify(scoreModelPath)}, shape: [4], output: 'score', scale: ${JSON.stringify(scale)} } });
    try { await sample(p, { chains: 2, device: 'cpu' }); console.log('no error'); } catch (e) { console.log(e.code, e.message); }`;
  const blocker = fileURLToPath(new URL('../../test/helpers/blockOrt.mjs', import.meta.url));
  const out = await new Promise<string>((resolve) =>
    execFile(process.execPath, ['--import', blocker, '--input-type=module', '-e', script], { timeout: 60_000 }, (_e, stdout, stderr) => resolve(stdout + stderr)),
  );
  t.regex(out, /^E_DEPENDENCY .*npm install onnxruntime-node.*ONNXRUNTIME_NODE_INSTALL=skip/m);
});

onnxTest('ONNX score model: LMC matches the exact Gaussian posterior', async (t) => {
  const eps = 0.01;
  const r = await sample(onnxProblem(scoreModelPath), { sampler: 'lmc', chains: 4000, seed: 7, accuracy: eps, device: 'cpu' });
  t.is(r.summary.diagnostics.divergence.diverged, 0);
  checkExact(t, r.samples, eps);
  t.regex(r.summary.prior, /ONNX model .*score\.onnx/);
});

onnxTest('ONNX denoiser model (Tweedie score): DALMC matches the exact Gaussian posterior', async (t) => {
  const eps = 0.05;
  const p = parseProblem({ prior: { type: 'onnx', model: denoiserModelPath, shape: [4], output: 'denoiser', minSigma: 1e-3, scale }, likelihood });
  const r = await sample(p, { sampler: 'dalmc', chains: 3000, seed: 8, accuracy: eps, device: 'cpu' });
  checkExact(t, r.samples, eps);
});

onnxTest('ONNX model batches: samples do not depend on the batch size', async (t) => {
  const opts = { sampler: 'lmc' as const, chains: 50, seed: 4, steps: 40, stepSize: 0.02, device: 'cpu' as const };
  const all = await sample(onnxProblem(scoreModelPath), opts);
  const batched = await sample(onnxProblem(scoreModelPath, { batch: 7 }), opts);
  t.deepEqual(Array.from(batched.samples), Array.from(all.samples));
});

onnxTest('ONNX models are checked before sampling: input names, shapes', async (t) => {
  const renamed = writeModel('renamed.onnx', 'score', [4], { x: 'image', sigma: 'noise_level', output: 'grad' });
  const ok = await sample(onnxProblem(renamed, { names: { x: 'image', sigma: 'noise_level', output: 'grad' } }), { chains: 4, steps: 3, stepSize: 0.01, device: 'cpu' });
  t.is(ok.samples.length, 16);
  const wrongName = await t.throwsAsync(sample(onnxProblem(renamed, { names: { x: 'x' } }), { chains: 4, device: 'cpu' }));
  t.is((wrongName as LangevinError).code, 'E_FILE');
  t.regex(wrongName!.message, /no input 'x'.*image, noise_level/);
  const image = writeModel('image.onnx', 'score', [1, 2, 2]);
  const wrongShape = await t.throwsAsync(sample(onnxProblem(image), { chains: 4, device: 'cpu' }));
  t.is((wrongShape as LangevinError).code, 'E_SHAPE');
  const imageProblem = parseProblem({ prior: { type: 'onnx', model: image, shape: [1, 2, 2], output: 'score', scale }, likelihood });
  const r = await sample(imageProblem, { chains: 4, steps: 3, stepSize: 0.01, device: 'cpu' });
  t.is(r.shape[1], 4);
  writeFileSync(join(dir, 'junk.onnx'), 'not a model');
  const junk = await t.throwsAsync(sample(onnxProblem(join(dir, 'junk.onnx')), { chains: 4, device: 'cpu' }));
  t.is((junk as LangevinError).code, 'E_FILE');
});

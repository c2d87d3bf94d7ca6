// SPDX-License-Identifier: MIT
// The Staged GPU family on imaging problems, under SIMT emulation, against the CPU backend on the
// same seed (as test/simtDense.test.ts does for dense operators and full covariances): operator
// programs through ImageOpBatch (native/cuda/image_op_batch.h: direct and FFT blur, downsample,
// Fourier, compositions, XGP's per-chain observations) and the patch-GMM prior through
// PatchScoreBatch (native/cuda/patch_score_batch.h). Each test asserts that every phase ran on
// the Staged family.
//
// Tolerance: the kernels evaluate the core's formulas in the core's order (ImageOpBatch and
// PatchScoreBatch match the core bit for bit, native/simt/image_selftest.cc); what differs is that
// the Staged update multiplies by c = 1/η² after Aᵀ instead of inside it (stage_grad's c·(y − Ax)
// or c/HW), and sums an isotropic/diagonal GMM's quadratic forms by block reduction. That is a few
// float roundings (≲ 1e-6 relative) of a drift of size ≲ c·|Aᵀ(y − Ax)| ≈ 11 · O(1), so ≲ 1e-5 per
// step, times h ≤ 0.01: ≈ 1e-7 per step, ≤ 1e-5 over these runs. 1e-4 · max(1, |x|) is loose for
// rounding, yet a wrong index, patch offset, transform direction or step (an O(h) = 1e-2 change in
// one step) fails it. Divergence statuses must be identical.
import test from 'ava';
import { parseProblem } from '../lib/problem/index.js';
import { covarianceJson, randomSpd } from './helpers/problems.js';
import { both, maxAbsDiff, scale, type Opts, type Problem } from './helpers/simtDevice.js';
import { rng } from './helpers/stats.js';

async function staged(t: import('ava').ExecutionContext, problem: Problem, opts: Opts) {
  const { cpu, gpu, families } = await both(problem, opts);
  const diff = maxAbsDiff(cpu.samples, gpu.samples);
  t.true(families.length > 0 && families.every((f) => f === 'staged'), `families: ${families.join(', ')}`);
  t.log(`max |cpu − simt| = ${diff.toExponential(2)}`);
  t.true(diff < 1e-4 * scale(cpu.samples), `max |cpu − simt| = ${diff}`);
  t.deepEqual(gpu.status, cpu.status);
  return { cpu, gpu };
}

// A diagonal 2-component GMM over the image (its score computed in the update kernel).
const gmmOver = (d: number, r: () => number) => ({
  type: 'gmm',
  weights: [1, 0.6],
  means: [0, 1].map(() => Array.from({ length: d }, () => r() - 0.5)),
  covariance: covarianceJson('diagonal', 2, d, r),
});
const imageProblem = (operator: Record<string, unknown>, m: number, d: number, seed: number): Problem => {
  const r = rng(seed);
  return parseProblem({ prior: gmmOver(d, r), likelihood: { operator, y: Array.from({ length: m }, () => r() - 0.5), noiseStd: 0.3 } });
};
const blurKernel = (n: number) => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => 1 / (n * n) + 0.01 * ((i + j) % 3)));
// Few chains and steps: each step is several emulated launches (the 16×16 FFTs the slowest).
const lmc: Opts = { sampler: 'lmc', chains: 2, seed: 6, steps: 10, stepSize: 0.01 };

for (const [name, operator, m, d] of [
  ['blur 3×3 (direct)', { type: 'blur', shape: [8, 10], kernel: blurKernel(3) }, 80, 80],
  ['blur 15×15 (FFT, fused x + i·y transform)', { type: 'blur', shape: [16, 16], kernel: blurKernel(15) }, 256, 256],
  ['downsample ×2, 2 channels', { type: 'downsample', shape: [2, 8, 10], factor: 2 }, 40, 160],
  ['fourier', { type: 'fourier', shape: [8, 10], samples: [0, 3, 17, 40, 61] }, 10, 80],
  ['compose blur 3×3 → downsample', { type: 'compose', operators: [{ type: 'blur', shape: [8, 10], kernel: blurKernel(3) }, { type: 'downsample', shape: [8, 10], factor: 2 }] }, 20, 80],
  ['compose blur 15×15 (FFT) → downsample', { type: 'compose', operators: [{ type: 'blur', shape: [16, 16], kernel: blurKernel(15) }, { type: 'downsample', shape: [16, 16], factor: 2 }] }, 64, 256],
] as const) {
  test.serial(`simt staged = CPU: ${name} operator, diagonal GMM prior`, async (t) => {
    await staged(t, imageProblem(operator, m, d, 21 + m), lmc);
  });
}

test.serial("simt staged = CPU: XGP's per-chain observations through a blur", async (t) => {
  const problem = imageProblem({ type: 'blur', shape: [6, 8], kernel: blurKernel(3) }, 48, 48, 5);
  const { cpu } = await staged(t, problem, { sampler: 'xgp', chains: 4, seed: 4, xgp: { reweight: false, etas: [1.2, 0.6, 0.3], stageTime: 0.05 } } as Opts);
  t.is(cpu.samples.length, 4 * 48);
});

// Patch-GMM priors: k×k patches on a stride grid (circular), the patch GMM full or diagonal.
const patchProblem = (o: { shape: number[]; patch: number; stride: number; K: number; kind: 'full' | 'diagonal'; operator: Record<string, unknown>; m: number; seed: number }): Problem => {
  const r = rng(o.seed);
  const kk = o.patch * o.patch;
  const covariance = o.kind === 'full' ? { type: 'full', matrices: Array.from({ length: o.K }, () => randomSpd(kk, 0.05, 0.2, r)) } : covarianceJson('diagonal', o.K, kk, r);
  const gmm = { type: 'gmm', weights: Array.from({ length: o.K }, () => 0.5 + r()), means: Array.from({ length: o.K }, () => Array.from({ length: kk }, () => 0.3 + 0.4 * r())), covariance };
  return parseProblem({
    prior: { type: 'patch-gmm', shape: o.shape, patch: o.patch, stride: o.stride, gmm },
    likelihood: { operator: o.operator, y: Array.from({ length: o.m }, () => r()), noiseStd: 0.3 },
  });
};

test.serial('simt staged = CPU: patch-GMM prior (2×2 patches, stride 1, full K = 2), identity operator', async (t) => {
  const problem = patchProblem({ shape: [6, 6], patch: 2, stride: 1, K: 2, kind: 'full', operator: { type: 'identity' }, m: 36, seed: 31 });
  await staged(t, problem, { sampler: 'lmc', chains: 4, seed: 9, steps: 20, stepSize: 0.001 });
});

test.serial('simt staged = CPU: patch-GMM prior (4×4 patches, stride 2, 2 channels, diagonal K = 3), blur, annealed levels', async (t) => {
  const problem = patchProblem({ shape: [2, 8, 8], patch: 4, stride: 2, K: 3, kind: 'diagonal', operator: { type: 'blur', shape: [2, 8, 8], kernel: blurKernel(3) }, m: 128, seed: 32 });
  await staged(t, problem, { sampler: 'almc', chains: 3, seed: 7, steps: 12, almc: { reweight: false, warmStartSteps: 4 } } as Opts);
});

test.serial('simt staged = CPU: patch-GMM prior (3×3 patches on 9×12, stride 3, full K = 20), Fourier samples', async (t) => {
  const problem = patchProblem({ shape: [9, 12], patch: 3, stride: 3, K: 20, kind: 'full', operator: { type: 'fourier', shape: [9, 12], samples: [0, 5, 13, 40, 77, 100] }, m: 12, seed: 33 });
  await staged(t, problem, { sampler: 'lmc', chains: 2, seed: 3, steps: 10, stepSize: 0.001 });
});

test.serial('simt staged divergence (patch prior, blur): the same chains freeze at the same step, at their last finite state', async (t) => {
  const problem = patchProblem({ shape: [6, 6], patch: 2, stride: 1, K: 2, kind: 'full', operator: { type: 'blur', shape: [6, 6], kernel: blurKernel(3) }, m: 36, seed: 34 });
  const { cpu } = await staged(t, problem, { sampler: 'lmc', chains: 4, seed: 2, steps: 20, stepSize: 5, divergence: 'report' } as Opts);
  t.log(`status ${Array.from(cpu.status).join(', ')}, max |x| ${scale(cpu.samples).toExponential(2)}`);
  t.true(cpu.status.some((s) => s >= 0), 'the step size makes chains diverge');
});

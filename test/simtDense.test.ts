// SPDX-License-Identifier: MIT
// The Staged GPU family (native/cuda/gpu_runner.h: chain-batched GEMMs for dense operators and
// full-covariance priors, then one update kernel) under SIMT emulation, against the CPU backend on
// the same seed — as test/simt.test.ts does for the other families, and each test also asserts
// that its phases ran on the Staged family (the 'simt' device reports the family it used).
//
// Tolerance: the Staged family computes the same float math in another summation order: A x,
// Aᵀ r and the eigenbasis projections sum in GEMM order (k = 0, 1, … per output; the CPU uses
// 8-lane dots), c multiplies after Aᵀ instead of before, and r_q·C⁻¹ folds before U. Each product
// of ≤ 130 terms of size ≲ 10 is then off by ≲ 130 · 6e-8 · 10 ≈ 1e-4 in the drift; times h ≤ 0.01
// that is ≈ 1e-6 per step and ≤ 1e-5 over these runs (the steps contract, errors do not grow).
// So 1e-4 · max(1, |x|) is loose for rounding yet a wrong index, transpose or step (an O(h) =
// 1e-2 change in one step) fails it. Divergence statuses must be identical.
import test from 'ava';
import { parseProblem } from '../lib/problem/index.js';
import { covarianceJson, randomProblem, type Kind } from './helpers/problems.js';
import { both, maxAbsDiff, scale, type Opts, type Problem } from './helpers/simtDevice.js';
import { rng } from './helpers/stats.js';

type Op = 'none' | 'identity' | 'mask' | 'dense';
const gmmCase = (kind: Kind, operator: Op, d: number, m: number, K: number): Problem => {
  const raw = randomProblem({ seed: 7 + d + m + K, d, m, K, kind, noiseStd: 0.5, spread: 1.5, operator: operator === 'none' ? 'dense' : operator });
  if (operator === 'none') delete raw.likelihood;
  return parseProblem(raw);
};

async function staged(t: import('ava').ExecutionContext, problem: Problem, opts: Opts) {
  const { cpu, gpu, families: fam } = await both(problem, opts);
  const diff = maxAbsDiff(cpu.samples, gpu.samples);
  t.true(fam.length > 0 && fam.every((f) => f === 'staged'), `families: ${fam.join(', ')}`);
  t.log(`max |cpu − simt| = ${diff.toExponential(2)}`);
  t.true(diff < 1e-4 * scale(cpu.samples), `max |cpu − simt| = ${diff}`);
  t.deepEqual(gpu.status, cpu.status);
  return { cpu, gpu };
}

// Dense operators under isotropic/diagonal priors: m, d around and off the 64-wide GEMM tiles.
for (const [kind, d, m, K] of [
  ['isotropic', 5, 3, 1],
  ['diagonal', 37, 20, 3],
  ['diagonal', 64, 64, 2],
  ['isotropic', 70, 65, 2],
  ['diagonal', 130, 129, 1],
] as const) {
  test.serial(`simt staged = CPU: ${kind} prior, dense ${m}×${d}, K = ${K}`, async (t) => {
    await staged(t, gmmCase(kind, 'dense', d, m, K), { sampler: 'lmc', chains: 5, seed: 3, steps: 12, stepSize: 0.01 });
  });
}

// Full covariances, K = 1 and 3, with and without an operator.
for (const [K, operator, d] of [
  [1, 'none', 6],
  [3, 'none', 37],
  [1, 'dense', 70],
  [3, 'dense', 20],
  [3, 'mask', 33],
  [1, 'identity', 66],
] as const) {
  test.serial(`simt staged = CPU: full covariance K = ${K}, ${operator} operator, d = ${d}`, async (t) => {
    await staged(t, gmmCase('full', operator, d, Math.max(1, d - 3), K), { sampler: 'lmc', chains: 4, seed: 5, steps: 12, stepSize: 0.01 });
  });
}

test.serial('simt staged = CPU on annealed levels (ALMC, full K = 3, dense, d = 12)', async (t) => {
  await staged(t, gmmCase('full', 'dense', 12, 8, 3), { sampler: 'almc', chains: 3, seed: 9, steps: 10, almc: { reweight: false, warmStartSteps: 5 } } as Opts);
});

test.serial('simt staged = CPU: full covariance with an imaging operator (blur through OpBatch programs)', async (t) => {
  const r = rng(41);
  const d = 48;
  const problem = parseProblem({
    prior: { type: 'gmm', weights: [1, 0.5], means: [0, 1].map(() => Array.from({ length: d }, () => r() - 0.5)), covariance: covarianceJson('full', 2, d, r) },
    likelihood: {
      operator: { type: 'blur', shape: [6, 8], kernel: [[0.1, 0.2, 0.1], [0.2, 0.4, 0.2], [0.1, 0.2, 0.1]] },
      y: Array.from({ length: d }, () => r() - 0.5),
      noiseStd: 0.4,
    },
  });
  await staged(t, problem, { sampler: 'lmc', chains: 3, seed: 2, steps: 10, stepSize: 0.01 });
});

test.serial("simt staged = CPU: XGP's per-chain observations (full K = 2, dense)", async (t) => {
  const { cpu } = await staged(t, gmmCase('full', 'dense', 9, 4, 2), { sampler: 'xgp', chains: 6, seed: 4, xgp: { reweight: false, etas: [2, 1, 0.5], stageTime: 0.05 } } as Opts);
  t.is(cpu.samples.length, 6 * 9);
});

test.serial('simt staged divergence: the same chains freeze at the same step, at their last finite state', async (t) => {
  const { cpu } = await staged(t, gmmCase('full', 'dense', 10, 6, 2), { sampler: 'lmc', chains: 6, seed: 2, steps: 16, stepSize: 20, divergence: 'report' } as Opts);
  t.log(`status ${Array.from(cpu.status).join(", ")}, max |x| ${scale(cpu.samples).toExponential(2)}`);
  t.true(cpu.status.some((s) => s >= 0), "the step size makes chains diverge");
});

test.serial('dense and full-covariance phases that need MALA stay on the chain family', async (t) => {
  const { cpu, gpu, families: fam } = await both(gmmCase('full', 'dense', 5, 3, 2), { sampler: 'almc', chains: 16, seed: 13, population: 16, almc: { reweight: true }, accuracy: 0.5 } as Opts);
  t.true(fam.includes('chain'), `families: ${fam.join(', ')}`);
  t.true(maxAbsDiff(cpu.samples, gpu.samples) < 1e-4 * scale(cpu.samples));
});

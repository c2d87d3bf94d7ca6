// SPDX-License-Identifier: MIT
// The GPU kernels and runner (native/cuda) run on the CPU through the SIMT emulation
// (native/simt) as the internal device 'simt', which the public `device` option does not accept.
// The tests reach it by rewriting the device of the native jobs that sample() sends, and compare
// with the CPU backend on the same seed: the elementwise family (GMM × none/identity/mask, rows in
// shared and in global memory) and the chain fallback (imaging operators, the patch prior, MALA),
// annealed levels and divergence. The Staged family (dense operators, full covariances) has its
// own file, test/simtDense.test.ts. The chain fallback runs the
// core's chain_step compiled by the same g++ with the same flags, so it is bit-identical; the
// elementwise kernel sums the responsibilities' quadratic forms in another order (block
// reduction), so it matches to float rounding: < 1e-4 on states of order 1 over ≤ 60 steps.
import test from 'ava';
import { LangevinError } from '../lib/errors.js';
import { native } from '../lib/engine/native.js';
import type { NativeModule, NativePhaseJob } from '../lib/engine/nativeTypes.js';
import { parseProblem } from '../lib/problem/index.js';
import { sample } from '../lib/sample.js';
import { randomProblem, randomSpd, type Kind } from './helpers/problems.js';
import { rng } from './helpers/stats.js';

const mod = native() as NativeModule;
const cpuRunPhase = mod.runPhase.bind(mod);
let emulate = false;
// Every phase goes to the emulated GPU runner while `emulate` is set (tests here run serially).
mod.runPhase = (job: NativePhaseJob, onProgress?: (done: number, total: number) => void) =>
  cpuRunPhase(emulate ? ({ ...job, device: 'simt' } as unknown as NativePhaseJob) : job, onProgress);

type Problem = ReturnType<typeof parseProblem>;
type Opts = Parameters<typeof sample>[1];

async function both(problem: Problem, opts: Opts) {
  emulate = false;
  const cpu = await sample(problem, { ...opts, device: 'cpu' });
  emulate = true;
  try {
    const gpu = await sample(problem, { ...opts, device: 'cpu' });
    return { cpu, gpu };
  } finally {
    emulate = false;
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const gmmCase = (kind: Kind, operator: 'none' | 'identity' | 'mask' | 'dense', d: number, K: number): Problem => {
  const raw = randomProblem({ seed: 3 + d + K, d, m: Math.max(1, d - 3), K, kind, noiseStd: 0.5, spread: 1.5, operator: operator === 'none' ? 'dense' : operator });
  if (operator === 'none') delete raw.likelihood;
  return parseProblem(raw);
};

// Elementwise family: isotropic/diagonal × none/identity/mask, LMC (one level) and ALMC (annealed
// levels: the per-step tables), sizes that end mid-warp and mid-Philox block.
for (const kind of ['isotropic', 'diagonal'] as Kind[]) {
  for (const operator of ['none', 'identity', 'mask'] as const) {
    test.serial(`simt elementwise kernel = CPU: ${kind} prior, ${operator} operator (LMC, d = 37, K = 3, 20 steps)`, async (t) => {
      const { cpu, gpu } = await both(gmmCase(kind, operator, 37, 3), { sampler: 'lmc', chains: 3, seed: 11, steps: 20, stepSize: 0.01 });
      const diff = maxAbsDiff(cpu.samples, gpu.samples);
      t.true(diff < 1e-4, `max |cpu − simt| = ${diff}`);
      t.deepEqual(cpu.status, gpu.status);
    });
  }
}

test.serial('simt elementwise kernel = CPU on annealed levels (ALMC, diagonal, mask, d = 37, K = 4)', async (t) => {
  const { cpu, gpu } = await both(gmmCase('diagonal', 'mask', 37, 4), { sampler: 'almc', chains: 2, seed: 5, steps: 8, almc: { reweight: false } });
  const diff = maxAbsDiff(cpu.samples, gpu.samples);
  t.true(diff < 1e-4, `max |cpu − simt| = ${diff}`);
});

test.serial('simt elementwise kernel with rows in global memory (shared memory too small), d = 150: 2 warps per block = CPU', async (t) => {
  process.env.LANGEVIN_SIMT_SHARED_BYTES = '64';
  try {
    const { cpu, gpu } = await both(gmmCase('diagonal', 'identity', 150, 2), { sampler: 'lmc', chains: 2, seed: 8, steps: 10, stepSize: 0.01 });
    t.true(maxAbsDiff(cpu.samples, gpu.samples) < 1e-4);
  } finally {
    delete process.env.LANGEVIN_SIMT_SHARED_BYTES;
  }
});

test.serial('simt divergence: the same chains freeze at the same step, at their last finite state', async (t) => {
  const { cpu, gpu } = await both(gmmCase('diagonal', 'identity', 12, 2), { sampler: 'lmc', chains: 6, seed: 2, steps: 30, stepSize: 3, divergence: 'report' } as Opts);
  t.true(cpu.status.some((s) => s >= 0), 'the step size makes chains diverge');
  t.deepEqual(cpu.status, gpu.status);
  t.true(maxAbsDiff(cpu.samples, gpu.samples) < 1e-3 * Math.max(1, ...Array.from(cpu.samples, Math.abs)));
});

// Full covariances and dense operators run on the Staged family: test/simtDense.test.ts.

// Imaging operators (through the chain fallback), on a Gaussian prior over a small image.
const imageProblem = (likelihood: Record<string, unknown>, m: number, d: number): Problem => {
  const r = rng(21);
  return parseProblem({
    prior: { type: 'gmm', weights: [1], means: [Array.from({ length: d }, () => 0)], covariance: { type: 'isotropic', variances: [1] } },
    likelihood: { ...likelihood, y: Array.from({ length: m }, () => r() - 0.5), noiseStd: 0.3 },
  });
};
const blurKernel = (n: number) => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => 1 / (n * n) + 0.01 * ((i + j) % 3)));
for (const [name, operator, m, d] of [
  ['blur 3×3 (direct)', { type: 'blur', shape: [8, 10], kernel: blurKernel(3) }, 80, 80],
  ['blur 15×15 (FFT)', { type: 'blur', shape: [16, 16], kernel: blurKernel(15) }, 256, 256],
  ['downsample ×2', { type: 'downsample', shape: [2, 8, 10], factor: 2 }, 40, 160],
  ['fourier', { type: 'fourier', shape: [8, 10], samples: [0, 3, 17, 40, 61] }, 10, 80],
  ['compose blur → downsample', { type: 'compose', operators: [{ type: 'blur', shape: [8, 10], kernel: blurKernel(3) }, { type: 'downsample', shape: [8, 10], factor: 2 }] }, 20, 80],
] as const) {
  test.serial(`simt chain kernel = CPU bit for bit: ${name} operator`, async (t) => {
    let problem: Problem;
    try {
      problem = imageProblem({ operator }, m, d);
    } catch (err) {
      t.fail(`problem: ${(err as LangevinError).message}`);
      return;
    }
    const { cpu, gpu } = await both(problem, { sampler: 'lmc', chains: 7, seed: 6, steps: 15, stepSize: 0.01 });
    t.deepEqual(gpu.samples, cpu.samples);
  });
}

test.serial('simt chain kernel = CPU bit for bit: patch-GMM prior', async (t) => {
  const r = rng(31);
  const gmm = {
    type: 'gmm',
    weights: [0.6, 0.9],
    means: [0, 1].map(() => Array.from({ length: 4 }, () => 0.3 + 0.4 * r())),
    covariance: { type: 'full', matrices: [0, 1].map(() => randomSpd(4, 0.05, 0.2, r)) },
  };
  const problem = parseProblem({
    prior: { type: 'patch-gmm', shape: [6, 6], patch: 2, stride: 1, gmm },
    likelihood: { operator: { type: 'identity' }, y: Array.from({ length: 36 }, () => r()), noiseStd: 0.3 },
  });
  const { cpu, gpu } = await both(problem, { sampler: 'lmc', chains: 4, seed: 9, steps: 10, stepSize: 0.001 });
  t.deepEqual(gpu.samples, cpu.samples);
});

test.serial('simt chain kernel = CPU bit for bit: reweighted ALMC (MALA moves, resampling)', async (t) => {
  // A blur keeps the plain phases on the chain family too (dense/full would be Staged, mask Elementwise).
  const problem = imageProblem({ operator: { type: 'blur', shape: [4, 5], kernel: blurKernel(3) } }, 20, 20);
  const { cpu, gpu } = await both(problem, { sampler: 'almc', chains: 32, seed: 13, population: 32, almc: { reweight: true }, accuracy: 0.5 } as Opts);
  t.deepEqual(gpu.samples, cpu.samples);
});

test.serial("the public device option refuses 'simt'", async (t) => {
  const err = await t.throwsAsync(sample(gmmCase('isotropic', 'none', 3, 1), { device: 'simt' } as unknown as Opts));
  t.true(err instanceof LangevinError && err.field === 'options.device', String(err));
});

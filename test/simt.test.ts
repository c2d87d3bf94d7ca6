// SPDX-License-Identifier: MIT
// The GPU kernels and runner (native/cuda) run on the CPU through the SIMT emulation
// (native/simt) as the internal device 'simt', which the public `device` option does not accept.
// The tests reach it by rewriting the device of the native jobs that sample() sends, and compare
// with the CPU backend on the same seed: the elementwise family (GMM × none/identity/mask, rows in
// shared and in global memory) and the chain fallback (MALA, many components), annealed levels and
// divergence. The Staged family has its own files: test/simtDense.test.ts (dense operators, full
// covariances) and test/simtImaging.test.ts (imaging operators, the patch prior). The chain
// fallback runs the core's chain_step compiled by the same g++ with the same flags, so it is
// bit-identical; the
// elementwise kernel sums the responsibilities' quadratic forms in another order (block
// reduction), so it matches to float rounding: < 1e-4 on states of order 1 over ≤ 60 steps.
import test from 'ava';
import { LangevinError } from '../lib/errors.js';
import { parseProblem } from '../lib/problem/index.js';
import { sample } from '../lib/sample.js';
import { randomProblem, type Kind } from './helpers/problems.js';
import { both, maxAbsDiff, type Opts, type Problem } from './helpers/simtDevice.js';
import { rng } from './helpers/stats.js';

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

// Dense operators, full covariances, imaging operators and the patch prior run on the Staged
// family: test/simtDense.test.ts and test/simtImaging.test.ts.

// The chain fallback: MALA moves under an imaging operator, and plain steps of a GMM with more
// components than the elementwise and Staged kernels keep in registers (kElemMaxK = 16).
test.serial('simt chain kernel = CPU bit for bit: reweighted ALMC (MALA moves, resampling), blur, K = 17', async (t) => {
  const r = rng(21);
  const d = 20;
  const K = 17;
  const problem = parseProblem({
    prior: { type: 'gmm', weights: Array.from({ length: K }, () => 0.5 + r()), means: Array.from({ length: K }, () => Array.from({ length: d }, () => r() - 0.5)), covariance: { type: 'isotropic', variances: Array.from({ length: K }, () => 0.5 + r()) } },
    likelihood: { operator: { type: 'blur', shape: [4, 5], kernel: [[0.1, 0.2, 0.1], [0.2, 0.4, 0.2], [0.1, 0.2, 0.1]] }, y: Array.from({ length: d }, () => r() - 0.5), noiseStd: 0.3 },
  });
  const { cpu, gpu, families } = await both(problem, { sampler: 'almc', chains: 32, seed: 13, population: 32, almc: { reweight: true }, accuracy: 0.5 } as Opts);
  t.true(families.length > 0 && families.every((f) => f === 'chain'), `families: ${families.join(', ')}`);
  t.deepEqual(gpu.samples, cpu.samples);
});

test.serial("the public device option refuses 'simt'", async (t) => {
  const err = await t.throwsAsync(sample(gmmCase('isotropic', 'none', 3, 1), { device: 'simt' } as unknown as Opts));
  t.true(err instanceof LangevinError && err.field === 'options.device', String(err));
});

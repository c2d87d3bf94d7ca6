// SPDX-License-Identifier: MIT
// CPU and CUDA must give the same samples up to float rounding. Without a GPU these tests are
// skipped, visibly; on the GPU host LANGEVIN_REQUIRE_CUDA=1 turns a missing GPU into a failure.
import test from 'ava';
import { backends } from '../lib/engine/device.js';
import { parseProblem } from '../lib/problem/index.js';
import { drawNormals, drawUniforms } from '../lib/engine/rng.js';
import { sample } from '../lib/sample.js';
import { randomProblem, type Kind } from './helpers/problems.js';

const hasCuda = backends().includes('cuda');
const required = process.env.LANGEVIN_REQUIRE_CUDA === '1';
const gpuTest = hasCuda ? test : required ? test : test.skip;
const why = hasCuda ? '' : ' (skipped: no CUDA GPU in this process)';

if (required && !hasCuda) test('LANGEVIN_REQUIRE_CUDA=1 but no CUDA backend/GPU is available', (t) => t.fail());

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

gpuTest(`CUDA draws equal CPU draws up to float rounding${why}`, async (t) => {
  const site = { seed: 77n, stream: 3, step: 2, chainOffset: 5 };
  const zc = await drawNormals({ ...site, device: 'cpu' }, 300, 33);
  const zg = await drawNormals({ ...site, device: 'cuda' }, 300, 33);
  t.true(maxAbsDiff(zc, zg) < 1e-4);
  const uc = await drawUniforms({ ...site, device: 'cpu' }, 300, 33);
  const ug = await drawUniforms({ ...site, device: 'cuda' }, 300, 33);
  t.deepEqual(uc, ug);
});

for (const kind of ['isotropic', 'diagonal', 'full'] as Kind[]) {
  for (const operator of ['dense', 'mask', 'identity'] as const) {
    gpuTest(`CUDA samples equal CPU samples: ${kind} prior, ${operator} operator${why}`, async (t) => {
      const problem = parseProblem(randomProblem({ seed: 9, d: 9, m: 4, K: 3, kind, noiseStd: 0.4, operator }));
      const opts = { chains: 257, seed: 5, steps: 200, stepSize: 0.01 };
      const cpu = await sample(problem, { ...opts, device: 'cpu' });
      const gpu = await sample(problem, { ...opts, device: 'cuda' });
      const diff = maxAbsDiff(cpu.samples, gpu.samples);
      t.true(diff < 2e-3, `max |cpu − cuda| = ${diff}`);
      t.deepEqual(cpu.status, gpu.status);
    });
  }
}

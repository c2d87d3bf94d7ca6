// SPDX-License-Identifier: MIT
// Output depends only on (problem, options, seed): not on threads, batch split or chain count.
import test from 'ava';
import { parseProblem } from '../lib/problem/index.js';
import { sample } from '../lib/sample.js';
import { randomProblem } from './helpers/problems.js';

const problem = parseProblem(randomProblem({ seed: 5, d: 6, m: 3, K: 3, kind: 'full', noiseStd: 0.4 }));
const base = { seed: 2024, steps: 300, stepSize: 0.01, device: 'cpu' as const };

test('same seed, same samples; another seed, other samples', async (t) => {
  const a = await sample(problem, { ...base, chains: 50 });
  const b = await sample(problem, { ...base, chains: 50 });
  const c = await sample(problem, { ...base, chains: 50, seed: 2025 });
  t.deepEqual(a.samples, b.samples);
  t.notDeepEqual(a.samples, c.samples);
});

test('samples do not depend on the thread count', async (t) => {
  const one = await sample(problem, { ...base, chains: 64, threads: 1 });
  const two = await sample(problem, { ...base, chains: 64, threads: 2 });
  const many = await sample(problem, { ...base, chains: 64, threads: 7 });
  t.deepEqual(one.samples, two.samples);
  t.deepEqual(one.samples, many.samples);
});

test('chain c of a 10-chain run equals chain c of a 1000-chain run, and batches via chainOffset reassemble it', async (t) => {
  const d = problem.prior.dim;
  const big = await sample(problem, { ...base, chains: 1000 });
  const small = await sample(problem, { ...base, chains: 10 });
  t.deepEqual(small.samples, big.samples.subarray(0, 10 * d));
  const part1 = await sample(problem, { ...base, chains: 400 });
  const part2 = await sample(problem, { ...base, chains: 600, chainOffset: 400 });
  t.deepEqual(part1.samples, big.samples.subarray(0, 400 * d));
  t.deepEqual(part2.samples, big.samples.subarray(400 * d));
});

// SPDX-License-Identifier: MIT
// Plain LMC with its default (theorem-derived) settings against exact Gaussian posteriors.
import test from 'ava';
import { exactPosteriorOf } from '../lib/math/posterior.js';
import { parseGmmProblem } from '../lib/problem/index.js';
import { sample } from '../lib/sample.js';
import { randomProblem, type Kind } from './helpers/problems.js';
import { covarianceTolerance, meanChi2, moments, relativeFrobenius } from './helpers/stats.js';

const cases: { d: number; m: number; kind: Kind }[] = [
  { d: 2, m: 1, kind: 'isotropic' },
  { d: 5, m: 3, kind: 'diagonal' },
  { d: 8, m: 5, kind: 'full' },
];

for (const { d, m, kind } of cases) {
  test(`LMC matches the exact Gaussian posterior: d=${d}, dense ${m}×${d} operator, ${kind} prior covariance`, async (t) => {
    const problem = parseGmmProblem(randomProblem({ seed: 100 + d, d, m, K: 1, kind, noiseStd: 0.5 }));
    const exact = exactPosteriorOf(problem);
    const chains = 4000;
    const eps = 0.01; // relative covariance bias of the default step, below the sampling error
    const r = await sample(problem, { chains, seed: 7, accuracy: eps, device: 'cpu' });
    const { n, mean, cov } = moments(r.samples, d);
    const { stat, bound } = meanChi2(mean, exact.mean, exact.covariance, d, n);
    t.true(stat < bound, `mean χ²_${d} = ${stat.toFixed(2)} ≥ ${bound.toFixed(2)}`);
    const err = relativeFrobenius(cov, exact.covariance);
    const tol = covarianceTolerance(exact.covariance, d, n) + eps;
    t.true(err < tol, `covariance error ${err.toFixed(4)} ≥ ${tol.toFixed(4)}`);
    t.is(r.summary.diagnostics.divergence.diverged, 0);
    t.is((r.summary.settings.stepSize as { origin: string }).origin, 'default');
  });
}

test('a too-coarse step size visibly biases the covariance (the test above can fail)', async (t) => {
  const d = 2;
  const problem = parseGmmProblem(randomProblem({ seed: 102, d, m: 1, K: 1, kind: 'isotropic', noiseStd: 0.5 }));
  const exact = exactPosteriorOf(problem);
  const L = 1 / Math.min(...[0, 3].map((i) => exact.covariances[i])); // ≈ largest precision
  const r = await sample(problem, { chains: 4000, seed: 7, stepSize: 1.2 / L, steps: 2000, device: 'cpu' });
  const { n, cov } = moments(r.samples, d);
  t.true(relativeFrobenius(cov, exact.covariance) > covarianceTolerance(exact.covariance, d, n) + 0.01);
});

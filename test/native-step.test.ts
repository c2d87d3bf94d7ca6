// SPDX-License-Identifier: MIT
// One native step against a double-precision reference: with the noise known (same RNG address),
// x' − x − √(2h)ξ = h·(∇log p_{a,b}(x) + c·Aᵀ(y − Ax)) isolates the fused drift.
import test from 'ava';
import { applyOperator } from '../lib/math/applyOperator.js';
import { freshStatus } from '../lib/engine/chains.js';
import { operatorTables, priorTables } from '../lib/engine/nativeTables.js';
import { runPhase } from '../lib/engine/phase.js';
import { gmmScore, noisedPrior, operatorMatrix } from '../lib/math/posterior.js';
import { parseGmmProblem } from '../lib/problem/index.js';
import { drawNormals } from '../lib/engine/rng.js';
import { constantSchedule } from '../lib/samplers/schedule.js';
import { operatorRows } from '../lib/types.js';
import { randomProblem, type Kind } from './helpers/problems.js';
import { rng } from './helpers/stats.js';

const cases: { kind: Kind; operator: 'dense' | 'identity' | 'mask'; a: number; b2: number }[] = [];
for (const kind of ['isotropic', 'diagonal', 'full'] as Kind[])
  for (const operator of ['dense', 'identity', 'mask'] as const)
    for (const [a, b2] of [[1, 0], [0.6, 0.64], [0, 1]]) cases.push({ kind, operator, a, b2 });

for (const cs of cases) {
  test(`drift of one fused step: ${cs.kind} prior, ${cs.operator} operator, a=${cs.a}, b²=${cs.b2}`, async (t) => {
    const d = 7, K = 3, chains = 5, h = 0.5, c = 2.5;
    const problem = parseGmmProblem(randomProblem({ seed: 3, d, m: 4, K, kind: cs.kind, noiseStd: 0.3, operator: cs.operator }));
    const r = rng(11);
    const x = Float32Array.from({ length: chains * d }, () => 3 * (r() - 0.5));
    const seed = 99n, stream = 21, stepOffset = 4, chainOffset = 17;
    const out = await runPhase(
      { device: 'cpu', threads: 2, seed, chainOffset, prior: priorTables(problem.prior), operator: operatorTables(problem.likelihood!.operator), y: Float32Array.from(problem.likelihood!.y) },
      { name: 'test', stream, stepOffset, schedule: constantSchedule(1, { h, a: cs.a, b2: cs.b2, c }) },
      { chains, dim: d, x, status: freshStatus(chains) },
    );
    const xi = await drawNormals({ seed, stream, step: stepOffset, chainOffset }, chains, d);
    const noised = noisedPrior(problem.prior, cs.a, cs.b2);
    const op = problem.likelihood!.operator;
    const A = operatorMatrix(op);
    const m = operatorRows(op);
    let worst = 0;
    for (let ch = 0; ch < chains; ch++) {
      const row = Array.from(x.subarray(ch * d, (ch + 1) * d));
      const s = gmmScore(noised, row);
      const ax = applyOperator(op, row);
      for (let i = 0; i < d; i++) {
        let g = 0;
        for (let j = 0; j < m; j++) g += A[j * d + i] * (problem.likelihood!.y[j] - ax[j]);
        const expected = h * (s[i] + c * g);
        const got = out.x[ch * d + i] - row[i] - Math.sqrt(2 * h) * xi[ch * d + i];
        worst = Math.max(worst, Math.abs(got - expected) / (1 + Math.abs(expected)));
      }
    }
    t.true(worst < 2e-5, `max relative error ${worst}`);
    t.deepEqual(Array.from(out.status), new Array(chains).fill(-1));
  });
}

// SPDX-License-Identifier: MIT
// Each schedule satisfies its defining properties.
import test from 'ava';
import { actionBound, annealSchedule } from '../lib/samplers/anneal.js';
import { lambdaSchedule } from '../lib/samplers/dalmc.js';
import { bridgeStart, bridgeStep, schedulePhases, xgpNoiseSchedule } from '../lib/samplers/xgpSchedule.js';
import { drawNormals } from '../lib/engine/rng.js';

test('XGP schedule: strictly decreasing, γ_i ≤ 1, η_N = η, η₁ ≥ the requested η₁', (t) => {
  for (const [eta, eta1] of [[0.1, 50], [0.5, 0.6], [1, 1], [0.01, 1e4]]) {
    const etas = xgpNoiseSchedule(eta, eta1);
    t.is(etas[etas.length - 1], eta);
    t.true(etas[0] >= Math.max(eta, eta1) * (1 - 1e-12));
    for (let i = 1; i < etas.length; i++) t.true(etas[i] < etas[i - 1]);
    for (const g of schedulePhases(etas)) t.true(g > 0 && g <= 1 + 1e-12, `γ = ${g}`);
  }
  // the number of levels is the fewest γ ≤ 1 allows: ⌈log₂(η₁²/η²)⌉ + 1
  t.is(xgpNoiseSchedule(0.1, 50).length, Math.ceil(Math.log2(2500 / 0.01)) + 1);
});

test('XGP forward bridge: y_N = y exactly, Var(y_i − y) = η_i² − η², Cov(y_i − y, y_j − y) = v_max(i,j)', async (t) => {
  const eta = 0.3;
  const etas = xgpNoiseSchedule(eta, 5);
  const v = etas.map((e) => e * e - eta * eta);
  const y = [0.7, -1.2];
  const m = y.length, chains = 40000;
  const z = (i: number) => drawNormals({ seed: 4n, stream: 3, step: i }, chains, m);
  const ys: Float32Array[] = [bridgeStart(y, v[0], await z(0), chains)];
  for (let i = 0; i + 1 < etas.length; i++) ys.push(bridgeStep(y, ys[i], v[i], v[i + 1], await z(i + 1)));
  const last = ys[ys.length - 1];
  for (let c = 0; c < chains; c++) for (let j = 0; j < m; j++) if (Math.abs(last[c * m + j] - y[j]) > 1e-6) return t.fail(`y_N ≠ y at chain ${c}`);
  const cov = (a: Float32Array, b: Float32Array) => {
    let s = 0;
    for (let c = 0; c < chains; c++) s += (a[c * m] - y[0]) * (b[c * m] - y[0]);
    return s / chains;
  };
  for (let i = 0; i < etas.length - 1; i++) {
    for (const j of [i, Math.min(i + 2, etas.length - 2)]) {
      const expected = v[Math.max(i, j)]; // later index = smaller variance
      const se = Math.sqrt((v[i] * v[j] + expected * expected) / chains);
      const got = cov(ys[i], ys[j]);
      t.true(Math.abs(got - expected) < 5 * se, `Cov(y_${i + 1}, y_${j + 1}) = ${got}, expected ${expected}`);
    }
  }
});

test('ALMC path: VP noise levels (a² + b² = 1), path time from T₀ down to τ in steps δ_k/κ', (t) => {
  const kappa = 3, t0 = 4, tau = 0.01;
  const { schedule, steps } = annealSchedule({ lambda: (s) => Math.exp(-2 * s), tStart: t0, tEnd: tau }, { rate: 1 / kappa, step: (l) => 0.01 + 0.01 * l, c: 2, maxSteps: 1e6 });
  let pathTime = 0;
  for (let k = 0; k < steps; k++) {
    t.true(Math.abs(schedule.a[k] ** 2 + schedule.b2[k] - 1) < 1e-12);
    pathTime += schedule.h[k] / kappa;
    if (k > 0) t.true(schedule.a[k] >= schedule.a[k - 1]); // noise decreases as t goes down
  }
  t.is(schedule.c[0], 2);
  t.true(pathTime >= t0 - tau && pathTime - schedule.h[steps - 1] / kappa < t0 - tau);
});

test('DALMC λ schedules run from 0 to 1, non-decreasing; the sin² action bound is π²(M₂ + d)/8', (t) => {
  for (const name of ['sin2', 'cosine', 'ou'] as const) {
    const l = lambdaSchedule(name, 5);
    t.true(l(0) < 1e-3, `${name}: λ(0) = ${l(0)}`);
    t.true(Math.abs(l(1) - 1) < 1e-12);
    for (let i = 1; i <= 100; i++) t.true(l(i / 100) >= l((i - 1) / 100));
  }
  const a = actionBound(lambdaSchedule('sin2'), 0, 1, 7.5, 3);
  t.true(Math.abs(a - (Math.PI ** 2 * (7.5 + 3)) / 8) < 1e-6 * a);
});

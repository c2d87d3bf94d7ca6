// SPDX-License-Identifier: MIT
import test from 'ava';
import { gaussLaguerre, studentPrecisionNodes } from '../lib/math/quadrature.js';

test('Gauss–Laguerre integrates u^k exactly against u^a e^{−u} up to degree 2n−1', (t) => {
  const n = 8, a = 0.5;
  const { nodes, weights } = gaussLaguerre(n, a);
  // E[U^k] for U ~ Gamma(a+1, 1) is Γ(a+1+k)/Γ(a+1) = Π_{i<k} (a+1+i).
  for (let k = 0; k < 2 * n; k++) {
    let exact = 1;
    for (let i = 0; i < k; i++) exact *= a + 1 + i;
    const got = nodes.reduce((s, u, j) => s + weights[j] * u ** k, 0);
    t.true(Math.abs(got - exact) < 1e-8 * exact, `k=${k}: ${got} vs ${exact}`);
  }
});

test('Student-t precision nodes reproduce Gamma(α/2, rate α/2): mean 1, variance 2/α', (t) => {
  for (const dof of [1, 3, 5, 30]) {
    const { g, weights } = studentPrecisionNodes(dof);
    const mean = g.reduce((s, v, j) => s + weights[j] * v, 0);
    const varg = g.reduce((s, v, j) => s + weights[j] * (v - mean) ** 2, 0);
    t.true(Math.abs(mean - 1) < 1e-5, `dof ${dof}: mean ${mean}`);
    t.true(Math.abs(varg - 2 / dof) < 1e-4 * (2 / dof) + 1e-5, `dof ${dof}: variance ${varg}`);
  }
});

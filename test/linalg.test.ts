// SPDX-License-Identifier: MIT
import test from 'ava';
import { LangevinError } from '../lib/errors.js';
import {
  cholesky,
  choleskyLogDet,
  choleskySolve,
  choleskySolveMatrix,
  matmul,
  matvec,
  operatorNorm,
  spectralNormSquared,
  symmetricEigen,
  transpose,
} from '../lib/math/linalg.js';
import { mulberry32 } from '../lib/engine/prng.js';

// Seeded so every case is reproducible.
const rng = mulberry32;

function randomMatrix(r: () => number, m: number, n: number): Float64Array {
  return Float64Array.from({ length: m * n }, () => 2 * r() - 1);
}

// B·Bᵀ + n·I, built with explicit loops here so the test does not lean on matmul.
function randomSpd(r: () => number, n: number): Float64Array {
  const b = randomMatrix(r, n, n);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let p = 0; p < n; p++) s += b[i * n + p] * b[j * n + p];
      a[i * n + j] = s;
    }
  return a;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('matmul, matvec and transpose on hand-computed examples', (t) => {
  const a = Float64Array.of(1, 2, 3, 4, 5, 6); // 2×3
  const b = Float64Array.of(7, 8, 9, 10, 11, 12); // 3×2
  t.deepEqual(Array.from(matmul(a, b, 2, 3, 2)), [58, 64, 139, 154]);
  t.deepEqual(Array.from(matmul(b, a, 3, 2, 3)), [39, 54, 69, 49, 68, 87, 59, 82, 105]);
  t.deepEqual(Array.from(matvec(a, [1, -1, 2], 2, 3)), [5, 11]);
  t.deepEqual(Array.from(transpose(a, 2, 3)), [1, 4, 2, 5, 3, 6]);
  // (AB)ᵀ = BᵀAᵀ on random rectangular shapes.
  const r = rng(7);
  const x = randomMatrix(r, 4, 6);
  const y = randomMatrix(r, 6, 3);
  const lhs = transpose(matmul(x, y, 4, 6, 3), 4, 3);
  const rhs = matmul(transpose(y, 6, 3), transpose(x, 4, 6), 3, 6, 4);
  t.true(maxAbsDiff(lhs, rhs) < 1e-14);
});

test('cholesky: L is lower triangular and L·Lᵀ reconstructs A', (t) => {
  const r = rng(1);
  for (const n of [1, 2, 3, 7, 20, 60]) {
    const a = randomSpd(r, n);
    const l = cholesky(a, n);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) t.is(l[i * n + j], 0);
    const rec = matmul(l, transpose(l, n, n), n, n, n);
    t.true(maxAbsDiff(rec, a) <= 1e-13 * maxAbs(a), `n=${n}`);
  }
});

test('cholesky solves satisfy A·x = b for vector and matrix right-hand sides', (t) => {
  const r = rng(2);
  for (const n of [1, 4, 25]) {
    const a = randomSpd(r, n);
    const l = cholesky(a, n);
    const b = randomMatrix(r, n, 1);
    const x = choleskySolve(l, b, n);
    t.true(maxAbsDiff(matvec(a, x, n, n), b) < 1e-12, `vector n=${n}`);

    const k = 5;
    const bm = randomMatrix(r, n, k);
    const bmCopy = Float64Array.from(bm);
    const xm = choleskySolveMatrix(l, bm, n, k);
    t.true(maxAbsDiff(matmul(a, xm, n, n, k), bm) < 1e-12, `matrix n=${n}`);
    t.deepEqual(bm, bmCopy); // right-hand side left untouched
  }
});

test('choleskyLogDet matches known determinants', (t) => {
  // diag(2, 3, 5)
  const d = Float64Array.of(2, 0, 0, 0, 3, 0, 0, 0, 5);
  t.true(Math.abs(choleskyLogDet(cholesky(d, 3), 3) - Math.log(30)) < 1e-14);
  // [[4, 2], [2, 3]]: det 8
  const a = Float64Array.of(4, 2, 2, 3);
  t.true(Math.abs(choleskyLogDet(cholesky(a, 2), 2) - Math.log(8)) < 1e-14);
  // Against the product of Jacobi eigenvalues for a random SPD matrix.
  const r = rng(3);
  const n = 12;
  const s = randomSpd(r, n);
  const { values } = symmetricEigen(s, n);
  let logDet = 0;
  for (const v of values) logDet += Math.log(v);
  t.true(Math.abs(choleskyLogDet(cholesky(s, n), n) - logDet) < 1e-11);
});

test('cholesky rejects non-positive-definite input with E_VALUE naming the field', (t) => {
  const indefinite = Float64Array.of(1, 2, 2, 1);
  const err = t.throws(() => cholesky(indefinite, 2, 'prior.cov[3]'), { instanceOf: LangevinError });
  t.is(err?.code, 'E_VALUE');
  t.is(err?.field, 'prior.cov[3]');
  t.regex(err?.message ?? '', /^prior\.cov\[3\]: /);

  const singular = Float64Array.of(1, 1, 1, 1);
  t.is(t.throws(() => cholesky(singular, 2), { instanceOf: LangevinError })?.code, 'E_VALUE');
  const nan = Float64Array.of(NaN, 0, 0, 1);
  t.is(t.throws(() => cholesky(nan, 1), { instanceOf: LangevinError })?.code, 'E_VALUE');
});

// Q = H₁H₂H₃ from Householder reflections: an orthogonal matrix built without the code under test.
function randomOrthogonal(r: () => number, n: number): Float64Array {
  let q: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let h = 0; h < 3; h++) {
    const v = randomMatrix(r, n, 1);
    let vv = 0;
    for (const x of v) vv += x * x;
    const hm = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) hm[i * n + j] = (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv;
    q = matmul(q, hm, n, n, n);
  }
  return q;
}

test('symmetricEigen recovers a prescribed spectrum (including repeated eigenvalues)', (t) => {
  const r = rng(4);
  const n = 9;
  const lambda = [-3, -1, 0.5, 0.5, 0.5, 2, 2, 7, 1e3];
  const q = randomOrthogonal(r, n);
  // A = Q diag(λ) Qᵀ
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k] * lambda[k] * q[j * n + k];
      a[i * n + j] = s;
    }
  const { values } = symmetricEigen(a, n);
  for (let i = 0; i < n; i++) t.true(Math.abs(values[i] - lambda[i]) < 1e-12 * 1e3, `λ${i}: ${values[i]} vs ${lambda[i]}`);
});

test('symmetricEigen: ascending values, orthonormal columns, V·diag(λ)·Vᵀ reconstructs A', (t) => {
  const r = rng(5);
  for (const n of [1, 2, 5, 30, 200]) {
    const b = randomMatrix(r, n, n);
    const a = new Float64Array(n * n); // symmetric but indefinite
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = b[i * n + j] + b[j * n + i];
    const { values, vectors } = symmetricEigen(a, n);
    for (let i = 1; i < n; i++) t.true(values[i - 1] <= values[i]);

    const vtv = matmul(transpose(vectors, n, n), vectors, n, n, n);
    for (let i = 0; i < n; i++) vtv[i * n + i] -= 1;
    t.true(maxAbs(vtv) < 1e-12, `orthonormal n=${n}: ${maxAbs(vtv)}`);

    const vl = new Float64Array(vectors);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vl[i * n + j] *= values[j];
    const rec = matmul(vl, transpose(vectors, n, n), n, n, n);
    t.true(maxAbsDiff(rec, a) < 1e-12 * maxAbs(a) * Math.max(1, Math.sqrt(n)), `reconstruct n=${n}: ${maxAbsDiff(rec, a)}`);

    // Each column satisfies A v = λ v.
    const av = matmul(a, vectors, n, n, n);
    let res = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) res = Math.max(res, Math.abs(av[i * n + j] - values[j] * vectors[i * n + j]));
    t.true(res < 1e-11 * maxAbs(a) * Math.max(1, Math.sqrt(n)), `residual n=${n}: ${res}`);
  }
});

test('power-iteration norm matches the largest singular value from the eigen-decomposition of AᵀA', (t) => {
  const r = rng(6);
  for (const [m, n] of [
    [1, 1],
    [1, 2],
    [3, 3],
    [5, 12],
    [40, 15],
    [60, 60],
  ]) {
    const a = randomMatrix(r, m, n);
    const ata = matmul(transpose(a, m, n), a, n, m, n);
    const { values } = symmetricEigen(ata, n);
    const top = values[n - 1];
    const est = spectralNormSquared(a, m, n);
    t.true(est <= top * (1 + 1e-12), `lower bound ${m}×${n}`);
    t.true(Math.abs(est - top) <= 1e-9 * top, `${m}×${n}: ${est} vs ${top}`);
    t.true(Math.abs(operatorNorm(a, m, n) - Math.sqrt(top)) <= 1e-9 * Math.sqrt(top));
  }
});

test('operatorNorm on structured matrices', (t) => {
  // diag(1, -4, 2): norm 4.
  t.true(Math.abs(operatorNorm(Float64Array.of(1, 0, 0, 0, -4, 0, 0, 0, 2), 3, 3) - 4) < 1e-10);
  // [1, -1]: all-ones start would be in its null space; norm √2.
  t.true(Math.abs(operatorNorm(Float64Array.of(1, -1), 1, 2) - Math.SQRT2) < 1e-12);
  // 1-D forward differences on 30 points: σ_max = 2 sin(π·29 / (2·30)).
  const n = 30;
  const dmat = new Float64Array((n - 1) * n);
  for (let i = 0; i < n - 1; i++) {
    dmat[i * n + i] = -1;
    dmat[i * n + i + 1] = 1;
  }
  const exact = 2 * Math.sin((Math.PI * (n - 1)) / (2 * n));
  t.true(Math.abs(operatorNorm(dmat, n - 1, n) - exact) < 1e-8, `${operatorNorm(dmat, n - 1, n)} vs ${exact}`);
  t.is(operatorNorm(new Float64Array(6), 2, 3), 0);
});

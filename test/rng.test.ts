// SPDX-License-Identifier: MIT
// The counter-based generator: distribution, independence, and addressing invariances.
import test from 'ava';
import { drawNormals, drawUniforms } from '../lib/engine/rng.js';

const seed = 12345n;

test('normals have the moments of N(0,1) within their standard errors', async (t) => {
  const n = 1_000_000;
  const z = await drawNormals({ seed, stream: 7 }, 1000, 1000);
  let m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  for (const v of z) {
    m1 += v;
    m2 += v * v;
    m3 += v * v * v;
    m4 += v * v * v * v;
  }
  m1 /= n; m2 /= n; m3 /= n; m4 /= n;
  // Standard errors of the raw moments of N(0,1): √(Var(Zᵏ)/n) with Var = 1, 2, 15, 96.
  t.true(Math.abs(m1) < 5 * Math.sqrt(1 / n), `mean ${m1}`);
  t.true(Math.abs(m2 - 1) < 5 * Math.sqrt(2 / n), `variance ${m2}`);
  t.true(Math.abs(m3) < 5 * Math.sqrt(15 / n), `third moment ${m3}`);
  t.true(Math.abs(m4 - 3) < 5 * Math.sqrt(96 / n), `fourth moment ${m4}`);
});

test('normal CDF matches Φ at several points (Kolmogorov–Smirnov style bound)', async (t) => {
  const z = await drawNormals({ seed, stream: 8 }, 200, 1000);
  const n = z.length;
  const erf = (x: number) => {
    // Abramowitz–Stegun 7.1.26 is too coarse; use a series/continued fraction via complementary error bound.
    const s = Math.sign(x), a = Math.abs(x);
    const tt = 1 / (1 + 0.5 * a);
    const y = 1 - tt * Math.exp(-a * a - 1.26551223 + tt * (1.00002368 + tt * (0.37409196 + tt * (0.09678418 + tt * (-0.18628806 + tt * (0.27886807 + tt * (-1.13520398 + tt * (1.48851587 + tt * (-0.82215223 + tt * 0.17087277)))))))));
    return s * y; // Numerical Recipes erfc approximation, |error| < 1.2e-7
  };
  for (const q of [-2.5, -1, -0.3, 0, 0.7, 1.5, 3]) {
    let below = 0;
    for (const v of z) if (v <= q) below++;
    const p = 0.5 * (1 + erf(q / Math.SQRT2));
    t.true(Math.abs(below / n - p) < 5 * Math.sqrt((p * (1 - p)) / n) + 1e-6, `P(Z ≤ ${q}) = ${below / n}, expected ${p}`);
  }
});

test('draws are uncorrelated across chains, steps, elements and streams', async (t) => {
  const chains = 2000, d = 64;
  const a = await drawNormals({ seed, stream: 9, step: 0 }, chains, d);
  const b = await drawNormals({ seed, stream: 9, step: 1 }, chains, d);
  const c = await drawNormals({ seed, stream: 10, step: 0 }, chains, d);
  const n = chains * d;
  const corr = (x: Float32Array, y: Float32Array, shift = 0) => {
    let s = 0;
    for (let i = 0; i < n - shift; i++) s += x[i] * y[i + shift];
    return s / (n - shift);
  };
  const bound = 5 / Math.sqrt(n);
  t.true(Math.abs(corr(a, b)) < bound, 'step k vs step k+1');
  t.true(Math.abs(corr(a, c)) < bound, 'stream 9 vs stream 10');
  t.true(Math.abs(corr(a, a, 1)) < bound, 'neighbouring elements');
  t.true(Math.abs(corr(a, a, 4)) < bound, 'neighbouring Philox blocks');
  t.true(Math.abs(corr(a, a, d)) < bound, 'neighbouring chains');
});

test('chain c gets the same numbers whatever the chain count and batch split', async (t) => {
  const d = 37; // not a multiple of 4: exercises the partial last block
  const all = await drawNormals({ seed, stream: 11, step: 5 }, 100, d);
  const few = await drawNormals({ seed, stream: 11, step: 5 }, 10, d);
  const tail = await drawNormals({ seed, stream: 11, step: 5, chainOffset: 60 }, 40, d);
  t.deepEqual(few, all.subarray(0, 10 * d));
  t.deepEqual(tail, all.subarray(60 * d));
});

test('different seeds give different numbers; the same seed the same ones', async (t) => {
  const a = await drawNormals({ seed: 1n, stream: 1 }, 4, 8);
  const b = await drawNormals({ seed: 1n, stream: 1 }, 4, 8);
  const c = await drawNormals({ seed: 2n, stream: 1 }, 4, 8);
  const hi = await drawNormals({ seed: 1n + (1n << 40n), stream: 1 }, 4, 8); // the high word of the seed counts
  t.deepEqual(a, b);
  t.notDeepEqual(a, c);
  t.notDeepEqual(a, hi);
});

test('uniforms are uniform on (0, 1), never 0 or 1', async (t) => {
  const u = await drawUniforms({ seed, stream: 12 }, 1000, 200);
  const bins = new Array(20).fill(0);
  let outside = 0;
  for (const v of u) {
    if (!(v > 0 && v < 1)) outside++;
    else bins[Math.floor(v * 20)]++;
  }
  t.is(outside, 0);
  const e = u.length / 20;
  const chi2 = bins.reduce((s, o) => s + (o - e) ** 2 / e, 0);
  t.true(chi2 < 45, `chi² with 19 dof = ${chi2} (p ≈ 1e-3 bound 43.8)`);
});

test('normal tails: P(|Z| > t) within 5 binomial standard errors up to t = 4.5, and |Z| ≤ √(50 ln 2)', async (t) => {
  // 4M normals from a fixed seed. Box–Muller on u ≥ 2⁻²⁵ cannot exceed r = √(−2 ln 2⁻²⁵) ≈ 5.887;
  // past ≈ 5.8 the law is truncated (P(|Z| > 5.8) ≈ 7e-9, not visible at this n).
  const n = 4_000_000;
  const z = await drawNormals({ seed: 20240611n, stream: 13 }, 4000, 1000);
  const erfc = (x: number) => {
    // Numerical Recipes erfcc, relative error < 1.2e-7 for x ≥ 0.
    const tt = 1 / (1 + 0.5 * x);
    return tt * Math.exp(-x * x - 1.26551223 + tt * (1.00002368 + tt * (0.37409196 + tt * (0.09678418 + tt * (-0.18628806 + tt * (0.27886807 + tt * (-1.13520398 + tt * (1.48851587 + tt * (-0.82215223 + tt * 0.17087277)))))))));
  };
  let sum = 0, sum2 = 0, maxAbs = 0;
  const thresholds = [1, 2, 3, 4, 4.5];
  const beyond = new Array(thresholds.length).fill(0);
  for (const v of z) {
    sum += v;
    sum2 += v * v;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    for (let j = 0; j < thresholds.length; j++) if (a > thresholds[j]) beyond[j]++;
  }
  t.true(Math.abs(sum / n) < 5 / Math.sqrt(n), `mean ${sum / n}`);
  t.true(Math.abs(sum2 / n - 1) < 5 * Math.sqrt(2 / n), `variance ${sum2 / n}`);
  for (let j = 0; j < thresholds.length; j++) {
    const p = erfc(thresholds[j] / Math.SQRT2);
    const sd = Math.sqrt(n * p * (1 - p));
    t.true(Math.abs(beyond[j] - n * p) < 5 * sd + 1, `#{|Z| > ${thresholds[j]}} = ${beyond[j]}, expected ${(n * p).toFixed(1)} ± ${sd.toFixed(1)}`);
  }
  t.true(maxAbs <= Math.sqrt(50 * Math.LN2) * (1 + 3e-7), `max |Z| = ${maxAbs}`);
  t.true(maxAbs > 4.5, `max |Z| = ${maxAbs}: the tails are reached`);
});

// SPDX-License-Identifier: MIT
// R̂ and ESS against cases with known answers: iid draws, AR(1) chains with a closed-form ESS,
// chains that disagree in location or in scale, and degenerate input.
import test from 'ava';
import { essBulk, essTail, normalQuantile, rankNormalize, rhat, splitRhat, summarizeChains } from '../lib/diagnostics/mcmc.js';

// Seeded PRNG so that every run sees the same draws: mulberry32 uniforms, Box–Muller normals.
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296; // in (0, 1): log stays finite
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Draw-major x[t*chains + c]: AR(1) chains started in stationarity, chain c scaled and shifted. */
function ar1(seed: number, draws: number, chains: number, phi: number, shift = (_c: number) => 0, scale = (_c: number) => 1): Float64Array {
  const z = normals(seed);
  const x = new Float64Array(draws * chains);
  const innov = Math.sqrt(1 - phi * phi);
  for (let c = 0; c < chains; c++) {
    let v = z();
    for (let t = 0; t < draws; t++) {
      if (t > 0) v = phi * v + innov * z();
      x[t * chains + c] = shift(c) + scale(c) * v;
    }
  }
  return x;
}

test('iid N(0,1): R̂ ≈ 1, bulk-ESS ≈ n, tail-ESS plausible', (t) => {
  const draws = 500, chains = 4, n = draws * chains;
  for (const seed of [1, 2, 3]) {
    const x = ar1(seed, draws, chains, 0);
    const r = rhat(x, draws, chains);
    const sr = splitRhat(x, draws, chains);
    const eb = essBulk(x, draws, chains);
    const et = essTail(x, draws, chains);
    t.true(Math.abs(r - 1) < 0.01, `seed ${seed}: R̂ ${r}`);
    t.true(Math.abs(sr - 1) < 0.01, `seed ${seed}: split-R̂ ${sr}`);
    t.true(Math.abs(eb / n - 1) < 0.15, `seed ${seed}: bulk-ESS ${eb} of ${n}`);
    t.true(et > 0.5 * n, `seed ${seed}: tail-ESS ${et} of ${n}`);
  }
});

test('AR(1) chains: bulk-ESS near n(1 − φ)/(1 + φ)', (t) => {
  const draws = 1000, chains = 8, n = draws * chains;
  for (const [phi, seed] of [[0.9, 11], [0.5, 12], [0.9, 13], [0.5, 14]]) {
    const x = ar1(seed, draws, chains, phi);
    const theory = (n * (1 - phi)) / (1 + phi);
    const eb = essBulk(x, draws, chains);
    t.true(Math.abs(eb / theory - 1) < 0.25, `φ=${phi}: bulk-ESS ${eb}, theory ${theory}`);
    // ESS ≈ 50 per chain at φ = 0.9, so R̂ itself wanders by a few hundredths.
    t.true(rhat(x, draws, chains) < (phi === 0.9 ? 1.05 : 1.01));
  }
});

test('chains with different means: R̂ flags them', (t) => {
  // One chain of two shifted by 1 sd; with 4 chains the same shift is diluted, so the bar is lower.
  const two = ar1(21, 1000, 2, 0, (c) => (c === 0 ? 1 : 0));
  t.true(rhat(two, 1000, 2) > 1.1, `2 chains: R̂ ${rhat(two, 1000, 2)}`);
  const four = ar1(22, 1000, 4, 0, (c) => (c === 3 ? 1 : 0));
  t.true(rhat(four, 1000, 4) > 1.05, `4 chains: R̂ ${rhat(four, 1000, 4)}`);
  t.true(splitRhat(four, 1000, 4) > 1.05);
});

test('chains with different scales: the folded R̂ catches what the rank-normalized R̂ misses', (t) => {
  const draws = 1000, chains = 4;
  const x = ar1(31, draws, chains, 0, () => 0, (c) => (c === 0 ? 3 : 1));
  // With an even number of draws, split-R̂ of rankNormalize(x) is exactly the bulk (unfolded) part.
  const bulkOnly = splitRhat(rankNormalize(x, draws, chains), draws, chains);
  const r = rhat(x, draws, chains);
  t.true(bulkOnly < 1.02, `rank-normalized split-R̂ ${bulkOnly}`);
  t.true(r > 1.05, `R̂ ${r}`);
});

test('a trend within chains shows up through splitting', (t) => {
  const draws = 1000, chains = 4;
  const x = ar1(41, draws, chains, 0);
  for (let i = 0; i < x.length; i++) x[i] += (2 * Math.floor(i / chains)) / draws; // drift of 2 sd
  t.true(rhat(x, draws, chains) > 1.1);
});

test('rankNormalize: mean 0, sd ≈ 1, monotone in x, ties share a value', (t) => {
  const draws = 500, chains = 4;
  const x = ar1(51, draws, chains, 0.3);
  x[7] = x[100] = x[901]; // a three-way tie
  const z = rankNormalize(x, draws, chains);
  let s = 0, ss = 0;
  for (const v of z) s += v;
  const mean = s / z.length;
  for (const v of z) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / (z.length - 1));
  t.true(Math.abs(mean) < 1e-6, `mean ${mean}`); // exactly 0 without ties, by symmetry
  t.true(Math.abs(sd - 1) < 0.01, `sd ${sd}`);
  const order = Array.from(x.keys()).sort((i, j) => x[i] - x[j]);
  for (let k = 1; k < order.length; k++) t.true(z[order[k]] >= z[order[k - 1]] && (x[order[k]] > x[order[k - 1]]) === (z[order[k]] > z[order[k - 1]]));
  t.is(z[7], z[100]);
  t.is(z[7], z[901]);
  // Blom's offsets: the smallest of S values maps to Φ⁻¹((1 − 3/8)/(S + 1/4)).
  t.true(Math.abs(z[order[0]] - normalQuantile(0.625 / (x.length + 0.25))) < 1e-15);
});

test('normalQuantile matches known quantiles to 1e-12', (t) => {
  const known: [number, number][] = [
    [0.975, 1.959963984540054],
    [0.025, -1.959963984540054],
    [0.5, 0],
    [0.8413447460685429, 1],
    [0.3, -0.5244005127080409],
    [0.02425, -1.972961051311885], // Acklam's region boundary
    [0.001, -3.090232306167813],
    [1e-10, -6.361340902404056],
  ];
  for (const [p, q] of known) t.true(Math.abs(normalQuantile(p) - q) < 1e-12 * Math.max(1, Math.abs(q)), `Φ⁻¹(${p}) = ${normalQuantile(p)}, expected ${q}`);
  t.is(normalQuantile(0), -Infinity);
  t.is(normalQuantile(1), Infinity);
  t.true(Number.isNaN(normalQuantile(-0.1)));
  t.true(Number.isNaN(normalQuantile(NaN)));
});

test('agrees with a numpy transcription of posterior on a fixed odd-length input', (t) => {
  // 21 draws (odd: the middle draw is dropped when splitting), 3 chains; reference values from a
  // numpy/scipy transcription of posterior's rhat, ess_bulk, ess_tail (FFT autocovariances).
  const draws = 21, chains = 3;
  const x = new Float64Array(draws * chains);
  for (let i = 0; i < draws; i++) for (let c = 0; c < chains; c++) x[i * chains + c] = Math.sin(0.7 * i + 1.9 * c) + 0.05 * ((i * 7 + c * 3) % 11);
  const close = (a: number, b: number) => Math.abs(a - b) < 1e-9 * Math.abs(b);
  t.true(close(rhat(x, draws, chains), 0.955565747611757), `${rhat(x, draws, chains)}`);
  t.true(close(splitRhat(x, draws, chains), 0.9562620412570618));
  t.true(close(essBulk(x, draws, chains), 31.997348333071272), `${essBulk(x, draws, chains)}`);
  t.true(close(essTail(x, draws, chains), 79.26605504587158), `${essTail(x, draws, chains)}`);
  // Float32 input gives the same answers as the same values in Float64.
  const x32 = Float32Array.from(x);
  t.is(essBulk(x32, draws, chains), essBulk(Float64Array.from(x32), draws, chains));
});

test('degenerate input gives NaN: constant draws, NaN or Infinity, too few draws', (t) => {
  const all = [rhat, splitRhat, essBulk, essTail];
  const constant = new Float64Array(400).fill(2.5);
  for (const f of all) t.true(Number.isNaN(f(constant, 100, 4)), `${f.name} on constant draws`);
  const x = ar1(61, 100, 4, 0);
  for (const bad of [NaN, Infinity]) {
    const y = x.slice();
    y[123] = bad;
    for (const f of all) t.true(Number.isNaN(f(y, 100, 4)), `${f.name} with ${bad}`);
    t.true(rankNormalize(y, 100, 4).every(Number.isNaN));
  }
  // One constant chain among varying ones is not degenerate (as in posterior).
  const y = x.slice();
  for (let i = 0; i < 100; i++) y[i * 4] = 0;
  t.true(Number.isFinite(rhat(y, 100, 4)) && rhat(y, 100, 4) > 1.05);
  t.true(Number.isNaN(rhat(x.subarray(0, 12), 3, 4)));
  t.true(Number.isNaN(essBulk(x.subarray(0, 20), 5, 4)));
  t.true(Number.isFinite(essBulk(x.subarray(0, 24), 6, 4)));
  t.throws(() => rhat(x, 99, 4), { message: /x: expected length/ });
});

test('summarizeChains: worst coordinate over the first maxDims, from [chains*dim] snapshots', (t) => {
  const draws = 400, chains = 4, dim = 5;
  // Coordinate i of chain c: an AR(1) chain; coordinate 2 has one chain shifted (bad R̂),
  // coordinate 4 is strongly autocorrelated (low ESS) but lies beyond maxDims = 4.
  const coords = Array.from({ length: dim }, (_, i) => ar1(70 + i, draws, chains, i === 4 ? 0.99 : 0.2, (c) => (i === 2 && c === 1 ? 1.5 : 0)));
  const samples = Array.from({ length: draws }, (_, s) => {
    const snap = new Float32Array(chains * dim);
    for (let c = 0; c < chains; c++) for (let i = 0; i < dim; i++) snap[c * dim + i] = coords[i][s * chains + c];
    return snap;
  });
  const sum = summarizeChains(samples, chains, dim, 4);
  t.is(sum.dims, 4);
  const per = coords.slice(0, 4).map((x) => Float64Array.from(Float32Array.from(x)));
  t.is(sum.rhatMax, Math.max(...per.map((x) => rhat(x, draws, chains))));
  t.is(sum.rhatMax, rhat(per[2], draws, chains));
  t.is(sum.essBulkMin, Math.min(...per.map((x) => essBulk(x, draws, chains))));
  t.is(sum.essTailMin, Math.min(...per.map((x) => essTail(x, draws, chains))));
  const full = summarizeChains(samples, chains, dim);
  t.is(full.dims, dim);
  t.is(full.essBulkMin, essBulk(Float64Array.from(Float32Array.from(coords[4])), draws, chains), 'coordinate 4 counts with the default maxDims');
  t.true(full.essBulkMin < sum.essBulkMin);
  samples[10][3] = NaN;
  t.true(Number.isNaN(summarizeChains(samples, chains, dim).rhatMax), 'NaN propagates');
  t.throws(() => summarizeChains([new Float32Array(3)], chains, dim));
});

// SPDX-License-Identifier: MIT
import test from 'ava';
import { cholesky } from '../lib/math/linalg.js';
import { gmmLogDensity } from '../lib/math/posterior.js';
import { parseGmmPrior } from '../lib/problem/index.js';
import { coverage, pixelStats, psnr, ssim } from '../lib/imaging/metrics.js';
import { fitPatchGmm, toGmmJson, toGmmPrior } from '../lib/imaging/patchGmm.js';
import { extractPatches, patchPositions, randomPatches } from '../lib/imaging/patches.js';
import { piecewiseSmooth, randomEllipses, sheppLogan, sheppLoganVariant, trainingSet } from '../lib/imaging/phantom.js';
import { decodePngGray, encodePng, pngDataUri } from '../lib/imaging/png.js';
import { imagingReport, type ReportTask } from '../lib/imaging/report.js';
import { relativeFrobenius, rng } from './helpers/stats.js';

/** Standard normals by Box–Muller from a seeded uniform generator. */
function normals(seed: number): () => number {
  const u = rng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

// ---------------------------------------------------------------- EM

const TRUE = {
  weights: [0.5, 0.3, 0.2],
  means: [
    [0, 0, 0, 0],
    [4, 4, 0, -1],
    [-3, 3, 4, 2],
  ],
  covs: [
    [1, 0.3, 0, 0, 0.3, 0.8, 0.2, 0, 0, 0.2, 0.6, 0, 0, 0, 0, 1.2],
    [0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0.5],
    [0.7, -0.2, 0.1, 0, -0.2, 0.9, 0, 0.1, 0.1, 0, 0.4, 0, 0, 0.1, 0, 0.8],
  ],
};

function mixtureSample(n: number, seed: number): Float64Array {
  const d = 4;
  const u = rng(seed);
  const z = normals(seed + 1);
  const L = TRUE.covs.map((c) => cholesky(Float64Array.from(c), d));
  const x = new Float64Array(n * d);
  for (let p = 0; p < n; p++) {
    const v = u();
    const k = v < TRUE.weights[0] ? 0 : v < TRUE.weights[0] + TRUE.weights[1] ? 1 : 2;
    const e = Array.from({ length: d }, z);
    for (let i = 0; i < d; i++) {
      let s = TRUE.means[k][i];
      for (let j = 0; j <= i; j++) s += L[k][i * d + j] * e[j];
      x[p * d + i] = s;
    }
  }
  return x;
}

test('EM recovers a 3-component 4-D mixture, with a non-decreasing log-likelihood', (t) => {
  const d = 4, n = 20000;
  const x = mixtureSample(n, 11);
  const fit = fitPatchGmm(x, d, 3, { seed: 5 });
  t.is(fit.stop, 'tol');
  t.true(fit.converged);
  t.is(fit.reseeds, 0);
  t.is(fit.iterations, fit.logLikelihood.length - 1);
  for (let i = 1; i < fit.logLikelihood.length; i++) t.true(fit.logLikelihood[i] >= fit.logLikelihood[i - 1], `step ${i}`);
  // Match fitted to true components by the permutation with the closest means.
  const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  const dist = (perm: number[]) =>
    perm.reduce((s, f, k) => s + TRUE.means[k].reduce((a, m, i) => a + (m - fit.means[f * d + i]) ** 2, 0), 0);
  const perm = perms.reduce((a, b) => (dist(a) <= dist(b) ? a : b));
  perm.forEach((f, k) => {
    t.true(Math.abs(fit.weights[f] - TRUE.weights[k]) < 0.02, `weight ${k}: ${fit.weights[f]}`);
    for (let i = 0; i < d; i++) t.true(Math.abs(fit.means[f * d + i] - TRUE.means[k][i]) < 0.05, `mean ${k}[${i}]: ${fit.means[f * d + i]}`);
    const err = relativeFrobenius(fit.covariances.subarray(f * d * d, (f + 1) * d * d), Float64Array.from(TRUE.covs[k]));
    t.true(err < 0.1, `covariance ${k}: relative Frobenius error ${err}`);
  });
  // dataLogLikelihood is the mean log-density of the returned parameters; the objective lies below it by the ridge penalty.
  const prior = toGmmPrior(fit);
  let mean = 0;
  for (let p = 0; p < n; p++) mean += gmmLogDensity(prior, x.subarray(p * d, (p + 1) * d)) / n;
  t.true(Math.abs(mean - fit.dataLogLikelihood) < 1e-9, `${mean} vs ${fit.dataLogLikelihood}`);
  const objective = fit.logLikelihood[fit.logLikelihood.length - 1];
  t.true(objective < fit.dataLogLikelihood && objective > fit.dataLogLikelihood - 1e-3);
  // Without the ridge the objective is the log-likelihood itself.
  const plain = fitPatchGmm(x, d, 3, { seed: 5, regularization: 0, maxIter: 5 });
  t.is(plain.dataLogLikelihood, plain.logLikelihood[plain.logLikelihood.length - 1]);
});

test('EM is seed-deterministic, thread-count independent, and its JSON form parses as a prior', (t) => {
  const imgs = trainingSet(6, 32, 32, 3);
  const patches = randomPatches(imgs, 32, 32, 6, 6000, 9);
  const a = fitPatchGmm(patches, 36, 4, { seed: 2, maxIter: 3, threads: 1 });
  const b = fitPatchGmm(patches, 36, 4, { seed: 2, maxIter: 3, threads: 2 });
  t.deepEqual(a.logLikelihood, b.logLikelihood);
  t.deepEqual(a.covariances, b.covariances);
  t.deepEqual(a.means, b.means);
  const parsed = parseGmmPrior(JSON.parse(JSON.stringify(toGmmJson(a))));
  t.is(parsed.kind, 'full');
  t.is(parsed.dim, 36);
  t.is(parsed.components, 4);
  const direct = toGmmPrior(a);
  for (let i = 0; i < direct.cov.length; i++) t.true(Math.abs(parsed.cov[i] - direct.cov[i]) <= 1e-15 * Math.abs(direct.cov[i]) + 1e-300);
  const dc = fitPatchGmm(patches, 36, 2, { seed: 2, maxIter: 2, removeMean: true });
  for (let k = 0; k < 2; k++) t.true(Math.abs(dc.means.subarray(k * 36, (k + 1) * 36).reduce((s, v) => s + v, 0)) < 1e-9);
});

test('EM validates its input', (t) => {
  t.throws(() => fitPatchGmm(new Float64Array(10), 3, 1, { seed: 0 }), { code: 'E_SHAPE' } as never);
  t.throws(() => fitPatchGmm(new Float64Array(12), 3, 5, { seed: 0 }), { code: 'E_VALUE' } as never);
  t.throws(() => fitPatchGmm(Float64Array.of(0, NaN, 1, 2), 2, 1, { seed: 0 }), { code: 'E_NONFINITE' } as never);
});

// ---------------------------------------------------------------- metrics

test('PSNR: identical images are Infinity; known noise levels', (t) => {
  const ref = Float64Array.from({ length: 100 }, (_, i) => (i % 7) / 7);
  t.is(psnr(ref, ref), Infinity);
  const x = ref.map((v, i) => v + (i % 2 ? 0.05 : -0.05)); // MSE 0.0025
  t.true(Math.abs(psnr(x, ref) - 10 * Math.log10(1 / 0.0025)) < 1e-9);
  t.true(Math.abs(psnr(new Float64Array(10).fill(0.1), new Float64Array(10)) - 20) < 1e-9);
  t.true(Math.abs(psnr(new Float64Array(10).fill(0.1), new Float64Array(10), 2) - 10 * Math.log10(400)) < 1e-9);
});

/** SSIM by the definition: the 2-D Gaussian window at each valid position, no separability. */
function ssimBrute(x: ArrayLike<number>, y: ArrayLike<number>, h: number, w: number): number {
  const g: number[] = [];
  for (let a = 0; a < 11; a++) for (let b = 0; b < 11; b++) g.push(Math.exp(-((a - 5) ** 2 + (b - 5) ** 2) / (2 * 1.5 * 1.5)));
  const gs = g.reduce((s, v) => s + v, 0);
  const c1 = 1e-4, c2 = 9e-4;
  let total = 0, count = 0;
  for (let i = 0; i + 11 <= h; i++) {
    for (let j = 0; j + 11 <= w; j++) {
      let mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
      for (let a = 0; a < 11; a++) {
        for (let b = 0; b < 11; b++) {
          const wt = g[a * 11 + b] / gs, u = x[(i + a) * w + j + b], v = y[(i + a) * w + j + b];
          mx += wt * u;
          my += wt * v;
          xx += wt * u * u;
          yy += wt * v * v;
          xy += wt * u * v;
        }
      }
      const vx = xx - mx * mx, vy = yy - my * my, cxy = xy - mx * my;
      total += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      count++;
    }
  }
  return total / count;
}

test('SSIM: 1 for identical images, < 1 when blurred, matches hand and brute-force values', (t) => {
  const h = 32, w = 32;
  const img = sheppLogan(h, w);
  t.true(Math.abs(ssim(img, img, h, w) - 1) < 1e-12);
  const blur = img.map((_, p) => {
    const i = Math.floor(p / w), j = p % w;
    let s = 0;
    for (const [a, b] of [[0, 0], [0, 1], [1, 0], [0, -1], [-1, 0]]) s += img[((i + a + h) % h) * w + ((j + b + w) % w)];
    return s / 5;
  });
  const sb = ssim(blur, img, h, w);
  t.true(sb < 0.99 && sb > 0.3, `${sb}`);
  // Constant 11×11 images a, b: one position, zero variances ⇒ (2ab + C1)/(a² + b² + C1).
  const a = new Float64Array(121).fill(0.5), b = new Float64Array(121).fill(0.25);
  t.true(Math.abs(ssim(a, b, 11, 11) - (0.25 + 1e-4) / (0.3125 + 1e-4)) < 1e-9);
  const r = rng(4);
  const x = Float64Array.from({ length: 13 * 15 }, r), y = x.map((v) => 0.7 * v + 0.3 * r());
  t.true(Math.abs(ssim(x, y, 13, 15) - ssimBrute(x, y, 13, 15)) < 1e-12);
  t.throws(() => ssim(new Float64Array(100), new Float64Array(100), 10, 10), { code: 'E_VALUE' } as never);
});

test('coverage of exact Gaussian samples is the nominal level within binomial error', (t) => {
  const n = 1000, d = 4000, level = 0.9;
  const z = normals(21);
  const truth = Float64Array.from({ length: d }, z);
  const samples = Float32Array.from({ length: n * d }, z);
  // Type-7 quantiles of n draws span (n − 1)·level/(n + 1) of a fresh draw's mass on average.
  const expected = ((n - 1) * level) / (n + 1);
  const c = coverage(samples, truth, level);
  t.true(Math.abs(c - expected) < 4 * Math.sqrt((expected * (1 - expected)) / d), `coverage ${c} vs ${expected}`);
  // Overconfident samples (std 0.5) cover P(|Z| < 0.82) ≈ 0.59.
  const narrow = samples.map((v) => 0.5 * v);
  t.true(coverage(narrow, truth, level) < 0.65);
  const { mean, std } = pixelStats(samples, n, d);
  let m = 0, s = 0;
  for (let i = 0; i < d; i++) {
    m += mean[i] / d;
    s += std[i] / d;
  }
  t.true(Math.abs(m) < 0.01 && Math.abs(s - 1) < 0.01, `${m} ${s}`);
});

test('pixelStats on a tiny case', (t) => {
  const { mean, std } = pixelStats(Float32Array.of(1, 10, 3, 10, 5, 10), 3, 2);
  t.deepEqual(Array.from(mean), [3, 10]);
  t.deepEqual(Array.from(std), [2, 0]);
});

// ---------------------------------------------------------------- phantoms and patches

test('phantoms are deterministic by seed and lie in [0, 1]', (t) => {
  const h = 48, w = 40;
  for (const make of [(s: number) => randomEllipses(h, w, s), (s: number) => piecewiseSmooth(h, w, s), (s: number) => sheppLoganVariant(h, w, s)]) {
    const a = make(7);
    t.deepEqual(a, make(7));
    t.notDeepEqual(a, make(8));
    t.is(a.length, h * w);
    t.true(a.every((v) => v >= 0 && v <= 1));
    t.true(Math.max(...a) - Math.min(...a) > 0.1); // not blank
  }
  const set = trainingSet(5, h, w, 1);
  t.is(set.length, 5);
  t.deepEqual(set, trainingSet(5, h, w, 1));
  // Shepp–Logan at 64×64: the pixel at (x ≈ 0, y ≈ −0.3) is brain (1 − 0.8), at y ≈ 0.89 skull, corners background.
  const s = sheppLogan(64, 64);
  t.true(Math.abs(s[41 * 64 + 31] - 0.2) < 1e-12);
  t.true(Math.abs(s[3 * 64 + 31] - 1) < 1e-12);
  t.is(s[0], 0);
  t.true(s.every((v) => v >= 0 && v <= 1));
});

test('patch extraction: positions, wrap-around and layout', (t) => {
  const h = 4, w = 5;
  const img = Float64Array.from({ length: h * w }, (_, i) => i);
  const pos = patchPositions(h, w, 2, 1);
  t.is(pos.length, 2 * h * w);
  const all = extractPatches(img, h, w, 2, 1);
  t.is(all.length, h * w * 4);
  const last = all.subarray((h * w - 1) * 4); // top-left (3, 4) wraps to rows 3, 0 and columns 4, 0
  t.deepEqual(Array.from(last), [19, 15, 4, 0]);
  t.deepEqual(Array.from(patchPositions(h, w, 2, 2, false)), [0, 0, 0, 2, 0, 3, 2, 0, 2, 2, 2, 3]);
  const valid = extractPatches(img, h, w, 2, 2, false);
  t.deepEqual(Array.from(valid.subarray(8, 12)), [3, 4, 8, 9]);
  const two = new Float64Array(2 * h * w).map((_, i) => i); // C = 2: channel-major within a patch
  t.deepEqual(Array.from(extractPatches(two, h, w, 2, 1).subarray(0, 8)), [0, 1, 5, 6, 20, 21, 25, 26]);
  const rp = randomPatches([img], h, w, 3, 50, 1);
  t.deepEqual(rp, randomPatches([img], h, w, 3, 50, 1));
  for (let p = 0; p < 50; p++) t.is(rp[p * 9 + 8] - rp[p * 9], 2 * w + 2); // never wraps
  t.throws(() => extractPatches(new Float64Array(7), h, w, 2, 1), { code: 'E_SHAPE' } as never);
});

// ---------------------------------------------------------------- PNG and report

test('PNG round trip within 1/255; magma decodes to its luminance', (t) => {
  const h = 9, w = 13;
  const r = rng(2);
  const img = Float64Array.from({ length: h * w }, r);
  const back = decodePngGray(encodePng(img, h, w, { range: [0, 1] }));
  t.deepEqual([back.height, back.width, back.h, back.w], [h, w, h, w]); // h, w: deprecated aliases
  t.is(back.h, h);
  t.is(back.w, w);
  for (let i = 0; i < h * w; i++) t.true(Math.abs(back.data[i] - img[i]) <= 0.5 / 255 + 1e-12);
  const auto = decodePngGray(encodePng(img.map((v) => 3 * v - 1), h, w, { range: 'auto' }));
  const lo = Math.min(...img), hi = Math.max(...img);
  for (let i = 0; i < h * w; i++) t.true(Math.abs(auto.data[i] - (img[i] - lo) / (hi - lo)) <= 0.5 / 255 + 1e-12);
  const clipped = decodePngGray(encodePng(Float64Array.of(-1, 2, NaN), 1, 3, { range: [0, 1] }));
  t.deepEqual(Array.from(clipped.data), [0, 1, 0]);
  const magma = decodePngGray(encodePng(Float64Array.of(0, 1), 1, 2, { range: [0, 1], colormap: 'magma' }));
  t.true(Math.abs(magma.data[0] - (0.114 * 4) / 255) < 1e-12); // #000004
  t.true(Math.abs(magma.data[1] - (0.299 * 0xfc + 0.587 * 0xfd + 0.114 * 0xbf) / 255) < 1e-12); // #fcfdbf
  t.true(pngDataUri(Buffer.from([1, 2])).startsWith('data:image/png;base64,'));
});

test('HTML report: one image per panel, no external resources, escaped text', (t) => {
  const h = 16, w = 16;
  const truth = sheppLogan(h, w);
  const task = (name: string, samples: number): ReportTask => ({
    name,
    description: 'deblur <Gaussian σ = 1>',
    truth,
    measurement: truth,
    naive: truth,
    mean: truth,
    std: new Float64Array(h * w).fill(0.05),
    samples: Array.from({ length: samples }, () => truth),
    metrics: { psnrNaive: 20, psnrMean: Infinity, ssimNaive: 0.5, ssimMean: 0.9, coverage90: 0.88 },
    seconds: 1.5,
    device: 'cpu',
    sampler: 'dalmc',
    settings: { steps: 100n, kernel: new Float64Array(25), eta: 0.01 },
  });
  const lowRes: ReportTask = { ...task('super-resolution', 2), measurement: Float64Array.from({ length: 16 }, (_, i) => i / 100), measurementShape: { height: 4, width: 4 } };
  const html = imagingReport({ title: 'Imaging <demo>', tasks: [task('deblur', 5), lowRes], h, w, footer: 'seed 0' });
  t.is(imagingReport({ title: 'Imaging <demo>', tasks: [task('deblur', 5), lowRes], height: h, width: w, footer: 'seed 0' }), html); // { h, w } is the deprecated spelling
  t.is(html.match(/<img /g)?.length, 8 + 7 + 2); // + one colour bar per std map
  // A faint low-resolution measurement is upsampled and shown on its own range, not clipped to black.
  t.true(html.includes('measurement (4×4, shown on 0.00 … 0.15)'));
  t.true(html.includes('alt="colour bar 0.000 to 0.050"'));
  t.false(/(https?:|ftp:)?\/\/[a-z0-9]/i.test(html.replace(/data:image\/png;base64,[A-Za-z0-9+/=]+/g, '')));
  t.false(html.includes('<script'));
  t.true(html.includes('Imaging &lt;demo&gt;'));
  t.true(html.includes('&lt;Gaussian σ = 1&gt;'));
  t.true(html.includes('&quot;steps&quot;: &quot;100&quot;'));
  t.true(html.includes('Float64Array(25)'));
  t.true(html.includes('∞'));
});

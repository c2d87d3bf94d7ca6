// SPDX-License-Identifier: MIT
// Imaging operators (blur, downsample, subsampled Fourier, composition) next to identity, mask and
// dense: adjoint identities in double, outputs against naive dense definitions, operator norms
// against the dense largest singular value, one native step against a double reference (CPU
// backend; the CUDA backend runs the same core code), parsing, and posterior means of sampled
// chains against the exact linear-Gaussian solve.
import test from 'ava';
import { applyAdjoint, applyOperator } from '../lib/math/applyOperator.js';
import { freshStatus } from '../lib/engine/chains.js';
import { opNormSquared, operatorNormSquared } from '../lib/math/curvature.js';
import { type ErrorCode, LangevinError } from '../lib/errors.js';
import { fft1d } from '../lib/imaging/fft.js';
import { blurOperator, gaussianKernel, kernelRows, motionKernel, uniformKernel, type Kernel } from '../lib/imaging/kernels.js';
import { boxMask, cartesianLineSamples, fourierOperator, maskOperator, randomPixelMask, variableDensitySamples } from '../lib/imaging/masks.js';
import { cholesky, choleskySolve, spectralNormSquared } from '../lib/math/linalg.js';
import { operatorTables, priorTables } from '../lib/engine/nativeTables.js';
import { runPhase } from '../lib/engine/phase.js';
import { exactPosteriorOf, operatorMatrix } from '../lib/math/posterior.js';
import { parseGmmProblem } from '../lib/problem/index.js';
import { drawNormals } from '../lib/engine/rng.js';
import { sample } from '../lib/sample.js';
import { constantSchedule } from '../lib/samplers/schedule.js';
import type { GmmPrior, ImageShape, Operator, GmmProblem as Problem } from '../lib/types.js';
import { operatorCols, operatorRows } from '../lib/types.js';
import { meanChi2, rng } from './helpers/stats.js';

// ---- operators under test -------------------------------------------------------------------------

const shape = (channels: number, height: number, width: number): ImageShape => ({ channels, height, width });
const size = (s: ImageShape) => s.channels * s.height * s.width;

function randomKernel(kh: number, kw: number, seed: number): Kernel {
  const r = rng(seed);
  return { height: kh, width: kw, data: Float64Array.from({ length: kh * kw }, () => r() - 0.3) };
}

function randomSamples(s: ImageShape, count: number, seed: number): Int32Array {
  // Distinct flat indices over all channels, in a shuffled (not sorted) order.
  const r = rng(seed);
  const all = Array.from({ length: size(s) }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return Int32Array.from(all.slice(0, count));
}

function dense(m: number, d: number, seed: number): Operator {
  const r = rng(seed);
  return { type: 'dense', rows: m, cols: d, matrix: Float64Array.from({ length: m * d }, () => (2 * r() - 1) / Math.sqrt(d)) };
}

const compose = (...operators: Operator[]): Operator => ({ type: 'compose', operators });

interface Case {
  name: string;
  op: Operator;
}

/** Every operator kind on several shapes (C ∈ {1, 3}, H ≠ W, odd and power-of-two sizes). */
function operatorCases(): Case[] {
  const cases: Case[] = [];
  const s1 = shape(1, 8, 12);
  const s3 = shape(3, 7, 9);
  const s16 = shape(1, 16, 16);
  cases.push({ name: 'identity d=20', op: { type: 'identity', dim: 20 } });
  cases.push({ name: 'mask box 3×7×9', op: maskOperator(boxMask(s3, { top: 2, left: 3, height: 3, width: 4 })) });
  cases.push({ name: 'dense 5×12', op: dense(5, 12, 1) });
  for (const s of [s1, s3, s16, shape(3, 32, 20)]) {
    const tag = `${s.channels}×${s.height}×${s.width}`;
    cases.push({ name: `blur 3×3 gaussian ${tag}`, op: blurOperator(s, gaussianKernel(0.8, 3)) });
    cases.push({ name: `blur 4×6 random (even, asymmetric) ${tag}`, op: blurOperator(s, randomKernel(4, 6, 2)) });
    cases.push({ name: `blur 15×15 motion ${tag}`, op: blurOperator(s, motionKernel(11, 30, 15)) });
  }
  cases.push({ name: 'blur 9×9 motion 2×30×27 (Bluestein sizes)', op: blurOperator(shape(2, 30, 27), motionKernel(7, 120, 9)) });
  cases.push({ name: 'blur 61×61 gaussian 1×64×64', op: blurOperator(shape(1, 64, 64), gaussianKernel(8, 61)) });
  cases.push({ name: 'blur 61×61 random 3×64×64', op: blurOperator(shape(3, 64, 64), randomKernel(61, 61, 3)) });
  cases.push({ name: 'downsample ×2 3×8×12', op: { type: 'downsample', shape: shape(3, 8, 12), factor: 2 } });
  cases.push({ name: 'downsample ×4 1×16×16', op: { type: 'downsample', shape: s16, factor: 4 } });
  cases.push({ name: 'downsample ×3 1×9×6', op: { type: 'downsample', shape: shape(1, 9, 6), factor: 3 } });
  cases.push({ name: 'fourier random 1×8×12', op: { type: 'fourier', shape: s1, samples: randomSamples(s1, 40, 4) } });
  cases.push({ name: 'fourier per-channel 3×7×9', op: { type: 'fourier', shape: s3, samples: randomSamples(s3, 90, 5) } });
  cases.push({ name: 'fourier variable density 1×16×16', op: fourierOperator(s16, variableDensitySamples(16, 16, { fraction: 0.3, seed: 1 })) });
  cases.push({ name: 'fourier random 1×50×64 (Bluestein × radix-2)', op: { type: 'fourier', shape: shape(1, 50, 64), samples: randomSamples(shape(1, 50, 64), 700, 9) } });
  cases.push({ name: 'fourier lines 3×32×20', op: fourierOperator(shape(3, 32, 20), cartesianLineSamples(32, 20, { acceleration: 4, seed: 2 })) });
  cases.push({ name: 'compose blur→downsample ×2 (super-resolution) 3×8×12', op: compose(blurOperator(shape(3, 8, 12), gaussianKernel(1, 5)), { type: 'downsample', shape: shape(3, 8, 12), factor: 2 }) });
  cases.push({
    name: 'compose blur→mask 1×16×16',
    op: compose(blurOperator(s16, motionKernel(5, 45)), maskOperator(randomPixelMask(s16, 0.5, 3))),
  });
  cases.push({
    name: 'compose blur→fourier→dense 1×8×12',
    op: compose(blurOperator(s1, randomKernel(3, 3, 6)), { type: 'fourier', shape: s1, samples: randomSamples(s1, 10, 7) }, dense(7, 20, 8)),
  });
  cases.push({
    name: 'compose nested: downsample ×2 → (blur → identity) 1×16×16',
    op: compose({ type: 'downsample', shape: s16, factor: 2 }, compose(blurOperator(shape(1, 8, 8), uniformKernel(3)), { type: 'identity', dim: 64 })),
  });
  return cases;
}

function randomVector(n: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => 2 * r() - 1);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

// ---- FFT ----------------------------------------------------------------------------------------------

test('fft1d matches the DFT definition for power-of-two and other lengths, and inverts', (t) => {
  for (const n of [1, 2, 3, 5, 8, 12, 17, 31, 64, 100]) {
    const re = randomVector(n, n);
    const im = randomVector(n, n + 1000);
    const r2 = Float64Array.from(re);
    const i2 = Float64Array.from(im);
    fft1d(r2, i2);
    let worst = 0;
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let j = 0; j < n; j++) {
        const a = (-2 * Math.PI * ((j * k) % n)) / n;
        sr += re[j] * Math.cos(a) - im[j] * Math.sin(a);
        si += re[j] * Math.sin(a) + im[j] * Math.cos(a);
      }
      worst = Math.max(worst, Math.abs(sr - r2[k]), Math.abs(si - i2[k]));
    }
    fft1d(r2, i2, true);
    for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(r2[j] / n - re[j]), Math.abs(i2[j] / n - im[j]));
    t.true(worst < 1e-11 * n, `n=${n}: ${worst}`);
  }
});

// ---- adjoint identities in double -----------------------------------------------------------------

for (const { name, op } of operatorCases()) {
  test(`adjoint ⟨Ax, y⟩ = ⟨x, Aᵀy⟩: ${name}`, (t) => {
    const x = randomVector(operatorCols(op), 11);
    const y = randomVector(operatorRows(op), 12);
    const ax = applyOperator(op, x);
    const aty = applyAdjoint(op, y);
    t.is(ax.length, operatorRows(op));
    t.is(aty.length, operatorCols(op));
    const lhs = dot(ax, y);
    const rhs = dot(x, aty);
    const scale = Math.sqrt(dot(ax, ax) * dot(y, y)) + 1e-300;
    t.true(Math.abs(lhs - rhs) <= 1e-12 * scale, `⟨Ax,y⟩ = ${lhs}, ⟨x,Aᵀy⟩ = ${rhs}`);
  });
}

// ---- outputs against naive dense definitions ------------------------------------------------------

const mod = (a: number, n: number) => ((a % n) + n) % n;

/** The matrix of an operator written straight from its definition (types.ts), entry by entry. */
function naiveMatrix(op: Operator): Float64Array {
  const m = operatorRows(op);
  const d = operatorCols(op);
  const a = new Float64Array(m * d);
  switch (op.type) {
    case 'blur': {
      const { channels: C, height: H, width: W } = op.shape;
      const { kernelHeight: kh, kernelWidth: kw } = op;
      for (let c = 0; c < C; c++)
        for (let i = 0; i < H; i++)
          for (let j = 0; j < W; j++)
            for (let p = 0; p < kh; p++)
              for (let q = 0; q < kw; q++) {
                const src = (c * H + mod(i - p + Math.floor(kh / 2), H)) * W + mod(j - q + Math.floor(kw / 2), W);
                a[((c * H + i) * W + j) * d + src] += op.kernel[p * kw + q];
              }
      return a;
    }
    case 'downsample': {
      const { channels: C, height: H, width: W } = op.shape;
      const f = op.factor;
      for (let c = 0; c < C; c++)
        for (let i = 0; i < H; i++)
          for (let j = 0; j < W; j++) a[((c * H) / f + Math.floor(i / f)) * (W / f) * d + Math.floor(j / f) * d + (c * H + i) * W + j] = 1 / (f * f);
      return a;
    }
    case 'fourier': {
      const { height: H, width: W } = op.shape;
      const HW = H * W;
      op.samples.forEach((k, s) => {
        const c = Math.floor(k / HW);
        const u = Math.floor((k % HW) / W);
        const v = k % W;
        for (let i = 0; i < H; i++)
          for (let j = 0; j < W; j++) {
            const ang = -2 * Math.PI * (((u * i) % H) / H + ((v * j) % W) / W);
            a[2 * s * d + c * HW + i * W + j] = Math.cos(ang) / Math.sqrt(HW);
            a[(2 * s + 1) * d + c * HW + i * W + j] = Math.sin(ang) / Math.sqrt(HW);
          }
      });
      return a;
    }
    case 'compose': {
      let acc = naiveMatrix(op.operators[0]);
      let rows = operatorRows(op.operators[0]);
      for (const next of op.operators.slice(1)) {
        const b = naiveMatrix(next);
        const r = operatorRows(next);
        const prod = new Float64Array(r * d);
        for (let i = 0; i < r; i++)
          for (let k = 0; k < rows; k++) {
            const bik = b[i * rows + k];
            if (bik !== 0) for (let j = 0; j < d; j++) prod[i * d + j] += bik * acc[k * d + j];
          }
        acc = prod;
        rows = r;
      }
      return acc;
    }
    default:
      return operatorMatrix(op);
  }
}

for (const { name, op } of operatorCases().filter((c) => operatorCols(c.op) * operatorRows(c.op) <= 600 * 600)) {
  test(`operator matrix (A e_i) equals the naive definition: ${name}`, (t) => {
    const got = operatorMatrix(op);
    const want = naiveMatrix(op);
    let worst = 0;
    let mx = 0;
    for (let i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
      mx = Math.max(mx, Math.abs(want[i]));
    }
    t.true(worst <= 1e-12 * Math.max(1, mx), `max abs difference ${worst}`);
  });
}

test('61×61 blur on 64×64 through the FFT equals the direct circular convolution', (t) => {
  const op = blurOperator(shape(1, 64, 64), randomKernel(61, 61, 9)) as Extract<Operator, { type: 'blur' }>;
  const x = randomVector(4096, 13);
  const got = applyOperator(op, x);
  let worst = 0;
  for (const [i, j] of [[0, 0], [5, 63], [31, 32], [63, 1], [40, 17]]) {
    let s = 0;
    for (let p = 0; p < 61; p++) for (let q = 0; q < 61; q++) s += op.kernel[p * 61 + q] * x[mod(i - p + 30, 64) * 64 + mod(j - q + 30, 64)];
    worst = Math.max(worst, Math.abs(s - got[i * 64 + j]));
  }
  t.true(worst < 1e-10, `${worst}`);
});

test('operatorMatrix refuses operators above 4096×4096 entries', (t) => {
  const err = t.throws(() => operatorMatrix(blurOperator(shape(1, 128, 128), uniformKernel(3))), { instanceOf: LangevinError });
  t.is(err?.code, 'E_VALUE');
});

// ---- operator norms -------------------------------------------------------------------------------

for (const { name, op } of operatorCases().filter((c) => operatorCols(c.op) * operatorRows(c.op) <= 600 * 600)) {
  test(`‖A‖² equals the largest squared singular value of the dense matrix: ${name}`, (t) => {
    const want = spectralNormSquared(operatorMatrix(op), operatorRows(op), operatorCols(op));
    const got = opNormSquared(op);
    // Exact formulas agree to rounding; power iteration (compose) is a lower estimate ×(1 + 1e-2).
    const tol = op.type === 'compose' ? 1.1e-2 : 1e-8;
    t.true(got >= want * (1 - 1e-8) && got <= want * (1 + tol), `‖A‖² = ${got}, dense: ${want}`);
  });
}

test('‖A‖² of large imaging operators without a dense matrix', (t) => {
  t.is(opNormSquared({ type: 'downsample', shape: shape(3, 256, 256), factor: 4 }), 1 / 16);
  const g = opNormSquared(blurOperator(shape(1, 256, 256), gaussianKernel(3)));
  t.true(g > 0.999 && g <= 1 + 1e-6, `${g}`); // a normalised non-negative kernel has K̂(0) = 1 = max
  const c = opNormSquared(compose(blurOperator(shape(1, 64, 64), gaussianKernel(2)), { type: 'downsample', shape: shape(1, 64, 64), factor: 2 }));
  t.true(c > 0.2 && c <= 0.25 * (1 + 1e-6), `${c}`);
  const p = { prior: gaussianPrior(new Float64Array(64), 1), likelihood: { operator: { type: 'fourier', shape: shape(1, 8, 8), samples: Int32Array.of(1) } as Operator, y: new Float64Array(2), noiseStd: 1 } };
  t.is(operatorNormSquared(p), 0.5); // one sample without its conjugate
});

// ---- one native step against the double reference ---------------------------------------------------

function gaussianPrior(mean: Float64Array, variance: number): GmmPrior {
  return { kind: 'isotropic', dim: mean.length, components: 1, weights: Float64Array.of(1), means: mean, cov: Float64Array.of(variance) };
}

interface NativeCase {
  name: string;
  op: Operator;
  method?: 0 | 1;
  yPerChain?: boolean;
}

function nativeCases(): NativeCase[] {
  const out: NativeCase[] = [];
  for (const c of operatorCases()) {
    out.push({ name: c.name, op: c.op });
    if (c.op.type === 'blur') {
      out.push({ name: `${c.name}, direct`, op: c.op, method: 0 });
      out.push({ name: `${c.name}, FFT`, op: c.op, method: 1 });
    }
  }
  out.push({ name: 'blur 15×15 on 3×64×64, FFT, per-chain y', op: blurOperator(shape(3, 64, 64), motionKernel(13, 60, 15)), method: 1, yPerChain: true });
  out.push({ name: 'blur 3×3 on 3×7×9, direct, per-chain y', op: blurOperator(shape(3, 7, 9), randomKernel(3, 3, 21)), method: 0, yPerChain: true });
  out.push({ name: 'fourier 3×7×9, per-chain y', op: { type: 'fourier', shape: shape(3, 7, 9), samples: randomSamples(shape(3, 7, 9), 30, 22) }, yPerChain: true });
  return out;
}

for (const cs of nativeCases()) {
  test(`native step drift h·(s + c·Aᵀ(y − Ax)) matches double precision: ${cs.name}`, async (t) => {
    const op = cs.op;
    const d = operatorCols(op);
    const m = operatorRows(op);
    const chains = 3;
    const h = 0.05;
    const c = 2.5;
    const v = 1.7;
    const mean = randomVector(d, 31);
    const r = rng(32);
    const x = Float32Array.from({ length: chains * d }, () => 2 * r() - 1);
    const y = Float32Array.from({ length: (cs.yPerChain ? chains : 1) * m }, () => 2 * r() - 1);
    let tables = operatorTables(op);
    if (cs.method !== undefined) tables = { ...tables, stages: tables.stages!.map((s) => ({ ...s, method: cs.method })) };
    const seed = 5n;
    const stream = 3;
    const stepOffset = 7;
    const chainOffset = 2;
    const out = await runPhase(
      { device: 'cpu', threads: 2, seed, chainOffset, prior: priorTables(gaussianPrior(mean, v)), operator: tables, y: cs.yPerChain ? undefined : y },
      { name: 'test', stream, stepOffset, schedule: constantSchedule(1, { h, a: 1, b2: 0, c }), ...(cs.yPerChain ? { y, yPerChain: true } : {}) },
      { chains, dim: d, x, status: freshStatus(chains) },
    );
    t.deepEqual(Array.from(out.status), [-1, -1, -1]);
    const xi = await drawNormals({ seed, stream, step: stepOffset, chainOffset }, chains, d);
    let worst = 0;
    let scale = 0;
    for (let ch = 0; ch < chains; ch++) {
      const row = x.subarray(ch * d, (ch + 1) * d);
      const yc = cs.yPerChain ? y.subarray(ch * m, (ch + 1) * m) : y;
      const ax = applyOperator(op, row);
      const res = Float64Array.from(ax, (a, j) => yc[j] - a);
      const g = applyAdjoint(op, res);
      for (let i = 0; i < d; i++) {
        const expected = h * ((mean[i] - row[i]) / v + c * g[i]);
        const got = out.x[ch * d + i] - row[i] - Math.sqrt(2 * h) * xi[ch * d + i];
        worst = Math.max(worst, Math.abs(got - expected));
        scale = Math.max(scale, Math.abs(expected));
      }
    }
    // Float32 state: the drift is recovered from x' − x − √(2h)ξ, so the error floor is a few ulps of |x'| ≈ 1–5.
    t.true(worst <= 3e-6 * (5 + scale), `max abs error ${worst}, max |drift| ${scale}`);
  });
}

test('native: malformed imaging operators are refused before running', async (t) => {
  const op = blurOperator(shape(1, 4, 6), uniformKernel(3));
  const good = operatorTables(op);
  const base = { device: 'cpu' as const, threads: 1, seed: 1n, chainOffset: 0, prior: priorTables(gaussianPrior(new Float64Array(24), 1)), y: new Float32Array(24) };
  const spec = { name: 't', stream: 0, schedule: constantSchedule(1, { h: 0.01, c: 1 }) };
  const state = { chains: 1, dim: 24, x: new Float32Array(24), status: freshStatus(1) };
  await t.notThrowsAsync(runPhase({ ...base, operator: good }, spec, state));
  const s0 = good.stages![0];
  const bad: [string, object][] = [
    ['shape not matching dim', { ...good, stages: [{ ...s0, height: 5 }] }],
    ['short kernel', { ...good, stages: [{ ...s0, kernel: new Float64Array(8) }] }],
    ['non-finite kernel', { ...good, stages: [{ ...s0, kernel: new Float64Array(9).fill(NaN) }] }],
    ['downsample factor not dividing', { opKind: 5, measurements: 6, stages: [{ opKind: 5, measurements: 6, dim: 24, channels: 1, height: 4, width: 6, factor: 4 }] }],
    ['fourier sample out of range', { opKind: 6, measurements: 2, stages: [{ opKind: 6, measurements: 2, dim: 24, channels: 1, height: 4, width: 6, indices: Int32Array.of(24) }] }],
    ['fourier duplicate samples', { opKind: 6, measurements: 4, stages: [{ opKind: 6, measurements: 4, dim: 24, channels: 1, height: 4, width: 6, indices: Int32Array.of(3, 3) }] }],
    ['compose sizes not chaining', { opKind: 7, measurements: 24, stages: [s0, { ...s0, dim: 23 }] }],
    ['stages missing', { opKind: 4, measurements: 24 }],
    ['too many stages', { opKind: 7, measurements: 24, stages: new Array(9).fill(s0) }],
  ];
  for (const [what, operator] of bad) {
    await t.throwsAsync(runPhase({ ...base, operator: operator as never }, spec, state), undefined, what);
  }
});

// ---- problem files ---------------------------------------------------------------------------------

function imageProblem(d: number, operator: unknown, m: number): unknown {
  return { prior: { type: 'gaussian', mean: new Array(d).fill(0), covariance: { type: 'isotropic', variances: [1] } }, likelihood: { operator, y: new Array(m).fill(0.5), noiseStd: 0.1 } };
}

test('problem files: blur, downsample, fourier and compose parse into operators', (t) => {
  const k = gaussianKernel(1, 5);
  const blur = parseGmmProblem(imageProblem(3 * 6 * 10, { type: 'blur', kernel: kernelRows(k), shape: [3, 6, 10] }, 180)).likelihood!.operator;
  t.like(blur, { type: 'blur', shape: { channels: 3, height: 6, width: 10 }, kernelHeight: 5, kernelWidth: 5 });
  const ds = parseGmmProblem(imageProblem(64, { type: 'downsample', factor: 4, shape: [8, 8] }, 4)).likelihood!.operator;
  t.like(ds, { type: 'downsample', factor: 4, shape: { channels: 1, height: 8, width: 8 } });
  const shared = parseGmmProblem(imageProblem(2 * 16, { type: 'fourier', shape: [2, 4, 4], samples: [5, 0] }, 8)).likelihood!.operator;
  t.deepEqual(shared.type === 'fourier' && Array.from(shared.samples), [5, 0, 21, 16]);
  const per = parseGmmProblem(imageProblem(2 * 16, { type: 'fourier', shape: [2, 4, 4], samples: [[1], [2, 3]] }, 6)).likelihood!.operator;
  t.deepEqual(per.type === 'fourier' && Array.from(per.samples), [1, 18, 19]);
  const comp = parseGmmProblem(
    imageProblem(64, { type: 'compose', operators: [{ type: 'blur', kernel: [[0, 1, 0], [1, 2, 1], [0, 1, 0]], shape: [8, 8] }, { type: 'downsample', factor: 2, shape: [8, 8] }, { type: 'mask', mask: [1, 0, ...new Array(14).fill(1)] }] }, 15),
  ).likelihood!.operator;
  t.is(comp.type, 'compose');
  t.is(operatorRows(comp), 15);
  const mask = parseGmmProblem(imageProblem(12, { type: 'mask', mask: Array.from(boxMask(shape(3, 2, 2), { top: 0, left: 0, height: 1, width: 1 })) }, 9)).likelihood!.operator;
  t.is(operatorRows(mask), 9);
});

test('problem files: malformed imaging operators name the field', (t) => {
  const cases: [unknown, number, number, ErrorCode, string, RegExp][] = [
    [{ type: 'blur', kernel: [[1]], shape: [3, 5] }, 16, 16, 'E_SHAPE', 'likelihood.operator.shape', /C·H·W = 16/],
    [{ type: 'blur', kernel: [[1]], shape: [2, 2.5, 4] }, 20, 20, 'E_VALUE', 'likelihood.operator.shape[1]', /positive integer/],
    [{ type: 'blur', kernel: [[1, 2], [3]], shape: [4, 4] }, 16, 16, 'E_SHAPE', 'likelihood.operator.kernel[1]', /array of 2 numbers/],
    [{ type: 'blur', kernel: [[1, 'x']], shape: [4, 4] }, 16, 16, 'E_VALUE', 'likelihood.operator.kernel[0][1]', /finite number/],
    [{ type: 'blur', kernel: [[1]], shape: [4, 4], pad: 'zero' }, 16, 16, 'E_OPTION', 'likelihood.operator.pad', /unknown key/],
    [{ type: 'downsample', factor: 3, shape: [4, 6] }, 24, 6, 'E_VALUE', 'likelihood.operator.factor', /dividing H = 4 and W = 6/],
    [{ type: 'downsample', factor: 0, shape: [4, 6] }, 24, 6, 'E_VALUE', 'likelihood.operator.factor', /positive integer/],
    [{ type: 'fourier', shape: [4, 4], samples: [3, 16] }, 16, 4, 'E_VALUE', 'likelihood.operator.samples[1]', /integer in \[0, 16\)/],
    [{ type: 'fourier', shape: [4, 4], samples: [3, 3] }, 16, 4, 'E_VALUE', 'likelihood.operator.samples[1]', /distinct/],
    [{ type: 'fourier', shape: [2, 4, 4], samples: [[1]] }, 32, 2, 'E_SHAPE', 'likelihood.operator.samples', /2 such arrays/],
    [{ type: 'fourier', shape: [4, 4], samples: [] }, 16, 2, 'E_VALUE', 'likelihood.operator.samples', /at least one sample/],
    [{ type: 'compose', operators: [] }, 16, 16, 'E_SHAPE', 'likelihood.operator.operators', /non-empty/],
    [{ type: 'compose', operators: [{ type: 'downsample', factor: 2, shape: [4, 4] }, { type: 'blur', kernel: [[1]], shape: [4, 4] }] }, 16, 16, 'E_SHAPE', 'likelihood.operator.operators[1].shape', /C·H·W = 4/],
    [{ type: 'compose', operators: new Array(9).fill({ type: 'identity' }) }, 4, 4, 'E_VALUE', 'likelihood.operator.operators', /at most 8/],
  ];
  for (const [operator, d, m, code, field, message] of cases) {
    const err = t.throws(() => parseGmmProblem(imageProblem(d, operator, m)), { instanceOf: LangevinError }, JSON.stringify(operator));
    t.is(err?.code, code, err?.message);
    t.is(err?.field, field, err?.message);
    t.regex(err!.message, message);
  }
});

// ---- kernels and masks ---------------------------------------------------------------------------------

test('kernels are normalised, centred and of the requested size', (t) => {
  const g = gaussianKernel(1.5);
  t.is(g.height, 11);
  t.true(Math.abs(g.data.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  t.is(g.data.indexOf(Math.max(...g.data)), 5 * 11 + 5);
  const mk = motionKernel(9, 0);
  t.is(mk.height, 11);
  t.true(Math.abs(mk.data.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) if (i !== 5) t.is(mk.data[i * 11 + j], 0); // horizontal streak
  const diag = motionKernel(9, 45);
  t.true(diag.data[1 * 11 + 9] > 0 && diag.data[9 * 11 + 1] > 0 && diag.data[1 * 11 + 1] === 0); // up-right to down-left
  t.throws(() => gaussianKernel(-1), { instanceOf: LangevinError });
  t.throws(() => uniformKernel(4), { instanceOf: LangevinError });
});

test('masks: box, random pixels, variable-density and Cartesian k-space samples', (t) => {
  const s = shape(3, 10, 12);
  const box = boxMask(s, { top: 2, left: 3, height: 4, width: 5 });
  t.is(box.reduce((a, b) => a + b, 0), 3 * (120 - 20));
  const rp = randomPixelMask(s, 0.3, 7);
  const kept = rp.reduce((a, b) => a + b, 0) / 3;
  t.true(kept > 15 && kept < 60, `${kept}`);
  for (let p = 0; p < 120; p++) t.true(rp[p] === rp[120 + p] && rp[p] === rp[240 + p]);
  t.deepEqual(randomPixelMask(s, 0.3, 7), rp);
  const vd = variableDensitySamples(32, 32, { fraction: 0.25, centerFraction: 0.1, seed: 3 });
  t.is(vd.length, 256);
  t.true(vd.includes(0) && vd.includes(1) && vd.includes(31 * 32 + 31)); // the centre (low frequencies, at the corners) is in
  let low = 0;
  for (const k of vd) if (Math.hypot(Math.min(k >> 5, 32 - (k >> 5)), Math.min(k & 31, 32 - (k & 31))) < 8) low++;
  t.true(low > 0.5 * vd.length, `${low} of ${vd.length} within radius 8`); // the density favours low frequencies
  t.deepEqual(variableDensitySamples(32, 32, { fraction: 0.25, centerFraction: 0.1, seed: 3, density: 'polynomial' }).length, 256);
  const lines = cartesianLineSamples(32, 20, { acceleration: 4, centerFraction: 0.125, seed: 1 });
  t.is(lines.length, 8 * 20);
  for (const u of [0, 1, 2, 31]) t.true(lines.includes(u * 20 + 7), `row ${u}`);
});

// ---- posterior mean under a Gaussian prior -----------------------------------------------------------------

function posteriorProblem(op: Operator, seed: number): Problem {
  const d = operatorCols(op);
  const m = operatorRows(op);
  const r = rng(seed);
  const mean = Float64Array.from({ length: d }, () => 2 * r() - 1);
  const variances = Float64Array.from({ length: d }, () => 0.8 + 0.4 * r());
  const xTrue = Float64Array.from({ length: d }, () => 2 * r() - 1);
  const noiseStd = 0.5; // well conditioned (κ ≈ 6), so the default LMC run is a few hundred steps
  const ax = applyOperator(op, xTrue);
  const y = Float64Array.from({ length: m }, (_, j) => ax[j] + noiseStd * (2 * r() - 1));
  return { prior: { kind: 'diagonal', dim: d, components: 1, weights: Float64Array.of(1), means: mean, cov: variances }, likelihood: { operator: op, y, noiseStd } };
}

/** m solving (Σ⁻¹ + AᵀA/η²) m = Σ⁻¹m₀ + Aᵀy/η² directly. */
function normalEquationsMean(p: Problem): Float64Array {
  const d = p.prior.dim;
  const lik = p.likelihood!;
  const A = operatorMatrix(lik.operator);
  const m = operatorRows(lik.operator);
  const e2 = lik.noiseStd ** 2;
  const P = new Float64Array(d * d);
  const b = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    P[i * d + i] = 1 / p.prior.cov[i];
    b[i] = p.prior.means[i] / p.prior.cov[i];
  }
  for (let j = 0; j < m; j++)
    for (let i = 0; i < d; i++) {
      const aji = A[j * d + i];
      if (aji === 0) continue;
      b[i] += (aji * lik.y[j]) / e2;
      for (let k = 0; k < d; k++) P[i * d + k] += (aji * A[j * d + k]) / e2;
    }
  return choleskySolve(cholesky(P, d), b, d);
}

const posteriorCases: Case[] = [
  { name: 'blur 9×9 gaussian (FFT) on 1×8×8', op: blurOperator(shape(1, 8, 8), gaussianKernel(1.2, 9)) },
  { name: 'blur 3×5 motion (direct) on 3×6×10', op: blurOperator(shape(3, 6, 10), motionKernel(4, 0, 5)) },
  { name: 'inpainting: random pixels on 3×6×10', op: maskOperator(randomPixelMask(shape(3, 6, 10), 0.5, 4)) },
  { name: 'super-resolution ×2 on 3×6×10', op: { type: 'downsample', shape: shape(3, 6, 10), factor: 2 } },
  { name: 'MRI: variable-density fourier on 1×8×8', op: fourierOperator(shape(1, 8, 8), variableDensitySamples(8, 8, { fraction: 0.4, seed: 5 })) },
  { name: 'compose blur→downsample ×2 on 1×8×8', op: compose(blurOperator(shape(1, 8, 8), gaussianKernel(0.7, 3)), { type: 'downsample', shape: shape(1, 8, 8), factor: 2 }) },
];

for (const [idx, { name, op }] of posteriorCases.entries()) {
  test(`posterior mean of LMC samples matches the exact solve: ${name}`, async (t) => {
    const problem = posteriorProblem(op, 40 + idx);
    const d = problem.prior.dim;
    const exact = exactPosteriorOf(problem);
    const direct = normalEquationsMean(problem);
    for (let i = 0; i < d; i++) t.true(Math.abs(exact.mean[i] - direct[i]) < 1e-9, `exact solve, coordinate ${i}`);
    const chains = 2000;
    const res = await sample(problem, { sampler: 'lmc', chains, seed: 100 + idx, device: 'cpu' });
    t.is(res.summary.diagnostics && res.status.filter((s) => s !== -1).length, 0);
    const mean = new Float64Array(d);
    for (let c = 0; c < chains; c++) for (let i = 0; i < d; i++) mean[i] += res.samples[c * d + i] / chains;
    const { stat, bound } = meanChi2(mean, exact.mean, exact.covariance, d, chains);
    t.true(stat < bound, `χ² statistic ${stat.toFixed(1)} ≥ ${bound.toFixed(1)} (d = ${d})`);
    let worst = 0;
    for (let i = 0; i < d; i++) worst = Math.max(worst, Math.abs(mean[i] - exact.mean[i]) / Math.sqrt(exact.covariance[i * d + i] / chains));
    t.true(worst < 5, `largest standardised mean error ${worst.toFixed(2)}`);
  });
}

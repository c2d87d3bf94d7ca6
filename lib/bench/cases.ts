// SPDX-License-Identifier: MIT
// The benchmark's kernel families and sizes, the synthetic problems they run on, and what one
// element-step of each costs (bytes moved, floating-point operations). scripts/bench_numpy.py
// and scripts/bench_torch.py receive the case list from here (--cases JSON), so every peer times
// the same families, sizes and step counts.
import type { GmmPrior, ImageShape, Operator } from '../types.js';
import { blurOperator, gaussianKernel } from '../imaging/kernels.js';
import { mulberry32, normalFrom } from '../engine/prng.js';
import { randomOrthonormal } from '../math/linalg.js';

export const FAMILY_NAMES = ['gaussian', 'gmm-diag', 'gmm-full', 'mask', 'blur', 'dense'] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];
export const SIZE_NAMES = ['small', 'medium', 'large'] as const;
export type SizeName = (typeof SIZE_NAMES)[number];

/** Families without a kernel yet: listed in every report with the reason (none at present). */
export const UNAVAILABLE: Partial<Record<FamilyName, string>> = {};

export interface FamilyInfo {
  readonly name: FamilyName;
  readonly description: string;
  readonly covKind: 'isotropic' | 'diagonal' | 'full';
  readonly K: number;
  readonly operator: 'identity' | 'mask' | 'dense' | 'blur';
}

export const FAMILIES: Record<FamilyName, FamilyInfo> = {
  gaussian: { name: 'gaussian', description: 'K=1 isotropic Gaussian prior, identity operator', covKind: 'isotropic', K: 1, operator: 'identity' },
  'gmm-diag': { name: 'gmm-diag', description: 'K=8 diagonal GMM prior, random 50% mask operator', covKind: 'diagonal', K: 8, operator: 'mask' },
  'gmm-full': { name: 'gmm-full', description: 'K=4 full-covariance GMM prior (d=32), dense operator m=16', covKind: 'full', K: 4, operator: 'dense' },
  mask: { name: 'mask', description: 'K=1 isotropic Gaussian prior, random 50% mask operator', covKind: 'isotropic', K: 1, operator: 'mask' },
  blur: { name: 'blur', description: 'K=1 isotropic Gaussian prior, circular 7×7 Gaussian blur (σ = 1) of a √d × √d image', covKind: 'isotropic', K: 1, operator: 'blur' },
  dense: { name: 'dense', description: 'K=1 isotropic Gaussian prior, dense operator m=d/2', covKind: 'isotropic', K: 1, operator: 'dense' },
};

/** One timed configuration. steps: the CPU step count; CUDA multiplies it (see stepsFor). */
export interface BenchCase {
  readonly family: FamilyName;
  readonly size: SizeName;
  readonly chains: number;
  readonly d: number;
  readonly m: number; // measurements
  readonly K: number;
  readonly steps: number;
}

// Step counts: each CPU measurement on the 2-core development machine takes ≈ 0.2–1.5 s.
// gmm-full has d = 32 fixed and dense m = d/2 costs O(m·d) per chain-step, so their large sizes
// are smaller than the elementwise families' 4096 × 1024.
const SIZES: Record<FamilyName, Record<SizeName, { chains: number; d: number; steps: number }>> = {
  gaussian: { small: { chains: 64, d: 64, steps: 4000 }, medium: { chains: 1024, d: 256, steps: 200 }, large: { chains: 4096, d: 1024, steps: 15 } },
  'gmm-diag': { small: { chains: 64, d: 64, steps: 1500 }, medium: { chains: 1024, d: 256, steps: 60 }, large: { chains: 4096, d: 1024, steps: 5 } },
  'gmm-full': { small: { chains: 64, d: 32, steps: 1500 }, medium: { chains: 1024, d: 32, steps: 100 }, large: { chains: 8192, d: 32, steps: 12 } },
  mask: { small: { chains: 64, d: 64, steps: 4000 }, medium: { chains: 1024, d: 256, steps: 200 }, large: { chains: 4096, d: 1024, steps: 15 } },
  blur: { small: { chains: 64, d: 64, steps: 4000 }, medium: { chains: 1024, d: 256, steps: 120 }, large: { chains: 4096, d: 1024, steps: 10 } },
  dense: { small: { chains: 64, d: 64, steps: 1500 }, medium: { chains: 1024, d: 256, steps: 20 }, large: { chains: 4096, d: 256, steps: 5 } },
};

/** The blur family's kernel: a 7×7 Gaussian with σ = 1 (scripts/bench_numpy.py builds the same). */
export const BLUR_SIGMA = 1;

/** The blur family's image: one channel, √d × √d (d must be a square). */
export function blurShape(d: number): ImageShape {
  const n = Math.round(Math.sqrt(d));
  if (n * n !== d) throw new Error(`blur family: d = ${d} is not a square image`);
  return { channels: 1, height: n, width: n };
}

export function measurementsOf(family: FamilyName, d: number): number {
  switch (FAMILIES[family].operator) {
    case 'identity':
      return d;
    case 'mask':
      return maskIndices(d).length;
    case 'dense':
      return family === 'gmm-full' ? 16 : Math.max(1, Math.floor(d / 2));
    case 'blur':
      return d;
  }
}

export function benchCase(family: FamilyName, size: SizeName, opts: { quick?: boolean; steps?: number } = {}): BenchCase {
  const s = SIZES[family][size];
  const steps = opts.steps ?? (opts.quick ? Math.max(2, Math.round(s.steps / 10)) : s.steps);
  return { family, size, chains: s.chains, d: s.d, m: measurementsOf(family, s.d), K: FAMILIES[family].K, steps };
}

/**
 * Cases to run. --quick: the small size only, a tenth of the steps (a smoke run; its numbers are
 * noisier than a full run's).
 */
export function benchCases(families: readonly FamilyName[], opts: { quick?: boolean; sizes?: readonly SizeName[]; steps?: number } = {}): BenchCase[] {
  const sizes = opts.sizes ?? (opts.quick ? (['small'] as const) : SIZE_NAMES);
  const out: BenchCase[] = [];
  for (const f of families) {
    if (UNAVAILABLE[f]) continue;
    for (const s of sizes) out.push(benchCase(f, s, opts));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Costs of one element-step (one coordinate of one chain advanced by one step).

/**
 * Compulsory memory traffic per element-step: the state is read and written once (2 × 4 B).
 * Every other input (means, variances, eigenvectors, operator, y) is shared by all chains: the CPU
 * backend reads it once per step per block of 32 chains and keeps it in cache, the GPU serves it
 * from L1/L2; it is reported separately as paramBytesPerElementStep (the bytes the kernel loads
 * per element, from cache) and not counted against DRAM bandwidth.
 */
export const STATE_BYTES_PER_ELEMENT_STEP = 8;

/** Bytes of shared parameters the fused step loads per element (served from cache). */
export function paramBytesPerElementStep(c: Pick<BenchCase, 'family' | 'd' | 'm' | 'K'>): number {
  const { d, m, K } = c;
  const info = FAMILIES[c.family];
  let prior: number;
  switch (info.covKind) {
    case 'isotropic':
      prior = 4 * K * 2; // μ_k[i], read in the quadratic form and in the score
      break;
    case 'diagonal':
      prior = 8 * K * 2; // μ_k[i] and 1/σ²_k[i], twice
      break;
    case 'full':
      prior = K * (8 + 4 + 2 * 4 * d); // μ_k[i], 1/λ_k[i], and row i of U_k twice (Uᵀr, then U w)
      break;
  }
  let lik: number;
  switch (info.operator) {
    case 'identity':
      lik = 4; // y[i]
      break;
    case 'mask':
      lik = (8 * m) / d; // index and y of each kept coordinate
      break;
    case 'dense':
      lik = (2 * 4 * m * d + 4 * m) / d; // A twice (A x, then Aᵀ r), y
      break;
    case 'blur':
      // FFT method (native/core/operator_build.h picks it for a 7×7 kernel at these sizes): the
      // spectra conj(K̂)·Ŷ-style tables, ≈ 3 floats per pixel, and y.
      lik = 16;
      break;
  }
  return prior + lik;
}

/**
 * Floating-point operations of the drift and update per element-step, counted from
 * native/core/gmm.h, linear_operator.h and phase.h (softmax and per-step level tables, which are
 * O(K) per chain or per block, are left out). The Philox4x32-10 + Box–Muller normal (10 rounds of
 * two 32×32→64 multiplies per 4 elements; one log, sqrt, sin and cos per 2, evaluated as
 * polynomials in native/core/fastmath.h, not libm) is not counted here.
 */
export function flopsPerElementStep(c: Pick<BenchCase, 'family' | 'd' | 'm' | 'K'>): number {
  const { d, m, K } = c;
  const info = FAMILIES[c.family];
  let prior: number;
  switch (info.covKind) {
    case 'isotropic':
      prior = 8 * K; // (x − aμ)², then f·(aμ − x) accumulated
      break;
    case 'diagonal':
      prior = 10 * K;
      break;
    case 'full':
      prior = K * (4 * d + 7); // Uᵀ(x − aμ) and U w: d fused multiply-adds each
      break;
  }
  let lik: number;
  switch (info.operator) {
    case 'identity':
      lik = 2;
      break;
    case 'mask':
      lik = (2 * m) / d;
      break;
    case 'dense':
      lik = 4 * m; // A x and Aᵀ r
      break;
    case 'blur':
      // FFT method: two complex H·W transforms per channel (5·N·log₂N flops each, per pixel
      // 10·log₂(H·W)) plus the pointwise spectral product and residual, ≈ 10 per pixel.
      lik = 10 * Math.log2(d) + 10;
      break;
  }
  return prior + lik + 5; // x + h·(s + g) + √(2h)·ξ
}

/** Elementary functions the normal generator evaluates per element: log, sqrt, sin and cos, each once per 2 elements. */
export const RNG_TRANSCENDENTALS_PER_ELEMENT = 2;

// ------------------------------------------------------------------------------------------------
// Synthetic problems (deterministic: a fixed seed per family and size).

/** A small deterministic generator for problem parameters (not for sampling). */
export const paramRng = mulberry32;
const normal = normalFrom;

/** A random 50% mask of d coordinates (fixed pattern per d), as ascending kept indices. */
export function maskIndices(d: number): Int32Array {
  const r = paramRng(0x5eed ^ d);
  const keep: number[] = [];
  for (let i = 0; i < d; i++) if (r() < 0.5) keep.push(i);
  if (keep.length === 0) keep.push(0);
  return Int32Array.from(keep);
}

/** Random SPD matrix Q diag(λ) Qᵀ with λ evenly spread in [lo, hi]. */
function randomSpd(d: number, lo: number, hi: number, r: () => number): Float64Array {
  const q = randomOrthonormal(d, () => normal(r));
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const lam = d === 1 ? hi : lo + ((hi - lo) * k) / (d - 1);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] += lam * q[i * d + k] * q[j * d + k];
  }
  return out;
}

export interface BenchProblem {
  readonly prior: GmmPrior;
  readonly operator: Operator;
  readonly y: Float64Array;
  readonly noiseStd: number;
  /** The schedule every step uses: x ← x + h(∇log p_{a,b}(x) + c Aᵀ(y − Ax)) + √(2h) ξ. */
  readonly step: { h: number; a: number; b2: number; c: number };
  /** Initial states [chains*d]. */
  readonly x0: Float32Array;
}

/** The step every benchmark uses: a noised prior (a = 1, b² = 0.05) and η = 0.5 (c = 4). */
export const BENCH_STEP = { h: 0.01, a: 1, b2: 0.05, c: 4 } as const;

/** The problem a case runs on (parameters depend on family and d only; x0 on chains too). */
export function benchProblem(family: FamilyName, chains: number, d: number): BenchProblem {
  const info = FAMILIES[family];
  const r = paramRng(0xbe7c4 ^ (FAMILY_NAMES.indexOf(family) << 20) ^ d);
  const K = info.K;
  const weights = Float64Array.from({ length: K }, () => 0.2 + r());
  const wsum = weights.reduce((s, v) => s + v, 0);
  for (let k = 0; k < K; k++) weights[k] /= wsum;
  const means = Float64Array.from({ length: K * d }, () => 2 * r() - 1);
  let cov: Float64Array;
  if (info.covKind === 'isotropic') cov = Float64Array.from({ length: K }, () => 0.5 + r());
  else if (info.covKind === 'diagonal') cov = Float64Array.from({ length: K * d }, () => 0.4 + r());
  else {
    cov = new Float64Array(K * d * d);
    for (let k = 0; k < K; k++) cov.set(randomSpd(d, 0.4, 1.5, r), k * d * d);
  }
  const prior: GmmPrior = { kind: info.covKind, dim: d, components: K, weights, means, cov };
  let operator: Operator;
  if (info.operator === 'identity') operator = { type: 'identity', dim: d };
  else if (info.operator === 'mask') operator = { type: 'mask', dim: d, indices: maskIndices(d) };
  else if (info.operator === 'blur') operator = blurOperator(blurShape(d), gaussianKernel(BLUR_SIGMA));
  else {
    const m = measurementsOf(family, d);
    operator = { type: 'dense', rows: m, cols: d, matrix: Float64Array.from({ length: m * d }, () => (2 * r() - 1) / Math.sqrt(d)) };
  }
  const m = operator.type === 'mask' ? operator.indices.length : operator.type === 'dense' ? operator.rows : d;
  const y = Float64Array.from({ length: m }, () => 2 * r() - 1);
  const rx = paramRng(0x1417 ^ chains ^ (d << 12));
  const x0 = Float32Array.from({ length: chains * d }, () => normal(rx));
  return { prior, operator, y, noiseStd: 0.5, step: { ...BENCH_STEP }, x0 };
}

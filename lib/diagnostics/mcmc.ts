// SPDX-License-Identifier: MIT
// Convergence diagnostics for MCMC draws, following Stan and the R package `posterior`
// (Vehtari, Gelman, Simpson, Carpenter, Bürkner 2021, "Rank-normalization, folding, and
// localization: an improved R̂ for assessing convergence of MCMC"), so that numbers reported here
// read the same as those users know from Stan: R̂ < 1.01 and ESS > 100 per chain are the usual bars.
//
// Layout: draws of ONE scalar quantity, draw-major, x[t*chains + c] = draw t of chain c — one row of
// all chains per recorded draw, as the sampler records its snapshots.
//
// Degenerate input follows current `posterior` (should_return_NA): any NaN/±Inf, or all draws equal
// (max − min < machine epsilon, over ALL chains together), gives NaN for R̂ and ESS. A single constant
// chain among varying ones is NOT degenerate (posterior dropped that per-chain check as too
// conservative for tail-ESS). Too few draws to split (R̂: draws < 4; ESS: draws < 6, i.e. fewer than
// 3 draws per half chain) also gives NaN, since a diagnostic should report "cannot tell", not throw.
import { invalid } from '../errors.js';
import { median, quantile7 } from '../math/numeric.js';

export type Draws = Float64Array | Float32Array;

// ---------------------------------------------------------------------------------------------
// Normal distribution

const SQRT_PI = Math.sqrt(Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * erfc(u) for u ≥ 0 with ~1e-15 relative accuracy. Math has no erfc, and the Halley step of
 * normalQuantile is only as good as this. Below u = 2 the all-positive series
 * erf(u) = 2/√π e^{−u²} Σ 2ⁿu^{2n+1}/(1·3···(2n+1)) has no cancellation; above it erfc ≥ 0 is small
 * and the Laplace continued fraction keeps its relative accuracy deep into the tail.
 */
function erfcNonNeg(u: number): number {
  if (u < 2) {
    const u2 = u * u;
    let term = u;
    let sum = u;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * u2) / (2 * n + 1);
      sum += term;
    }
    return 1 - ((2 / SQRT_PI) * Math.exp(-u2) * sum);
  }
  // erfc(u) = e^{−u²}/√π · 1/(u + (1/2)/(u + 1/(u + (3/2)/(u + …)))), by modified Lentz.
  const tiny = 1e-300;
  let f = u;
  let C = u;
  let D = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    D = u + a * D;
    if (D === 0) D = tiny;
    C = u + a / C;
    if (C === 0) C = tiny;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-u * u) / (SQRT_PI * f);
}

/** Standard normal CDF Φ(z) for z ≤ 0 (accurate in relative terms in the lower tail). */
function normalCdfLower(z: number): number {
  return 0.5 * erfcNonNeg(-z / Math.SQRT2);
}

// Acklam's rational approximation to Φ⁻¹ (relative error < 1.15e-9), then one Halley step.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/** Φ⁻¹(p), the standard normal quantile; |error| well below 1e-9 on (0, 1). ±Infinity at 0 and 1, NaN outside [0, 1]. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  // Work in the lower half, where Φ(z) is computed without cancellation; 1 − p is exact for p ≥ ½.
  if (p > 0.5) return -normalQuantile(1 - p);
  let z: number;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    z = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    z = ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  }
  // Halley step on Φ(z) − p = 0; skipped where Φ underflows (p below ~1e-300), where Acklam suffices.
  const cdf = normalCdfLower(z);
  if (cdf > 0) {
    const u = (cdf - p) * SQRT_2PI * Math.exp((z * z) / 2);
    const refined = z - u / (1 + (z * u) / 2);
    if (Number.isFinite(refined)) z = refined;
  }
  return z;
}

// ---------------------------------------------------------------------------------------------
// Shared pieces (internal layout: split chains column-major, column j = half-chain j, n rows)

function checkLayout(x: Draws, draws: number, chains: number): void {
  if (!Number.isInteger(draws) || draws < 0) throw invalid('E_VALUE', 'draws', 'a non-negative integer', draws);
  if (!Number.isInteger(chains) || chains < 1) throw invalid('E_VALUE', 'chains', 'a positive integer', chains);
  if (x.length !== draws * chains) throw invalid('E_SHAPE', 'x', `length draws*chains = ${draws * chains}`, x);
}

/**
 * Split each chain into its first and second half (the middle draw dropped when draws is odd, as
 * posterior::split_chains does), so that a trend within a chain shows up as disagreement between chains.
 */
function splitChains(x: Draws, draws: number, chains: number): { y: Float64Array; n: number; m: number } {
  const n = Math.floor(draws / 2);
  const m = 2 * chains;
  const y = new Float64Array(n * m);
  const second = draws - n;
  for (let c = 0; c < chains; c++) {
    for (let i = 0; i < n; i++) {
      y[c * n + i] = x[i * chains + c];
      y[(chains + c) * n + i] = x[(second + i) * chains + c];
    }
  }
  return { y, n, m };
}

/** posterior's should_return_NA: any non-finite value, or all values equal. */
function degenerate(y: ArrayLike<number>): boolean {
  if (y.length === 0) return true;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) return true;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Math.abs(hi - lo) < Number.EPSILON;
}

function lowerBound(s: Float64Array, v: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(s: Float64Array, v: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rank-normalize finite values: average ranks over ties (so discrete quantities keep their number of
 * distinct values), then Blom's offset Φ⁻¹((r − 3/8)/(S + 1/4)) as posterior::z_scale.
 * A sorted copy plus binary search gives the tie ranks without an index sort.
 */
function zScale(y: ArrayLike<number>): Float64Array {
  const S = y.length;
  const sorted = Float64Array.from(y).sort();
  const z = new Float64Array(S);
  for (let i = 0; i < S; i++) {
    const v = y[i];
    // 1-based ranks lo+1 … hi share value v: their mean is (lo + 1 + hi)/2.
    const r = (lowerBound(sorted, v) + 1 + upperBound(sorted, v)) / 2;
    z[i] = normalQuantile((r - 0.375) / (S + 0.25));
  }
  return z;
}


/** Classic R̂ of m (already split) chains of n draws: √((B/W + n − 1)/n), B = n·var(chain means). */
function rhatCore(y: Float64Array, n: number, m: number): number {
  if (n < 2 || degenerate(y)) return NaN;
  const means = new Float64Array(m);
  let W = 0;
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += y[j * n + i];
    const mu = s / n;
    means[j] = mu;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = y[j * n + i] - mu;
      ss += d * d;
    }
    W += ss / (n - 1);
  }
  W /= m;
  const B = n * sampleVariance(means);
  return Math.sqrt((B / W + n - 1) / n);
}

/** Unbiased variance; 0 for fewer than 2 values (posterior only adds var(chain means) when m > 1). */
function sampleVariance(v: Float64Array): number {
  const k = v.length;
  if (k < 2) return 0;
  let s = 0;
  for (let i = 0; i < k; i++) s += v[i];
  const mu = s / k;
  let ss = 0;
  for (let i = 0; i < k; i++) ss += (v[i] - mu) * (v[i] - mu);
  return ss / (k - 1);
}

/**
 * ESS of m (already split) chains of n draws, as posterior's .ess: multi-chain autocorrelation
 * ρ̂_t = 1 − (W − mean_c acov_c(t))/var⁺, Geyer's initial positive then monotone sequence, the last
 * even term kept (it lowers the variance for antithetic chains), ESS capped at S·log10(S).
 * Autocovariances are the biased (÷n) estimates Geyer recommends, computed directly and only up to
 * the lag where the sequence truncates: O(m·n·lag) rather than an FFT, exact, and cheap for
 * well-mixing chains.
 */
function essCore(y: Float64Array, n: number, m: number): number {
  if (n < 3 || degenerate(y)) return NaN;
  const means = new Float64Array(m);
  const yc = new Float64Array(n * m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += y[j * n + i];
    const mu = s / n;
    means[j] = mu;
    for (let i = 0; i < n; i++) yc[j * n + i] = y[j * n + i] - mu;
  }
  // Mean over chains of the biased lag-t autocovariance.
  const acov = (t: number): number => {
    let s = 0;
    for (let j = 0; j < m; j++) {
      const o = j * n;
      for (let i = 0; i + t < n; i++) s += yc[o + i] * yc[o + i + t];
    }
    return s / (n * m);
  };
  const meanVar = (acov(0) * n) / (n - 1); // W, the mean within-chain (unbiased) variance
  let varPlus = (meanVar * (n - 1)) / n;
  if (m > 1) varPlus += sampleVariance(means);

  // Indices below are posterior's 1-based rho_hat_t[k] shifted to rho[k − 1].
  const rho = new Float64Array(n);
  let t = 0;
  let even = 1;
  rho[0] = even;
  let odd = 1 - (meanVar - acov(1)) / varPlus;
  rho[1] = odd;
  while (t < n - 5 && !Number.isNaN(even + odd) && even + odd > 0) {
    t += 2;
    even = 1 - (meanVar - acov(t)) / varPlus;
    odd = 1 - (meanVar - acov(t + 1)) / varPlus;
    if (even + odd >= 0) {
      rho[t] = even;
      rho[t + 1] = odd;
    }
  }
  const maxT = t;
  if (even > 0) rho[maxT] = even;

  t = 0;
  while (t <= maxT - 4) {
    t += 2;
    if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]) {
      rho[t] = (rho[t - 2] + rho[t - 1]) / 2;
      rho[t + 1] = rho[t];
    }
  }
  const S = m * n;
  // posterior sums rho_hat_t[1:max_t]; for max_t = 0, R's 1:0 still picks rho_hat_t[1] (Stan agrees).
  let sum = 0;
  for (let k = 0; k < Math.max(maxT, 1); k++) sum += rho[k];
  let tau = -1 + 2 * sum + rho[maxT];
  tau = Math.max(tau, 1 / Math.log10(S));
  return S / tau;
}

// ---------------------------------------------------------------------------------------------
// Public diagnostics

/** Classic split-R̂ on the raw draws (no rank normalization). NaN when draws < 4 or degenerate. */
export function splitRhat(x: Draws, draws: number, chains: number): number {
  checkLayout(x, draws, chains);
  if (draws < 4) return NaN;
  const { y, n, m } = splitChains(x, draws, chains);
  return rhatCore(y, n, m);
}

/**
 * Rank-normalized draws, same layout as x: fractional (average-for-ties) ranks r over all
 * draws·chains values, then Φ⁻¹((r − 3/8)/(S + 1/4)). Non-finite input gives all NaN.
 */
export function rankNormalize(x: Draws, draws: number, chains: number): Float64Array {
  checkLayout(x, draws, chains);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return new Float64Array(x.length).fill(NaN);
  return zScale(x);
}

/**
 * R̂ of Vehtari et al.: max of the rank-normalized split-R̂ (location) and the rank-normalized
 * split-R̂ of the folded draws |x − median| (scale — chains with equal means but different spreads).
 */
export function rhat(x: Draws, draws: number, chains: number): number {
  checkLayout(x, draws, chains);
  if (draws < 4) return NaN;
  const { y, n, m } = splitChains(x, draws, chains);
  if (degenerate(y)) return NaN;
  const bulk = rhatCore(zScale(y), n, m);
  const med = median(y);
  const folded = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) folded[i] = Math.abs(y[i] - med);
  const tail = rhatCore(zScale(folded), n, m);
  return Math.max(bulk, tail);
}

/** Bulk-ESS: ESS of the rank-normalized split chains (robust to heavy tails, unlike plain ESS). */
export function essBulk(x: Draws, draws: number, chains: number): number {
  checkLayout(x, draws, chains);
  const { y, n, m } = splitChains(x, draws, chains);
  if (n < 3 || degenerate(y)) return NaN;
  return essCore(zScale(y), n, m);
}

/**
 * Tail-ESS: min of the ESS of the indicators I(x ≤ q05) and I(x ≤ q95) on the split chains, i.e. how
 * well the 5% and 95% quantiles are pinned down. NaN also when an indicator is constant (e.g. a
 * quantity with a mass point at a tail quantile), as in posterior.
 */
export function essTail(x: Draws, draws: number, chains: number): number {
  checkLayout(x, draws, chains);
  const { y, n, m } = splitChains(x, draws, chains);
  if (n < 3 || degenerate(y)) return NaN;
  const ind = new Float64Array(y.length);
  let worst = Infinity;
  for (const p of [0.05, 0.95]) {
    const q = quantile7(y, p);
    for (let i = 0; i < y.length; i++) ind[i] = y[i] <= q ? 1 : 0;
    worst = Math.min(worst, essCore(ind, n, m));
  }
  return worst;
}

export interface ChainSummary {
  /** Largest R̂ over the evaluated coordinates. */
  rhatMax: number;
  /** Smallest bulk-ESS over the evaluated coordinates. */
  essBulkMin: number;
  /** Smallest tail-ESS over the evaluated coordinates. */
  essTailMin: number;
  /** Number of coordinates evaluated: min(dim, maxDims). */
  dims: number;
}

/**
 * Worst-case R̂ and ESS over the first min(dim, maxDims) coordinates of recorded snapshots, each
 * snapshot [chains*dim] with sample[c*dim + i] = coordinate i of chain c. Capping the coordinates
 * keeps the cost bounded for high-dimensional problems. A NaN for any coordinate (non-finite draws,
 * a constant coordinate, too few draws) propagates to the result: "cannot assess" must not be
 * hidden behind the other coordinates' values.
 */
export function summarizeChains(samples: Float32Array[], chains: number, dim: number, maxDims = 16): ChainSummary {
  if (!Number.isInteger(chains) || chains < 1) throw invalid('E_VALUE', 'chains', 'a positive integer', chains);
  if (!Number.isInteger(dim) || dim < 0) throw invalid('E_VALUE', 'dim', 'a non-negative integer', dim);
  if (!Number.isInteger(maxDims) || maxDims < 0) throw invalid('E_VALUE', 'maxDims', 'a non-negative integer', maxDims);
  samples.forEach((s, t) => {
    if (s.length !== chains * dim) throw invalid('E_SHAPE', `samples[${t}]`, `length chains*dim = ${chains * dim}`, s);
  });
  const draws = samples.length;
  const dims = Math.min(dim, maxDims);
  let rhatMax = dims > 0 ? -Infinity : NaN;
  let essBulkMin = dims > 0 ? Infinity : NaN;
  let essTailMin = dims > 0 ? Infinity : NaN;
  const x = new Float64Array(draws * chains);
  for (let i = 0; i < dims; i++) {
    for (let t = 0; t < draws; t++) {
      const s = samples[t];
      for (let c = 0; c < chains; c++) x[t * chains + c] = s[c * dim + i];
    }
    // Math.max/min propagate NaN, which is the intent (see above).
    rhatMax = Math.max(rhatMax, rhat(x, draws, chains));
    essBulkMin = Math.min(essBulkMin, essBulk(x, draws, chains));
    essTailMin = Math.min(essTailMin, essTail(x, draws, chains));
  }
  return { rhatMax, essBulkMin, essTailMin, dims };
}

// SPDX-License-Identifier: MIT
// Importance weights of a population of chains, held as log-weights: effective sample sizes,
// the conditional ESS that picks the next level, the normalising-constant increment, and
// systematic resampling. Every function works on one island [from, to) of the population.

/** log Σ_{i∈[from,to)} e^{v_i}; −∞ when every term is −∞. */
export function logSumExp(v: ArrayLike<number>, from = 0, to = v.length): number {
  let mx = -Infinity;
  for (let i = from; i < to; i++) if (v[i] > mx) mx = v[i];
  if (mx === -Infinity) return -Infinity;
  let s = 0;
  for (let i = from; i < to; i++) s += Math.exp(v[i] - mx);
  return mx + Math.log(s);
}

/** Effective sample size (Σw)²/Σw² of the island's weights, as a fraction of its size (0 if all weights vanish). */
export function essFraction(logw: ArrayLike<number>, from: number, to: number): number {
  const lse = logSumExp(logw, from, to);
  if (lse === -Infinity) return 0;
  let s2 = 0;
  for (let i = from; i < to; i++) s2 += Math.exp(2 * (logw[i] - lse));
  return 1 / (s2 * (to - from));
}

/**
 * Conditional ESS (Zhou, Johansen & Aston 2016) of the increments Δ given the current weights W:
 * (Σ W_i e^{Δ_i})² / Σ W_i e^{2Δ_i} (Σ W_i = 1): a fraction of the island's size. It measures how much a
 * level change alone would degrade the weights, whatever their state before.
 */
export function conditionalEssFraction(logw: ArrayLike<number>, delta: ArrayLike<number>, from: number, to: number): number {
  const lseW = logSumExp(logw, from, to);
  if (lseW === -Infinity) return 0;
  let mx = -Infinity;
  for (let i = from; i < to; i++) if (logw[i] > -Infinity && delta[i] > mx) mx = delta[i];
  if (!(mx > -Infinity) || !Number.isFinite(mx)) return 0;
  let s1 = 0, s2 = 0;
  for (let i = from; i < to; i++) {
    if (logw[i] === -Infinity) continue;
    const W = Math.exp(logw[i] - lseW);
    const e = Math.exp(delta[i] - mx);
    s1 += W * e;
    s2 += W * e * e;
  }
  return (s1 * s1) / s2;
}

/** log Σ W_i e^{Δ_i}: the log of the island's normalising-constant ratio estimate for one level change. */
export function logIncrementMean(logw: ArrayLike<number>, delta: ArrayLike<number>, from: number, to: number): number {
  const sum = new Float64Array(to - from);
  for (let i = from; i < to; i++) sum[i - from] = logw[i] + delta[i];
  return logSumExp(sum) - logSumExp(logw, from, to);
}

/**
 * Systematic resampling of the island: ancestors[i − from] is the index (in [from, to)) whose
 * particle slot i receives, from one uniform u ∈ [0, 1). Slots keep their order, so a particle's
 * copies land next to each other and an island's result depends only on its own weights and u.
 */
export function systematicAncestors(logw: ArrayLike<number>, from: number, to: number, u: number): Int32Array {
  const n = to - from;
  const lse = logSumExp(logw, from, to);
  const out = new Int32Array(n);
  let last = to - 1; // rounding must never hand a slot to a particle of weight 0
  while (last > from && logw[last] === -Infinity) last--;
  let j = from;
  let cum = Math.exp(logw[from] - lse);
  for (let i = 0; i < n; i++) {
    const target = (i + u) / n;
    while ((cum < target || logw[j] === -Infinity) && j < last) {
      j++;
      cum += Math.exp(logw[j] - lse);
    }
    out[i] = j;
  }
  return out;
}

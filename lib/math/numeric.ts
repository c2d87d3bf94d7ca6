// SPDX-License-Identifier: MIT
// Small numeric helpers used across layers, kept once: log(2π), 4-significant-digit rounding for
// the settings a summary reports, and the type-7 quantile / median of finite values.

export const LOG_2PI = Math.log(2 * Math.PI);

/** v rounded to 4 significant digits, for the human-readable rules in summary.settings. */
export function sig4(v: number): number {
  return Number(v.toPrecision(4));
}

/** R's default (type 7) quantile of finite values. */
export function quantile7(y: ArrayLike<number>, p: number): number {
  const s = Float64Array.from(y).sort();
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

export function median(y: ArrayLike<number>): number {
  return quantile7(y, 0.5);
}

// SPDX-License-Identifier: MIT
// Step sizes and run lengths from stated bounds. Each resolved value carries where it came from,
// and the run's summary reports it (and whether the user overrode it).
import type { Curvature } from '../math/curvature.js';
import { sig4 } from '../math/numeric.js';

export interface Setting {
  value: number;
  /** 'default' (derived here) or 'user' (given in the options). */
  origin: 'default' | 'user';
  /** The bound or theorem that produced the default, with what it promises. */
  rule: string;
}

export function userSetting(value: number, rule: string): Setting {
  return { value, origin: 'user', rule };
}

/**
 * Largest step with relative covariance bias ≤ ε for Langevin on a Gaussian with precision
 * eigenvalues ≤ L. ULA on N(0, 1/λ) has stationary variance 1/(λ(1 − hλ/2)) (exact, linear
 * recursion), so the relative error hλ/(2 − hλ) ≤ ε iff h ≤ 2ε/((1 + ε)λ); the worst λ is L.
 */
export function gaussianBiasStep(L: number, eps: number): Setting {
  return {
    value: (2 * eps) / ((1 + eps) * L),
    origin: 'default',
    rule: `h = 2ε/((1+ε)L): ULA's exact stationary covariance bias on a Gaussian with precision ≤ L is ≤ ε = ${eps} (relative); L = ${sig4(L)}`,
  };
}

/**
 * Steps for the mean to contract from an initial distance D to ε posterior standard deviations in
 * the slowest direction: the ULA mean error shrinks by (1 − hm) per step on a Gaussian with
 * curvature ≥ m, so n = ⌈ln(D√m/ε)/(−ln(1 − hm))⌉.
 */
export function contractionSteps(h: number, m: number, distance: number, eps: number): Setting {
  const ratio = Math.max((distance * Math.sqrt(m)) / eps, Math.E);
  const perStep = -Math.log1p(-Math.min(h * m, 0.999999));
  return {
    value: Math.ceil(Math.log(ratio) / perStep),
    origin: 'default',
    rule: `n = ⌈ln(D√m/ε)/(−ln(1−hm))⌉: ULA's mean error contracts by (1−hm) per step; D = ${sig4(distance)} (RMS distance from the start to the posterior mean), m = ${sig4(m)}, ε = ${eps}`,
  };
}

export function describeCurvature(c: Curvature): string {
  return `L = ${sig4(c.L)}, m = ${sig4(c.m)}, ‖A‖² = ${sig4(c.opNormSq)} (${c.method})`;
}

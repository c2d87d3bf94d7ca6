// SPDX-License-Identifier: MIT
// Annealed Langevin along the variance-preserving path of the prior, p_λ = Law(√λ X + √(1−λ) Z):
// λ = e^{−2t} is ALMC's OU time t, and DALMC's schedules λ(t) on t ∈ [0, 1]. The chain takes
// Langevin steps h_k on the posterior of p_{λ(t_k)} while path time advances by rate·h_k, so
// `rate` is path time per unit of Langevin time (1/κ for ALMC, κ for DALMC).
import { fromFunction } from './schedule.js';
import type { StepSchedule } from './schedule.js';

export interface AnnealPath {
  lambda(t: number): number; // in [0, 1]
  tStart: number;
  tEnd: number; // path time runs from tStart to tEnd, in either direction
}

export interface AnnealOptions {
  rate: number; // path time per unit Langevin time
  step(lambda: number): number; // Langevin step size where the prior is p_λ
  c: number; // likelihood weight (0: no likelihood)
  maxSteps: number;
}

/** Per-step scalars of an annealing sweep; t_k is the left end of step k. */
export function annealSchedule(path: AnnealPath, opts: AnnealOptions): { schedule: StepSchedule; steps: number; truncated: boolean } {
  const dir = Math.sign(path.tEnd - path.tStart);
  const ts: number[] = [];
  const hs: number[] = [];
  let t = path.tStart;
  while ((path.tEnd - t) * dir > 1e-15 && ts.length < opts.maxSteps) {
    const h = opts.step(path.lambda(t));
    ts.push(t);
    hs.push(h);
    t += dir * opts.rate * h;
  }
  const truncated = (path.tEnd - t) * dir > 1e-15;
  const schedule = fromFunction(ts.length, (k) => {
    const lambda = Math.min(1, Math.max(0, path.lambda(ts[k])));
    return { h: hs[k], a: Math.sqrt(lambda), b2: 1 - lambda, c: opts.c };
  });
  return { schedule, steps: ts.length, truncated };
}

/** Steps annealSchedule would take, without building it: ∫ dt/(rate·h(λ(t))) over the path. */
export function annealStepCount(path: AnnealPath, opts: Pick<AnnealOptions, 'rate' | 'step'>): number {
  return Math.ceil(midpointIntegral((t) => 1 / (opts.rate * opts.step(path.lambda(t))), Math.min(path.tStart, path.tEnd), Math.max(path.tStart, path.tEnd), 4000));
}

/**
 * Curvature bound at prior level λ: 1/(λ v_min + (1 − λ) β_min) for the stiffest noised component
 * (β: noise multipliers of a scale-mixture base) plus c‖A‖² from the likelihood.
 */
export function stiffness(lambda: number, vMin: number, likelihoodCurvature: number, betaMin = 1): number {
  return 1 / (lambda * vMin + (1 - lambda) * betaMin) + likelihoodCurvature;
}

/**
 * Integral of f over [a, b] by the composite midpoint rule: it never evaluates the end points,
 * where action integrands of the form (λ')²/λ are 0/0 (λ = 0) or have integrable singularities.
 */
export function midpointIntegral(f: (t: number) => number, a: number, b: number, n = 20000): number {
  const h = (b - a) / n;
  let s = 0;
  for (let i = 0; i < n; i++) s += f(a + (i + 0.5) * h);
  return s * h;
}

/**
 * Action bound of the interpolation X_λ = √λ X + √(1−λ) Z along λ(t) (Guo–Tao–Chen):
 *   A ≤ ∫ (λ')²/4 · (M₂/λ + d/(1−λ)) dt,
 * from E‖∂ₜX_λ‖², which bounds the minimal velocity field's L²(μₜ) norm.
 */
export function actionBound(lambda: (t: number) => number, t0: number, t1: number, m2: number, d: number): number {
  const lo = Math.min(t0, t1), hi = Math.max(t0, t1);
  const n = 20000;
  const e = (hi - lo) / (8 * n); // central difference well inside each midpoint panel
  const f = (t: number) => {
    const dl = (lambda(t + e) - lambda(t - e)) / (2 * e);
    const l = lambda(t);
    return (dl * dl / 4) * (m2 / l + d / (1 - l));
  };
  return midpointIntegral(f, lo, hi, n);
}

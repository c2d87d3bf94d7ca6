// SPDX-License-Identifier: MIT
// Plain (unadjusted) Langevin Monte Carlo on the posterior: the baseline every annealed sampler is
// compared against. x ← x + h (∇log p(x) + Aᵀ(y − Ax)/η²) + √(2h) ξ from the chosen start.
import { curvature } from '../math/curvature.js';
import { exactPosteriorOf } from '../math/posterior.js';
import { priorStats } from '../math/priorStats.js';
import { constantSchedule } from './schedule.js';
import { contractionSteps, describeCurvature, gaussianBiasStep, userSetting } from './stepsize.js';
import type { Setting } from './stepsize.js';
import { Streams } from '../engine/streams.js';
import type { Problem } from '../types.js';
import { isGmmProblem } from '../types.js';
import type { Sampler } from './types.js';
import type { ChainState } from '../engine/chains.js';
import { divergenceReport } from '../engine/chains.js';
import { runPhase } from '../engine/phase.js';
import type { OptionChecks } from '../optionChecks.js';

/** Longest default run; beyond it the run warns that the accuracy target was not reached. */
/** LMC has no options of its own: its step-size knob is sample()'s `stepSize` (h). */
export type LmcOptions = Record<string, never>;
export const LMC_OPTIONS: OptionChecks<LmcOptions> = {};

/** The cap on every sampler's default run length (steps), so a default run ends in minutes. */
export const MAX_DEFAULT_STEPS = 200_000;

/**
 * Image priors (a patch GMM, or a score model on ≥ 256 pixels) get a shorter cap: their curvature
 * bounds (the prior's eigenvalue range under a likelihood with σ ≪ 1) ask for 10⁵ steps, minutes per
 * image, while the posterior mean settles in a few thousand; the run then warns that the bound was
 * not met.
 */
export const IMAGE_DEFAULT_STEPS = 5000;

export function defaultStepCap(problem: Problem): number {
  const kind = problem.prior.kind;
  return kind === 'patch-gmm' || (kind === 'score' && problem.prior.dim >= 256) ? IMAGE_DEFAULT_STEPS : MAX_DEFAULT_STEPS;
}

/** Above this dimension the exact posterior (O(d³)) is not formed; the prior's spread bounds D. */
const EXACT_DISTANCE_MAX_DIM = 256;

/** RMS distance of prior draws from the posterior mean: the initial distance the run must cover. */
export function priorDistanceToPosterior(problem: Problem): number {
  if (!isGmmProblem(problem) || problem.prior.dim > EXACT_DISTANCE_MAX_DIM) {
    // D² ≤ 2(E‖X − E X‖² + ‖E X − m̃‖²) ≤ 4·M₂ crudely; use √(2M₂)·√2 = 2√M₂.
    return 2 * Math.sqrt(priorStats(problem.prior).secondMoment);
  }
  const post = exactPosteriorOf(problem);
  const { prior } = problem;
  const d = prior.dim;
  let sq = 0;
  for (let k = 0; k < prior.components; k++) {
    let tr = 0;
    let dist = 0;
    for (let i = 0; i < d; i++) {
      tr += prior.kind === 'isotropic' ? prior.cov[k] : prior.kind === 'diagonal' ? prior.cov[k * d + i] : prior.cov[k * d * d + i * d + i];
      dist += (prior.means[k * d + i] - post.mean[i]) ** 2;
    }
    sq += prior.weights[k] * (tr + dist);
  }
  return Math.sqrt(sq);
}

export const lmc: Sampler = {
  name: 'lmc',
  defaultInit: 'prior',
  async run(ctx, init) {
    const { problem, accuracy: eps } = ctx;
    const curv = curvature(problem);
    const h = ctx.stepSize !== undefined ? userSetting(ctx.stepSize, 'given by the user') : gaussianBiasStep(curv.L, eps);
    let steps = ctx.steps !== undefined ? userSetting(ctx.steps, 'given by the user') : contractionSteps(h.value, curv.m, priorDistanceToPosterior(problem), eps);
    const warnings: string[] = [];
    const cap = defaultStepCap(problem);
    if (steps.origin === 'default' && steps.value > cap) {
      warnings.push(`run length capped at ${cap} steps where the contraction bound asks for ${steps.value}: the accuracy target ε = ${eps} is not certified (pass steps, or a larger accuracy)`);
      steps = { ...steps, value: cap, rule: `${steps.rule}; capped at ${cap}` };
    }
    const budget = ctx.budget;
    if (budget?.steps !== undefined && steps.value > budget.steps) {
      warnings.push(`budget: ${budget.steps} steps of the ${steps.value} the contraction bound asks for — the accuracy target ε = ${eps} is not certified`);
      steps = { ...steps, value: budget.steps, rule: `${steps.rule}; limited by the budget to ${budget.steps}` };
    }
    // An unstable user step still runs (divergence is then reported per chain), but says why.
    if (h.value * curv.L >= 2) warnings.push(`stepSize ${h.value} ≥ 2/L = ${2 / curv.L}: ULA is unstable in the stiffest direction`);
    const c = problem.likelihood ? 1 / problem.likelihood.noiseStd ** 2 : 0;
    let state: ChainState;
    if (budget?.seconds === undefined) {
      state = await ctx.runPhase({ name: 'langevin', stream: Streams.phaseBase, schedule: constantSchedule(steps.value, { h: h.value, c }) }, init);
    } else {
      // In chunks, stopping at the first chunk boundary past the budget: the steps' noise keys are
      // those of one long phase, so the summary's step count reproduces the run.
      const t0 = performance.now();
      const chunk = Math.max(1, Math.ceil(steps.value / 50));
      let done = 0;
      state = init;
      while (done < steps.value && (performance.now() - t0) / 1000 < budget.seconds) {
        const n = Math.min(chunk, steps.value - done);
        state = await runPhase(ctx.run, { name: 'langevin', stream: Streams.phaseBase, stepOffset: done, schedule: constantSchedule(n, { h: h.value, c }) }, state);
        done += n;
      }
      ctx.record({ name: 'langevin', steps: done, seconds: (performance.now() - t0) / 1000, diverged: divergenceReport(state.status).diverged });
      if (done < steps.value) {
        warnings.push(`budget: ${budget.seconds} s ran ${done} of the ${steps.value} steps the contraction bound asks for — the accuracy target ε = ${eps} is not certified (steps: ${done} reproduces this run)`);
        steps = { ...steps, value: done, rule: `${steps.rule}; ${done} run within the ${budget.seconds} s budget` };
      }
    }
    const settings: Record<string, Setting | string> = { stepSize: h, steps, curvature: describeCurvature(curv) };
    // An unstable user step still runs (divergence is then reported per chain), but says why.
    if (h.value * curv.L >= 2) warnings.push(`stepSize ${h.value} ≥ 2/L = ${2 / curv.L}: ULA is unstable in the stiffest direction`);
    const final = { schedule: constantSchedule(1, { h: h.value, c }) };
    return { state, settings, final, warnings };
  },
};

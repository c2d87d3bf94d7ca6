// SPDX-License-Identifier: MIT
// ALMC (Parulekar, Rout, Shanmugam, Shakkottai, arXiv 2508.07631): warm-start Langevin on the
// standard Gaussian tilted by the likelihood, μ_∞ ∝ N(0, I)·e^{−R}, then annealed Langevin through
// μ_t ∝ p_t·e^{−R} along the prior's OU path from T₀ down to the early stop τ, slowed by κ.
// Defaults where the paper's text leaves them open (each reported with its rule in the summary):
//   warm start: ULA on a Gaussian with curvature in [1, 1 + ‖A‖²/η²] — exact bias step and contraction;
//   T₀: e^{−2T₀}(M₂ + d) ≤ ε² so p_{T₀} ≈ N(0, I);
//   τ: the prior's covariance and means move by ≤ ε (relative) between t = 0 and t = τ;
//   κ: KL ≤ A/(4κ) for exactly simulated annealed Langevin (Girsanov, Guo–Tao–Chen), with A the
//      action bound of the OU path on [τ, T₀]; κ = A/(4ε) targets KL ≤ ε;
//   δ_k: the Gaussian-bias step at the stiffness of p_{t_k}, so δ follows the path.
import { operatorNormSquared } from '../math/curvature.js';
import { priorStats } from '../math/priorStats.js';
import { constantSchedule } from './schedule.js';
import { contractionSteps, gaussianBiasStep, userSetting } from './stepsize.js';
import type { Setting } from './stepsize.js';
import { Streams } from '../engine/streams.js';
import type { Problem } from '../types.js';
import { actionBound, annealSchedule, annealStepCount, stiffness } from './anneal.js';
import type { Sampler } from './types.js';
import { plainNote, plainStepCap, runReweighted, usesReweighting, validateReweighting } from './reweighted.js';
import { almcPath } from '../smc/paths.js';
import { preconditioning } from '../smc/precondition.js';
import { defaultStepCap, MAX_DEFAULT_STEPS } from './lmc.js';
import { bool, count, pos, type OptionChecks } from '../optionChecks.js';
import { sig4 } from '../math/numeric.js';

export interface AlmcOptions {
  reweight?: boolean; // default true (Gaussian-mixture priors): reweighted annealing on ALMC's path
  warmStartSteps?: number; // T_ws / h_ws
  warmStartStepSize?: number; // h_ws
  kappa?: number;
  t0?: number;
  tau?: number;
}

/**
 * The checks of options.almc. ALMC's step-size knob is sample()'s `stepSize` (a constant δ instead
 * of the path-following default); `warmStartStepSize` sets only the warm start's h_ws.
 */
export const ALMC_OPTIONS: OptionChecks<AlmcOptions> = { reweight: bool, warmStartSteps: count, warmStartStepSize: pos, kappa: pos, t0: pos, tau: pos };

/** Options of the plain schedule only (refused while reweighting). */
const PLAIN_ONLY = ['warmStartSteps', 'warmStartStepSize', 'kappa', 't0', 'tau'];

export function almcDefaults(problem: Problem, eps: number, o: AlmcOptions & { stepSize?: number } = {}) {
  const d = problem.prior.dim;
  const stats = priorStats(problem.prior);
  const opNormSq = operatorNormSquared(problem);
  const c = problem.likelihood ? 1 / problem.likelihood.noiseStd ** 2 : 0;
  const likCurv = c * opNormSq;
  // Warm start: target N(0, I)·e^{−R} has precision I + AᵀA/η², eigenvalues in [1, 1 + ‖A‖²/η²].
  const hWs = o.warmStartStepSize !== undefined ? userSetting(o.warmStartStepSize, 'given by the user') : gaussianBiasStep(1 + likCurv, eps);
  const aty = problem.likelihood ? Math.sqrt(opNormSq) * Math.hypot(...problem.likelihood.y) * c : 0;
  const nWs = o.warmStartSteps !== undefined ? userSetting(o.warmStartSteps, 'given by the user') : contractionSteps(hWs.value, 1, Math.sqrt(aty * aty + d), eps);
  const t0: Setting = o.t0 !== undefined ? userSetting(o.t0, 'given by the user') : {
    value: 0.5 * Math.log((stats.secondMoment + d) / (eps * eps)),
    origin: 'default',
    rule: `T₀ = ½ ln((M₂ + d)/ε²): p_{T₀} is within ε of N(0, I) (M₂ = ${sig4(stats.secondMoment)})`,
  };
  // τ: (1 − e^{−2τ})·max|1 − v|/v ≤ ε (covariances) and (1 − e^{−τ}) max‖μ‖ ≤ ε √v_min (means).
  const q = Math.max(Math.abs(1 - stats.vMin) / stats.vMin, Math.abs(1 - stats.vMax) / stats.vMax, 1e-12);
  const tauVar = -0.5 * Math.log(Math.max(1 - eps / q, 1e-12));
  const tauMean = stats.maxMeanNorm > 0 ? -Math.log(Math.max(1 - (eps * Math.sqrt(stats.vMin)) / stats.maxMeanNorm, 1e-12)) : tauVar;
  const tau: Setting = o.tau !== undefined ? userSetting(o.tau, 'given by the user') : {
    value: Math.min(tauVar, tauMean, 0.5),
    origin: 'default',
    rule: 'τ: the noised prior p_τ moves covariances and means by ≤ ε (relative, in prior standard deviations) from p₀',
  };
  const u = (t: number) => Math.exp(-2 * t);
  const action = actionBound(u, tau.value, t0.value, stats.secondMoment, d);
  const kappa: Setting = o.kappa !== undefined ? userSetting(o.kappa, 'given by the user') : {
    value: action / (4 * eps),
    origin: 'default',
    rule: `κ = A/(4ε): KL ≤ A/(4κ) for exact annealed Langevin (Girsanov), A = ${sig4(action)} the action bound of the OU path on [τ, T₀]`,
  };
  const delta: Setting = o.stepSize !== undefined ? userSetting(o.stepSize, 'given by the user (constant δ)') : {
    value: gaussianBiasStep(stiffness(1, stats.vMin, likCurv), eps).value,
    origin: 'default',
    rule: `δ_k = 2ε/((1+ε)L_k), L_k = 1/(λ_k v_min + 1 − λ_k) + ‖A‖²/η²: Gaussian-bias step at each point of the path (value shown: the smallest, at τ)`,
  };
  return { hWs, nWs, t0, tau, kappa, delta, c, likCurv, vMin: stats.vMin };
}

export const almc: Sampler = {
  name: 'almc',
  defaultInit: 'gaussian',
  validate: (problem, o, run) => validateReweighting(problem, o, PLAIN_ONLY, 'options.almc', run.userInit),
  async run(ctx, init) {
    const { problem } = ctx;
    const o = (ctx.samplerOptions ?? {}) as AlmcOptions;
    if (usesReweighting(problem, o.reweight, 'options.almc.reweight')) {
      const precond = preconditioning(ctx.run.prior, problem.likelihood?.operator);
      const out = await runReweighted(ctx, almcPath(problem, ctx.run.prior, precond), init, ctx.population);
      // The paper's rules stay visible: what the plain schedule would cost here.
      const p = almcDefaults(problem, ctx.accuracy);
      const n = annealStepCount({ lambda: (t) => Math.exp(-2 * t), tStart: p.t0.value, tEnd: p.tau.value }, { rate: 1 / p.kappa.value, step: (l) => gaussianBiasStep(stiffness(l, p.vMin, p.likCurv), ctx.accuracy).value });
      out.settings.paperDefaults = `the plain ALMC schedule (reweight: false) here: ${p.nWs.value} warm-start steps, κ = ${sig4(p.kappa.value)} (${p.kappa.rule}), about ${n} annealing steps${n > MAX_DEFAULT_STEPS ? ` — over the ${MAX_DEFAULT_STEPS}-step cap` : ''}`;
      return out;
    }
    const p = almcDefaults(problem, ctx.accuracy, { ...o, stepSize: ctx.stepSize });
    // Phase 1: warm start on N(0, I)·e^{−R}: the prior replaced by N(0, I), i.e. a = 0, b² = 1.
    let state = await ctx.runPhase({ name: 'warm start', stream: Streams.phaseBase, schedule: constantSchedule(p.nWs.value, { h: p.hWs.value, a: 0, b2: 1, c: p.c }) }, init);
    // Phase 2: anneal t from T₀ to τ; path time advances δ/κ per step.
    const userDelta = ctx.stepSize;
    const { schedule, steps, truncated } = annealSchedule(
      { lambda: (t) => Math.exp(-2 * t), tStart: p.t0.value, tEnd: p.tau.value },
      { rate: 1 / p.kappa.value, step: (lambda) => userDelta ?? gaussianBiasStep(stiffness(lambda, p.vMin, p.likCurv), ctx.accuracy).value, c: p.c, maxSteps: ctx.steps ?? plainStepCap(ctx, defaultStepCap(problem), 'options.almc') },
    );
    state = await ctx.runPhase({ name: 'anneal', stream: Streams.phaseBase + 1, schedule }, state);
    const settings: Record<string, Setting | string> = {
      warmStartStepSize: p.hWs,
      warmStartSteps: p.nWs,
      t0: p.t0,
      tau: p.tau,
      kappa: p.kappa,
      annealStepSize: p.delta,
      annealSteps: { value: steps, origin: ctx.steps !== undefined ? 'user' : 'default', rule: 'κ(T₀ − τ) units of Langevin time in steps δ_k' },
      reweighting: plainNote(problem, o.reweight),
    };
    const last = steps - 1;
    const final = { schedule: constantSchedule(1, { h: schedule.h[last], a: schedule.a[last], b2: schedule.b2[last], c: p.c }) };
    const warnings = truncated ? [`annealing stopped after ${steps} steps (the cap) before reaching τ: the κ bound asks for more, so the run is not the annealing it claims (use the reweighted default, or pass steps, kappa or accuracy)`] : [];
    return { state, settings, final, warnings };
  },
};

// SPDX-License-Identifier: MIT
// DALMC (Cordero-Encinar, Akyildiz, Duncan, arXiv 2502.09306): annealed Langevin along the
// diffusion path μ_t = Law(√λ_t X + √(1−λ_t) Z), t: 0 → 1, from the base ν = Law(Z) (Gaussian or
// Student-t) to the target, slowed by κ (Langevin time 1/κ). Without a likelihood the target is the
// prior (the paper's generative setting); with one, −∇R is added to the drift — an extension of the
// paper, labelled as such in the summary.
// Defaults: KL ≤ κA/4 for exact annealed Langevin (Girsanov) with the path's action bound A, so
// κ = 4ε/A targets KL ≤ ε; steps h_k are the Gaussian-bias steps at the stiffness of μ_{t_k}.
import { LangevinError } from '../errors.js';
import { operatorNormSquared } from '../math/curvature.js';
import { priorStats } from '../math/priorStats.js';
import { constantSchedule } from './schedule.js';
import { gaussianBiasStep, userSetting } from './stepsize.js';
import type { Setting } from './stepsize.js';
import { Streams } from '../engine/streams.js';
import { actionBound, annealSchedule, annealStepCount, stiffness } from './anneal.js';
import type { Sampler, SamplerContext } from './types.js';
import { plainNote, plainStepCap, runReweighted, usesReweighting, validateReweighting } from './reweighted.js';
import { dalmcPath } from '../smc/paths.js';
import { preconditioning } from '../smc/precondition.js';
import { defaultStepCap, MAX_DEFAULT_STEPS } from './lmc.js';
import type { ChainState } from '../engine/chains.js';
import { priorTables } from '../engine/nativeTables.js';
import type { PriorTables } from '../engine/nativeTables.js';
import { studentPrecisionNodes } from '../math/quadrature.js';
import { scaleMixture } from '../engine/priorTransforms.js';
import { drawNormals } from '../engine/rng.js';
import { bool, integer, oneOf, pos, type OptionChecks } from '../optionChecks.js';
import { sig4 } from '../math/numeric.js';

export type LambdaSchedule = 'sin2' | 'cosine' | 'ou';

export interface DalmcOptions {
  reweight?: boolean; // default true (Gaussian-mixture priors): reweighted annealing on DALMC's path
  schedule?: LambdaSchedule; // default 'sin2'
  base?: 'gaussian' | 'student-t';
  dof?: number; // Student-t degrees of freedom α (integer ≥ 1)
  kappa?: number;
  ouHorizon?: number; // T of the OU schedule λ = e^{−2T(1−t)}
  likelihood?: boolean; // default true: posterior sampling (extension); false: sample the prior
}

/** The checks of options.dalmc. DALMC's step-size knob is sample()'s `stepSize` (a constant h_k). */
export const DALMC_OPTIONS: OptionChecks<DalmcOptions> = {
  reweight: bool, schedule: oneOf('sin2', 'cosine', 'ou'), base: oneOf('gaussian', 'student-t'), dof: (f, v) => integer(f, v, 1, 200), kappa: pos, ouHorizon: pos, likelihood: bool,
};

const COSINE_S = 0.008; // Nichol & Dhariwal's offset

/** λ(t) on [0, 1]: non-decreasing from ≈0 to 1. */
export function lambdaSchedule(name: LambdaSchedule, ouHorizon = 5): (t: number) => number {
  switch (name) {
    case 'sin2':
      return (t) => Math.sin((Math.PI * t) / 2) ** 2;
    case 'cosine': {
      const f = (t: number) => Math.cos((((1 - t) + COSINE_S) / (1 + COSINE_S)) * (Math.PI / 2)) ** 2;
      const f1 = f(1);
      return (t) => Math.min(1, f(t) / f1);
    }
    case 'ou':
      return (t) => Math.exp(-2 * ouHorizon * (1 - t));
  }
}

/**
 * Student-t base: μ_t = Law(√λ X + √(1−λ) W/√G) is, given G = g, the GMM with covariances
 * λΣ_k + (1−λ)/g·I; Gauss quadrature over G (lib/math/quadrature.ts) turns it into one GMM whose
 * components carry noise multipliers β = 1/g_j. The initial draw W/√G is exact for integer α:
 * G = χ²_α/α.
 */
function studentBase(dof: number, ctx: SamplerContext) {
  const { g, weights } = studentPrecisionNodes(dof);
  const nodes = g.length;
  const tables = scaleMixture(priorTables(ctx.problem.prior), weights, Array.from(g, (gj) => 1 / gj));
  const d = tables.dim;
  return {
    dof,
    nodes,
    tables,
    betaMin: 1 / Math.max(...g),
    async draw(z: ChainState): Promise<ChainState> {
      const chi = await drawNormals({ seed: ctx.run.seed, stream: Streams.auxiliary, step: 0xfffffffe, chainOffset: ctx.run.chainOffset, device: ctx.run.device }, z.chains, dof);
      const x = new Float32Array(z.x.length);
      for (let c = 0; c < z.chains; c++) {
        let s = 0;
        for (let i = 0; i < dof; i++) s += chi[c * dof + i] ** 2;
        const scale = 1 / Math.sqrt(s / dof);
        for (let i = 0; i < d; i++) x[c * d + i] = z.x[c * d + i] * scale;
      }
      return { ...z, x };
    },
  };
}

export const dalmc: Sampler = {
  name: 'dalmc',
  defaultInit: 'gaussian',
  validate: (problem, o, run) => validateReweighting(problem, o, ['schedule', 'kappa', 'ouHorizon'], 'options.dalmc', run.userInit),
  async run(ctx, init) {
    const { problem, accuracy: eps } = ctx;
    const o = (ctx.samplerOptions ?? {}) as DalmcOptions;
    const d = problem.prior.dim;
    const stats = priorStats(problem.prior);
    const name = o.schedule ?? 'sin2';
    const lambda = lambdaSchedule(name, o.ouHorizon);
    const useLik = o.likelihood !== false && problem.likelihood !== undefined;
    const c = useLik ? 1 / problem.likelihood!.noiseStd ** 2 : 0;
    const likCurv = useLik ? c * operatorNormSquared(problem) : 0;
    if (o.base === 'student-t' && problem.prior.kind === 'score')
      throw new LangevinError('E_UNSUPPORTED', "dalmc.base: the Student-t base is a scale mixture of the prior's Gaussian components; a score-model prior has none (use base 'gaussian')", 'options.dalmc.base');
    const base = o.base === 'student-t' ? studentBase(o.dof ?? 5, ctx) : undefined;
    const baseSecondMoment = base ? (d * base.dof) / (base.dof - 2) : d;
    // The OU schedule's action bound diverges logarithmically at t = 1 (λ' ≠ 0 there): stop early
    // where the prior has moved by ≤ ε, as ALMC does.
    const tEnd = name === 'ou' ? 1 - Math.min(0.5, eps * Math.min(1, stats.vMin)) / (2 * (o.ouHorizon ?? 5)) : 1;
    const action = actionBound(lambda, 0, tEnd, stats.secondMoment, baseSecondMoment);
    const kappa: Setting = o.kappa !== undefined ? userSetting(o.kappa, 'given by the user') : {
      value: (4 * eps) / action,
      origin: 'default',
      rule: `κ = 4ε/A: KL ≤ κA/4 for exact annealed Langevin (Girsanov); A = ${sig4(action)} bounds the action of the ${name} path (∫(λ')²/4·(M₂/λ + d/(1−λ))dt)`,
    };
    if (usesReweighting(problem, o.reweight, 'options.dalmc.reweight')) {
      const tables = base?.tables ?? ctx.run.prior;
      const precond = preconditioning(tables, useLik ? problem.likelihood?.operator : undefined);
      const label = base ? `Student-t (${base.dof} degrees of freedom, ${base.nodes}-node scale mixture)` : 'Gaussian N(0, I)';
      const out = await runReweighted(ctx, dalmcPath(problem, tables, useLik, precond, label), init, ctx.population);
      // The paper's rules stay visible: what the plain schedule would cost here.
      if ((base && base.dof <= 2) || !Number.isFinite(kappa.value) || kappa.value <= 0) {
        out.settings.paperDefaults = `the plain DALMC schedule (reweight: false) has no default here: the Student-t path with ${base?.dof} ≤ 2 degrees of freedom has an unbounded action bound`;
        return out;
      }
      const n = annealStepCount({ lambda, tStart: 0, tEnd }, { rate: kappa.value, step: (l) => gaussianBiasStep(stiffness(l, stats.vMin, likCurv, base?.betaMin), eps).value });
      out.settings.paperDefaults = `the plain DALMC schedule (reweight: false) here: κ = ${sig4(kappa.value)} (${kappa.rule}), about ${n} steps${n > MAX_DEFAULT_STEPS ? ` — over the ${MAX_DEFAULT_STEPS}-step cap` : ''}`;
      return out;
    }
    if (base && o.kappa === undefined && base.dof <= 2)
      throw new LangevinError('E_OPTION', `dalmc.kappa: the Student-t path with ${base.dof} ≤ 2 degrees of freedom has an unbounded action bound (E‖T‖² = ∞): give kappa (with reweight: false), or use the reweighted default`, 'options.dalmc.kappa');
    const user = ctx.stepSize;
    const { schedule, steps, truncated } = annealSchedule(
      { lambda, tStart: 0, tEnd },
      { rate: kappa.value, step: (l) => user ?? gaussianBiasStep(stiffness(l, stats.vMin, likCurv, base?.betaMin), eps).value, c, maxSteps: ctx.steps ?? plainStepCap(ctx, defaultStepCap(problem), 'options.dalmc') },
    );
    const start = base && !ctx.userInit ? await base.draw(init) : init;
    const state = await ctx.runPhase({ name: 'anneal', stream: Streams.phaseBase, schedule, noLikelihood: !useLik, prior: base?.tables }, start);
    const settings: Record<string, Setting | string> = {
      schedule: name,
      base: base ? `Student-t with ${base.dof} degrees of freedom (a Gamma scale mixture of N(0, I/g), ${base.nodes}-node Gauss–Laguerre quadrature, nodes of weight < 1e-6 dropped)` : 'gaussian N(0, I)',
      kappa,
      stepSize: user !== undefined ? userSetting(user, 'given by the user') : { value: gaussianBiasStep(stiffness(1, stats.vMin, likCurv), eps).value, origin: 'default', rule: 'h_k = 2ε/((1+ε)L_k) at the stiffness of μ_{t_k} (value shown: the smallest, at t = 1)' },
      steps: { value: steps, origin: ctx.steps !== undefined ? 'user' : 'default', rule: '1/κ units of Langevin time in steps h_k' },
      target: useLik ? 'posterior (extension of the paper: −∇R added to the drift)' : 'prior (generative, as in the paper)',
      reweighting: plainNote(problem, o.reweight),
    };
    const last = steps - 1;
    const final = { schedule: constantSchedule(1, { h: schedule.h[last], a: schedule.a[last], b2: schedule.b2[last], c }), noLikelihood: !useLik, prior: base?.tables };
    const warnings = truncated ? [`annealing stopped after ${steps} steps (the cap) before t = 1: the sample is from an intermediate level, not the target (use the reweighted default, or pass steps, kappa or accuracy)`] : [];
    return { state, settings, final, warnings, target: useLik ? 'posterior' : 'prior' };
  },
};

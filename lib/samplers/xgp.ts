// SPDX-License-Identifier: MIT
// XGP (Xun, Gupta, Price, NeurIPS 2025): start from a prior sample, then Langevin with the clean
// prior score between posteriors of decreasing measurement noise η₁ > … > η_N = η, each chain with
// its own auxiliary observations y_i (Algorithm 1). Algorithm 2 (x0 with noise std σ) replaces the
// prior by p_{x0} ∝ p·N(x0; x, σ²I); Algorithm 3 (x0 within radius R w.p. 1 − δ) draws
// x0' = x0 + N(0, (R/δ)² I) and runs Algorithm 2 with σ = R/δ.
// The paper's guarantees assume a (locally) log-concave prior; on well-separated mixture modes the
// Langevin stages cannot move mass between modes — the reported mode weights will show it.
import { operatorNormSquared } from '../math/curvature.js';
import { invalid } from '../errors.js';
import { priorTables } from '../engine/nativeTables.js';
import { priorStats } from '../math/priorStats.js';
import { drawNormals } from '../engine/rng.js';
import { constantSchedule } from './schedule.js';
import { gaussianBiasStep, userSetting } from './stepsize.js';
import type { Setting } from './stepsize.js';
import { Streams } from '../engine/streams.js';
import { requireGmmProblem } from '../problem/parseProblem.js';
import { operatorRows } from '../types.js';
import type { GmmPrior, Problem } from '../types.js';
import { conditionOnNoisyCopy } from './warmStartPrior.js';
import type { Sampler } from './types.js';
import { plainNote, plainStepCap, runReweighted, usesReweighting, validateReweighting } from './reweighted.js';
import { xgpPath } from '../smc/paths.js';
import { preconditioning } from '../smc/precondition.js';
import { MAX_DEFAULT_STEPS } from './lmc.js';
import { bridgeStart, bridgeStep, schedulePhases, xgpNoiseSchedule } from './xgpSchedule.js';
import { bool, finiteList, pos, positive, positiveList, type OptionChecks } from '../optionChecks.js';
import { sig4 } from '../math/numeric.js';

export interface XgpOptions {
  reweight?: boolean; // default true: reweighted annealing on XGP's path (noise η_s from ∞ to η)
  etas?: number[]; // η₁ > … > η_N = η (overrides the admissible default)
  eta1?: number;
  stageTime?: number; // Langevin time per stage T_i (overrides the default)
  x0?: number[]; // warm start (Algorithms 2 and 3)
  x0Std?: number; // σ of Algorithm 2
  radius?: number; // R of Algorithm 3 (with confidence δ)
  confidence?: number; // δ of Algorithm 3
}

/** The checks of options.xgp. XGP's step-size knob is sample()'s `stepSize` (every stage's step). */
export const XGP_OPTIONS: OptionChecks<XgpOptions> = {
  reweight: bool, etas: positiveList, eta1: pos, stageTime: pos, x0: finiteList, x0Std: pos, radius: pos, confidence: (f, v) => positive(f, v, 1),
};

function validateXgp(problem: Problem, raw: Readonly<Record<string, unknown>>, run?: { userInit: boolean }): void {
  const o = raw as XgpOptions;
  if (!problem.likelihood) throw invalid('E_OPTION', 'options.sampler', "a problem with a likelihood for 'xgp'", 'a problem without one');
  // XGP starts from exact prior draws and its warm starts condition the prior in closed form.
  requireGmmProblem(problem, "the 'xgp' sampler");
  if (run) validateReweighting(problem, o, ['etas', 'eta1', 'stageTime'], 'options.xgp', run.userInit);
  const d = problem.prior.dim;
  if (o.x0 !== undefined) {
    if (o.x0.length !== d) throw invalid('E_SHAPE', 'options.xgp.x0', `${d} numbers`, o.x0);
    if (o.radius === undefined && o.x0Std === undefined) throw invalid('E_OPTION', 'options.xgp.x0Std', 'σ of the warm start (or radius for Algorithm 3)', undefined);
  } else if (o.x0Std !== undefined || o.radius !== undefined) {
    throw invalid('E_OPTION', 'options.xgp.x0', 'a warm start x0 when x0Std or radius is given', undefined);
  }
  if (o.etas !== undefined) {
    const eta = problem.likelihood.noiseStd;
    const etas = o.etas;
    if (Math.abs(etas[etas.length - 1] - eta) > 1e-12 * eta) throw invalid('E_VALUE', 'options.xgp.etas', `a schedule ending at η = ${eta}`, etas[etas.length - 1]);
    for (let i = 1; i < etas.length; i++) if (!(etas[i] < etas[i - 1])) throw invalid('E_VALUE', `options.xgp.etas[${i}]`, `a value < ${etas[i - 1]}`, etas[i]);
  }
}

export const xgp: Sampler = {
  name: 'xgp',
  defaultInit: 'prior',
  validate: validateXgp,
  async run(ctx, init) {
    const { problem, accuracy: eps } = ctx;
    const o = (ctx.samplerOptions ?? {}) as XgpOptions;
    validateXgp(problem, o as Record<string, unknown>);
    const lik = problem.likelihood!;
    const gmm = requireGmmProblem(problem, "the 'xgp' sampler").prior;
    const d = problem.prior.dim;
    const settings: Record<string, Setting | string> = {};

    // Algorithms 2/3: the warm start becomes part of the prior.
    let prior: GmmPrior = gmm;
    if (o.x0 !== undefined) {
      let sigma: number;
      let x0 = o.x0;
      if (o.radius !== undefined) {
        const delta = o.confidence ?? 0.1;
        sigma = o.radius / delta;
        const xi = await drawNormals({ seed: ctx.run.seed, stream: Streams.auxiliary, step: 0xffff_ffff }, 1, d);
        x0 = x0.map((v, i) => v + sigma * xi[i]);
        settings.algorithm = `3 (compressed sensing): σ = R/δ = ${sig4(sigma)}, x0' = x0 + N(0, σ²I) drawn once per run`;
      } else {
        sigma = o.x0Std!;
        settings.algorithm = `2 (warm start): p_{x0} ∝ p·N(x0; x, σ²I), σ = ${sig4(sigma)}`;
      }
      prior = conditionOnNoisyCopy(gmm, x0, sigma * sigma);
    } else {
      settings.algorithm = '1 (prior sample, then annealed Langevin on η)';
    }
    const tables = priorTables(prior);
    if (usesReweighting(problem, o.reweight, 'options.xgp.reweight')) {
      const out = await runReweighted(ctx, xgpPath(problem, tables, preconditioning(tables, lik.operator)), init, ctx.population);
      return { ...out, settings: { algorithm: settings.algorithm, ...out.settings } };
    }
    settings.reweighting = plainNote(problem, o.reweight);
    const state0 = o.x0 !== undefined && !ctx.userInit ? await ctx.drawFromGmm(prior) : init;

    const stats = priorStats(prior);
    const opNormSq = operatorNormSquared(problem);
    const eta = lik.noiseStd;
    const m = operatorRows(lik.operator);
    const spread = Math.sqrt(stats.totalVariance);
    const eta1: Setting = o.eta1 !== undefined ? userSetting(o.eta1, 'given by the user') : {
      value: Math.sqrt(opNormSq) * spread / eps,
      origin: 'default',
      rule: `η₁ = ‖A‖·m₂/ε (Definition D.1 item 2; E TV(p(x|y₁), p) ≲ ‖A‖m₂/η₁, Lemmas D.5–D.7), m₂ = ${sig4(spread)} the prior's RMS spread`,
    };
    const etas = o.etas ?? xgpNoiseSchedule(eta, eta1.value);
    const gammas = schedulePhases(etas);
    const N = etas.length;
    // Stage time: χ² contraction of Langevin at rate 2α from χ²₀ ≈ (1+γ)^{m/2} to (ε/N)² (Lemma A.1
    // with Lemma A.6's χ² bound), α ≥ 1/v_max the weakest curvature of the prior's components.
    const alpha = 1 / stats.vMax;
    const stageTime = (g: number) => o.stageTime ?? ((m / 2) * Math.log1p(g) + 2 * Math.log(N / eps)) / (2 * alpha);
    settings.etas = `${N} levels, η₁ = ${sig4(etas[0])} → η_N = ${sig4(eta)}, max γ_i = ${sig4(Math.max(0, ...gammas))}`;
    settings.eta1 = eta1;
    settings.stageTime = o.stageTime !== undefined ? userSetting(o.stageTime, 'given by the user') : {
      value: stageTime(Math.max(0, ...gammas)),
      origin: 'default',
      rule: `T_i = ((m/2)ln(1+γ_i) + 2 ln(N/ε))/(2α): χ² contraction from p(x|y_i) to within (ε/N)² of p(x|y_{i+1}) (Lemma A.1), α = 1/v_max = ${sig4(alpha)} (value shown: the largest)`,
    };

    // Per-chain auxiliary observations by the O(m) forward bridge.
    const chains = state0.chains;
    const v = etas.map((e) => e * e - eta * eta);
    const zeta = (i: number) => drawNormals({ seed: ctx.run.seed, stream: Streams.auxiliary, step: i, chainOffset: ctx.run.chainOffset, device: ctx.run.device }, chains, m);
    let yi = bridgeStart(lik.y, v[0], await zeta(0), chains);
    let state = state0;
    let totalSteps = 0;
    let stepOffset = 0;
    let lastH = 0;
    const stageStep = (i: number) => ctx.stepSize ?? gaussianBiasStep(1 / stats.vMin + opNormSq / etas[i + 1] ** 2, eps).value;
    const stageSteps = gammas.map((g, i) => Math.max(1, Math.ceil(stageTime(g) / stageStep(i))));
    const wanted = stageSteps.reduce((a, b) => a + b, 0);
    const warnings: string[] = [];
    const cap = plainStepCap(ctx, MAX_DEFAULT_STEPS, 'options.xgp');
    if (wanted > cap && o.stageTime === undefined) {
      // Every stage shortened by the same factor: the cap is loud, never a silent truncation.
      const f = cap / wanted;
      for (let i = 0; i < stageSteps.length; i++) stageSteps[i] = Math.max(1, Math.floor(stageSteps[i] * f));
      warnings.push(`the stage times ask for ${wanted} steps; every stage was shortened ×${f.toPrecision(2)} to the cap of ${cap}: the χ² contraction of each stage is not certified (use the reweighted default, or pass stageTime)`);
    }
    for (let i = 0; i < N - 1; i++) {
      yi = bridgeStep(lik.y, yi, v[i], v[i + 1], await zeta(i + 1));
      const c = 1 / etas[i + 1] ** 2;
      const h = stageStep(i);
      const steps = stageSteps[i];
      state = await ctx.runPhase({ name: `stage ${i + 1}/${N - 1}`, stream: Streams.phaseBase, stepOffset, schedule: constantSchedule(steps, { h, c }), y: yi, yPerChain: true, prior: tables }, state);
      stepOffset += steps;
      totalSteps += steps;
      lastH = h;
    }
    settings.stepSize = ctx.stepSize !== undefined ? userSetting(ctx.stepSize, 'given by the user') : {
      value: gaussianBiasStep(1 / stats.vMin + opNormSq / (eta * eta), eps).value,
      origin: 'default',
      rule: 'h_i = 2ε/((1+ε)L_i), L_i = 1/v_min + ‖A‖²/η_{i+1}²: Gaussian-bias step per stage (value shown: the last stage)',
    };
    settings.steps = { value: totalSteps, origin: 'default', rule: 'Σ_i ⌈T_i/h_i⌉ over the N−1 stages' };
    return { state, settings, final: { schedule: constantSchedule(1, { h: lastH, c: 1 / (eta * eta) }), prior: tables }, warnings };
  },
};

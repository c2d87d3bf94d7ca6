// SPDX-License-Identifier: MIT
// The reweighted variant of an annealed sampler (lib/smc): when it applies, its options, and the
// run — a pilot plans the levels, then every island follows the plan — returned as the sampler's
// output with its settings and report.
import type { ChainState } from '../engine/chains.js';
import { operatorNormSquared } from '../math/curvature.js';
import { LangevinError } from '../errors.js';
import { checkMemory } from '../engine/memory.js';
import { priorStats } from '../math/priorStats.js';
import { constantSchedule } from './schedule.js';
import { DEFAULT_SMC, planPath, plannedSteps, runPlan, scalePlan } from '../smc/engine.js';
import type { SmcSettings } from '../smc/engine.js';
import type { SmcPath } from '../smc/paths.js';
import type { Setting } from './stepsize.js';
import type { Problem } from '../types.js';
import type { SamplerContext, SamplerOutput } from './types.js';

/**
 * Whether a run reweights: by default for Gaussian-mixture priors (closed-form noised
 * log-densities); on request for patch-GMM image priors (each island is `population` images); never
 * for score models, which have no log-density (the plain sampler runs, and says so).
 */
export function usesReweighting(problem: Problem, requested: boolean | undefined, field: string): boolean {
  if (requested === false) return false;
  const kind = problem.prior.kind;
  if (kind === 'score') {
    if (requested === true) throw new LangevinError('E_UNSUPPORTED', `${field}: reweighting needs the prior's log-density; a score model has none (use reweight: false)`, field);
    return false;
  }
  if (kind === 'patch-gmm') return requested === true;
  return true;
}

/**
 * Options of the papers' plain schedules mean nothing to the reweighted run (its levels, steps and
 * moves come from its pilot): refuse them rather than ignore them.
 */
export function refusePlainOptions(options: object, plainOnly: readonly string[], field: string): void {
  for (const k of plainOnly)
    if ((options as Record<string, unknown>)[k] !== undefined)
      throw new LangevinError('E_OPTION', `${field}.${k}: applies to the paper's plain annealing; the reweighted run (the default) plans its own levels — pass reweight: false to use it`, `${field}.${k}`);
}

/**
 * The plain annealing's step cap: the global cap, the image cap, and a budget in steps. A seconds
 * budget cannot shorten a schedule planned to reach its end, so it is refused there.
 */
export function plainStepCap(ctx: SamplerContext, cap: number, field: string): number {
  if (ctx.budget?.seconds !== undefined)
    throw new LangevinError('E_OPTION', `options.budget.seconds: the plain annealing (${field}.reweight: false) runs a fixed schedule; give budget.steps (or use the reweighted default, which takes seconds)`, 'options.budget.seconds');
  return Math.min(cap, ctx.budget?.steps ?? Infinity);
}

/** What the summary says when a sampler that could reweight does not. */
export function plainNote(problem: Problem, requested: boolean | undefined): string {
  if (requested === false) return "off (reweight: false): the paper's plain annealing; mode weights are only as good as the chains' tracking of the path";
  if (problem.prior.kind === 'score')
    return 'unavailable: a score model has no log-density, so chains cannot be weighted; plain annealing — mode weights unverified (check them another way, e.g. a held-out likelihood)';
  return 'off by default for image priors (every island would hold `population` images); pass reweight: true to weigh the EPLL path';
}

/**
 * Checks before any work (a sampler's validate hook): whether the run reweights, and if so, that no
 * option of the plain schedule and no initial state was given.
 */
export function validateReweighting(problem: Problem, o: { reweight?: boolean }, plainOnly: readonly string[], field: string, userInit: boolean): void {
  if (!usesReweighting(problem, o.reweight, `${field}.reweight`)) return;
  refusePlainOptions(o, plainOnly, field);
  if (userInit)
    throw new LangevinError('E_OPTION', `options.init: the reweighted sampler starts from exact draws of its path's start; give reweight: false in ${field} to start from your own states`, 'options.init');
}

export async function runReweighted(ctx: SamplerContext, path: SmcPath, init: ChainState, population: number): Promise<SamplerOutput> {
  const { problem } = ctx;
  const settings: SmcSettings = { ...DEFAULT_SMC, population, stepSize: ctx.stepSize, moves: ctx.steps };
  settings.pilotChains = Math.min(settings.pilotChains, population);
  const G = population;
  const first = Math.floor(ctx.run.chainOffset / G), last = Math.floor((ctx.run.chainOffset + init.chains - 1) / G);
  checkMemory(problem, (last - first + 1) * G, ctx.run.device);
  const stats = priorStats(problem.prior);
  const opNorm = operatorNormSquared(problem);
  const betaMin = path.tables.noiseScale ? Math.min(...path.tables.noiseScale) : 1;
  const betaMax = path.tables.noiseScale ? Math.max(...path.tables.noiseScale) : 1;
  const smcCtx = {
    run: ctx.run,
    settings,
    curvature: (l: { a: number; b2: number; c: number }) => ({
      max: 1 / (l.a * l.a * stats.vMin + l.b2 * betaMin) + l.c * opNorm,
      min: 1 / (l.a * l.a * stats.vMax + l.b2 * betaMax),
    }),
    record: (info: Parameters<SamplerContext['record']>[0]) => ctx.record(info),
  };
  let plan = await planPath(smcCtx, path);
  ctx.record({ name: 'pilot (plans the levels)', steps: 0, seconds: plan.pilot.seconds, diverged: 0 });
  const warnings: string[] = [];
  const wanted = plannedSteps(plan);
  if (ctx.budget && ctx.steps === undefined) {
    // Moves per level shrink to fit; the levels stay (they carry the weights). Time is predicted from
    // the pilot's throughput (a whole island's move phases cost chains × steps at its rate, plus ~30 %).
    const padded = (last - first + 1) * G;
    let f = ctx.budget.steps !== undefined ? ctx.budget.steps / wanted : 1;
    if (ctx.budget.seconds !== undefined) f = Math.min(f, Math.max(0, ctx.budget.seconds - plan.pilot.seconds) / (1.3 * plan.pilot.secondsPerChainStep * padded * wanted));
    if (f < 1) {
      plan = scalePlan(plan, f);
      warnings.push(`budget: moves per level scaled ×${f.toPrecision(2)} (${plannedSteps(plan)} of the ${wanted} steps the plan asks for); the weights still follow every level, but within-mode mixing after resampling is shorter than the rule asks${plannedSteps(plan) > wanted * f + 1 ? ' — one move per level is the least, so the budget is exceeded' : ''}`);
    }
  }
  const { state, report } = await runPlan(smcCtx, path, plan, ctx.run.chainOffset, init.chains);
  const user = (v: number | undefined, what: string): Setting | undefined => (v === undefined ? undefined : { value: v, origin: 'user', rule: `given by the user (${what})` });
  const out: Record<string, Setting | string> = {
    reweighting: `on — ${report.method}`,
    path: path.label,
    population: { value: G, origin: 'default', rule: `island size: chains weigh and resample within fixed blocks of ${G} global chain indices, so chain c's sample depends on its island only (${report.islands} island${report.islands > 1 ? 's' : ''} run for ${init.chains} chains)` },
    levels: { value: report.levels, origin: 'default', rule: `chosen by a ${plan.pilot.chains}-chain pilot: each level as far as keeps the conditional ESS ≥ ${settings.cess}` },
    stepSize: user(ctx.stepSize, 'MALA step in the preconditioned metric') ?? {
      value: plan.final.h,
      origin: 'default',
      rule: `Metropolis-adjusted${report.preconditioned ? ', preconditioned by P = ((a²Σ̄ + b²I)⁻¹ + cAᵀA)⁻¹ (Σ̄ the components\' mean covariance),' : ''} Langevin moves; h from MALA's d^{−1/3} scaling, tuned by the pilot to acceptance ≈ 0.6 (value shown: the last level's)`,
    },
    movesPerLevel: user(ctx.steps, 'moves per level') ?? {
      value: report.movesPerLevel.afterResampling,
      origin: 'default',
      rule: `M = ⌈ln(1/ρ)/(−ln(1 − h·acc·m))⌉, m the smallest curvature of a component in the moves' metric: ρ = ${settings.decorrelation} where an island resampled (spreading its copies; value shown: the most), ρ = ${settings.tracking} elsewhere (at most ${report.movesPerLevel.tracking}), ρ = ${settings.finalDecorrelation} after the last level (${report.movesPerLevel.final}); capped at ${settings.maxMoves}`,
    },
    steps: { value: report.totalSteps, origin: 'default', rule: 'moves over all levels plus the final moves (each a gradient and a log-density evaluation)' },
  };
  if (plan.capped > 0)
    warnings.push(`moves were capped at ${settings.maxMoves} on ${plan.capped} of ${report.levels} levels: within-mode mixing is incomplete there (${report.preconditioned ? "some component is far softer than the moves' metric, e.g. a heavy-tailed base" : 'no preconditioner for this prior'}; pass steps for more moves per level)`);
  const l = path.level(1);
  const final = {
    schedule: constantSchedule(1, { h: plan.final.h, a: l.a, b2: l.b2, c: l.c }),
    prior: path.tables,
    noLikelihood: l.c === 0,
    precond: path.precond?.at(l.a, l.b2, l.c).factor,
    mala: true,
  };
  return { state, settings: out, final, reweighting: report, warnings, target: path.cFinal === 0 && problem.likelihood ? 'prior' : 'posterior' };
}

// SPDX-License-Identifier: MIT
// Reweighted annealing (sequential Monte Carlo on an annealing path; Del Moral, Doucet & Jasra
// 2006): chains carry importance weights from level to level, log γ_{s'}(x) − log γ_s(x) each
// time the level moves, are resampled (systematically, per island) when the weights' ESS falls,
// and take Metropolis-adjusted, preconditioned Langevin moves at each new level. The weights, not
// the moves, carry mass between modes, so the mode weights are right even where barriers freeze
// the chains; the normalising constants of the levels multiply to the evidence p(y).
//
// Two passes keep the samples independent of the chain range: a pilot population on its own random
// streams chooses the levels (each as far as the conditional ESS allows), the step size
// (acceptance-tuned) and the moves per level; the run then follows that plan on every island.
import type { ChainState } from '../engine/chains.js';
import type { RunContext } from '../engine/phase.js';
import { runPhase } from '../engine/phase.js';
import { drawNormals } from '../engine/rng.js';
import type { PhaseInfo } from '../samplers/types.js';
import { constantSchedule } from '../samplers/schedule.js';
import { Streams } from '../engine/streams.js';
import { logDensities } from './logDensity.js';
import type { PathLevel, SmcPath } from './paths.js';
import { Population } from './population.js';
import { logSumExp } from './weights.js';

export interface SmcSettings {
  /** Island size: chains weigh and resample within fixed blocks of this many global chain indices. */
  population: number;
  /** Chains of the pilot that plans the levels. */
  pilotChains: number;
  /** Each level goes as far as keeps the conditional ESS at this fraction. */
  cess: number;
  /** Resample an island when its ESS fraction falls below this. */
  resampleEss: number;
  /** A fixed move step (else tuned for acceptance ≈ 0.6 by the pilot). */
  stepSize?: number;
  /** Fixed moves per level (else from the step size, acceptance and curvature). */
  moves?: number;
  maxMoves: number;
  maxLevels: number;
  /** Moves at a level where an island resampled shrink a mode's correlation with the pre-move state to this (spreading the copies)… */
  decorrelation: number;
  /** …where it did not (the chains are distinct already: the moves only track the level) to this… */
  tracking: number;
  /** …and after the last level to this. */
  finalDecorrelation: number;
}

export const DEFAULT_SMC: SmcSettings = {
  population: 1024,
  pilotChains: 512,
  cess: 0.9,
  resampleEss: 0.5,
  maxMoves: 200,
  maxLevels: 2000,
  decorrelation: 0.1,
  tracking: 0.25,
  finalDecorrelation: 0.01,
};

export interface PlannedLevel {
  readonly s: number;
  readonly h: number;
  /** Moves for an island that resampled at this level… */
  readonly moves: number;
  /** …and for one that did not. */
  readonly tracking: number;
}

export interface SmcPlan {
  readonly levels: PlannedLevel[];
  /** Moves after the last resampling, at s = 1. */
  readonly final: { h: number; moves: number };
  /** Metropolis-adjusted warm-up at s = 0 where the path cannot start exactly. */
  readonly warmUp?: { h: number; moves: number };
  /** Levels whose moves hit maxMoves (within-mode mixing incomplete there). */
  readonly capped: number;
  readonly pilot: { chains: number; seconds: number; acceptance: number; secondsPerChainStep: number; resampleRate: number };
}

/**
 * Steps per chain the plan is expected to take: warm-up, each level's tracking moves plus the
 * extra moves after resampling as often as the pilot resampled, and the final moves.
 */
export function plannedSteps(plan: SmcPlan): number {
  const extra = plan.levels.reduce((s, l) => s + (l.moves - l.tracking), 0) * plan.pilot.resampleRate;
  return Math.round(plan.levels.reduce((s, l) => s + l.tracking, 0) + extra + plan.final.moves + 2 * (plan.warmUp?.moves ?? 0));
}

/** The plan with every level's moves scaled by f < 1 (at least one each): the levels, which carry the weights, stay. */
export function scalePlan(plan: SmcPlan, f: number): SmcPlan {
  const scale = (m: number) => Math.max(1, Math.floor(m * f));
  return {
    ...plan,
    levels: plan.levels.map((l) => ({ ...l, moves: scale(l.moves), tracking: Math.min(scale(l.tracking), scale(l.moves)) })),
    final: { ...plan.final, moves: scale(plan.final.moves) },
    warmUp: plan.warmUp && { ...plan.warmUp, moves: scale(plan.warmUp.moves) },
  };
}

export interface SmcReport {
  method: string;
  path: string;
  islands: number;
  islandSize: number;
  levels: number;
  /** Most moves at a level (tracking; where an island resampled), and the final moves. */
  movesPerLevel: { tracking: number; afterResampling: number; final: number };
  stepSize: { min: number; max: number };
  preconditioned: boolean;
  exactStart: boolean;
  /** Smallest ESS fraction any island reached before resampling; resampling events; dropped (diverged) particles. */
  minEss: number;
  resamples: number;
  dropped: number;
  /** Mean acceptance of the final moves. */
  acceptance: number;
  /** log p(y) (mean over islands of the estimates Ẑ, on the log scale) and the islands' spread; absent where γ₀'s normaliser is unknown. */
  logEvidence?: number;
  logEvidenceSd?: number;
  pilot: SmcPlan['pilot'];
  cappedLevels: number;
  totalSteps: number;
}

/** What the engine needs from the sampler: the run, the curvature fallback, a place to record phases. */
export interface SmcContext {
  readonly run: RunContext;
  readonly settings: SmcSettings;
  /** Curvature range of γ_s's components where no preconditioner is formed (stiffness bounds). */
  curvature(level: PathLevel): { min: number; max: number };
  record(info: PhaseInfo): void;
}

const TARGET_ACCEPTANCE = 0.6;

/** Everything the level-to-level loop shares between the pilot and the run. */
interface Walk {
  ctx: SmcContext;
  path: SmcPath;
  run: RunContext;
  pop: Population;
  stream: number;
  resampleStream: number;
  stepOffset: number;
  accepted: number; // mean acceptance of the last move block
  moveSeconds: number; // time in move phases (the pilot's throughput predicts the run's)
  chainSteps: number; // Σ chains × steps over move phases
}

function levels(path: SmcPath, s: readonly number[]): { a: number; b2: number }[] {
  return s.map((v) => {
    const l = path.level(v);
    return { a: l.a, b2: l.b2 };
  });
}

/** Δ_c = log γ_{s_j}(x_c) − log γ_{s_0}(x_c) for level j of an evaluation at [s_0, s_1, …]. */
function increments(path: SmcPath, s: readonly number[], logp: Float64Array, rss: Float64Array, j: number, chains: number): Float64Array {
  const L = s.length;
  const c0 = path.level(s[0]).c, cj = path.level(s[j]).c;
  const out = new Float64Array(chains);
  for (let c = 0; c < chains; c++) out[c] = logp[c * L + j] - logp[c * L] - 0.5 * (cj - c0) * rss[c];
  return out;
}

function curvatureAt(w: Walk, s: number): { min: number; max: number } {
  const l = w.path.level(s);
  return w.path.precond ? w.path.precond.at(l.a, l.b2, l.c).curvature : w.ctx.curvature(l);
}

/** Moves that shrink a whitened mode's correlation to ρ: (1 − h·acc·m)^M ≤ ρ. */
function movesFor(ctx: SmcContext, h: number, acceptance: number, curvMin: number, rho: number): { moves: number; capped: boolean } {
  if (ctx.settings.moves !== undefined) return { moves: ctx.settings.moves, capped: false };
  const rate = Math.min(0.99, h * Math.max(acceptance, 0.05) * curvMin);
  const m = Math.ceil(Math.log(1 / rho) / -Math.log1p(-rate));
  return { moves: Math.max(2, Math.min(m, ctx.settings.maxMoves)), capped: m > ctx.settings.maxMoves };
}

function plannedLevel(w: Walk, s: number, h: number): { plan: PlannedLevel; capped: boolean } {
  const curv = curvatureAt(w, s);
  const full = movesFor(w.ctx, h, w.accepted, curv.min, w.ctx.settings.decorrelation);
  const light = movesFor(w.ctx, h, w.accepted, curv.min, w.ctx.settings.tracking);
  return { plan: { s, h, moves: full.moves, tracking: Math.min(light.moves, full.moves) }, capped: full.capped };
}

/** A block of Metropolis-adjusted moves at level s. */
async function move(w: Walk, s: number, h: number, moves: number, name: string): Promise<void> {
  if (moves <= 0) return;
  const l = w.path.level(s);
  const precond = w.path.precond?.at(l.a, l.b2, l.c).factor;
  const t0 = performance.now();
  const out = await runPhase(
    w.run,
    { name, stream: w.stream, stepOffset: w.stepOffset, schedule: constantSchedule(moves, { h, a: l.a, b2: l.b2, c: l.c }), prior: w.path.tables, noLikelihood: l.c === 0, precond, mala: true },
    w.pop.state,
  );
  w.stepOffset += moves;
  w.moveSeconds += (performance.now() - t0) / 1000;
  w.chainSteps += out.chains * moves;
  let acc = 0, live = 0;
  for (let c = 0; c < out.chains; c++) {
    if (out.status[c] >= 0 || w.pop.logw[c] === -Infinity) continue;
    acc += out.accepted![c];
    live++;
  }
  w.accepted = live > 0 ? acc / (live * moves) : 0;
  w.pop.state = { chains: out.chains, dim: out.dim, x: out.x, status: out.status };
  w.pop.dropDiverged();
}

/**
 * A level's moves: `tracking` for every chain, then the rest up to `moves` for the islands that
 * resampled at this level (their copies need spreading). The extra steps' noise keys are reserved
 * for every island, used or not, so an island's moves never depend on another island's weights.
 */
async function moveLevel(w: Walk, s: number, L: PlannedLevel, resampled: boolean[], name: string): Promise<void> {
  await move(w, s, L.h, L.tracking, name);
  const extra = L.moves - L.tracking;
  if (extra <= 0) return;
  const G = w.pop.island;
  const l = w.path.level(s);
  const precond = w.path.precond?.at(l.a, l.b2, l.c).factor;
  const d = w.pop.state.dim;
  for (let i0 = 0; i0 < resampled.length; i0++) {
    if (!resampled[i0]) continue;
    let i1 = i0;
    while (i1 + 1 < resampled.length && resampled[i1 + 1]) i1++;
    const from = i0 * G, to = (i1 + 1) * G;
    const sub: ChainState = { chains: to - from, dim: d, x: w.pop.state.x.slice(from * d, to * d), status: w.pop.state.status.slice(from, to) };
    const out = await runPhase(
      { ...w.run, chainOffset: w.run.chainOffset + from },
      { name, stream: w.stream, stepOffset: w.stepOffset, schedule: constantSchedule(extra, { h: L.h, a: l.a, b2: l.b2, c: l.c }), prior: w.path.tables, noLikelihood: l.c === 0, precond, mala: true },
      sub,
    );
    w.pop.state.x.set(out.x, from * d);
    w.pop.state.status.set(out.status, from);
    w.chainSteps += out.chains * extra;
    i0 = i1;
  }
  w.stepOffset += extra;
  w.pop.dropDiverged();
}

/** Weights Δ for moving the population from level s to s'. */
async function reweigh(w: Walk, s: number, next: number): Promise<void> {
  const grid = [s, next];
  const { logp, rss } = await logDensities(w.run, w.pop.state, levels(w.path, grid), w.path.tables);
  w.pop.reweigh(increments(w.path, grid, logp, rss, 1, w.pop.state.chains));
}

async function start(w: Walk, site: { seed: bigint; chainOffset: number }, chains: number): Promise<ChainState | undefined> {
  return w.path.start({ ...site, device: w.run.device, stream: w.stream }, chains);
}

/**
 * The next level from s: the largest s' ≤ 1 whose conditional ESS stays ≥ the target, searched on
 * geometric candidates s + δ·2^{−j} then refined between the last passing and first failing one.
 */
async function nextLevel(w: Walk, s: number): Promise<{ s: number; delta: Float64Array }> {
  const target = w.ctx.settings.cess;
  const chains = w.pop.state.chains;
  let step = 1 - s;
  for (let round = 0; round < 6; round++) {
    const cands = Array.from({ length: 12 }, (_, j) => s + step * 2 ** -j);
    const grid = [s, ...cands];
    const { logp, rss } = await logDensities(w.run, w.pop.state, levels(w.path, grid), w.path.tables);
    let pass = -1;
    for (let j = 1; j < grid.length && pass < 0; j++) if (w.pop.conditionalEss(increments(w.path, grid, logp, rss, j, chains)) >= target) pass = j;
    if (pass === 1) return { s: grid[1], delta: increments(w.path, grid, logp, rss, 1, chains) };
    if (pass > 1) {
      // Refine between the passing candidate and the failing one before it.
      const lo = grid[pass], hi = grid[pass - 1];
      const fine = [s, ...Array.from({ length: 6 }, (_, j) => hi - ((hi - lo) * (j + 1)) / 7), lo];
      const f = await logDensities(w.run, w.pop.state, levels(w.path, fine), w.path.tables);
      for (let j = 1; j < fine.length; j++) {
        const delta = increments(w.path, fine, f.logp, f.rss, j, chains);
        if (w.pop.conditionalEss(delta) >= target) return { s: fine[j], delta };
      }
    }
    step *= 2 ** -12;
  }
  // The target cannot be met even by a tiny step (a degenerate population): take the smallest.
  const grid = [s, s + step];
  const { logp, rss } = await logDensities(w.run, w.pop.state, levels(w.path, grid), w.path.tables);
  return { s: grid[1], delta: increments(w.path, grid, logp, rss, 1, chains) };
}

function initialStep(w: Walk, s: number): number {
  if (w.ctx.settings.stepSize !== undefined) return w.ctx.settings.stepSize;
  // MALA's scaling h ≈ 1.36·d^{−1/3}/L (Roberts & Rosenthal 1998) in the preconditioned metric.
  return (1.36 * w.pop.state.dim ** (-1 / 3)) / curvatureAt(w, s).max;
}

function tuned(w: Walk, h: number): number {
  if (w.ctx.settings.stepSize !== undefined) return h;
  return h * Math.min(2, Math.max(0.5, Math.exp(2.5 * (w.accepted - TARGET_ACCEPTANCE))));
}

/** The pilot: adaptive levels, step sizes and moves on its own population and streams (CPU). */
export async function planPath(ctx: SmcContext, path: SmcPath): Promise<SmcPlan> {
  const t0 = performance.now();
  const P = ctx.settings.pilotChains;
  // The pilot runs on the CPU whatever the device, so the plan (and hence the samples) do not depend on it.
  const run: RunContext = { ...ctx.run, device: 'cpu', chainOffset: 0 };
  const walk: Walk = { ctx, path, run, pop: undefined as unknown as Population, stream: Streams.pilot, resampleStream: Streams.pilotResample, stepOffset: 0, accepted: TARGET_ACCEPTANCE, moveSeconds: 0, chainSteps: 0 };
  const exact = await start(walk, { seed: ctx.run.seed, chainOffset: 0 }, P);
  const init = exact ?? { chains: P, dim: path.tables.dim, x: await drawNormals({ seed: ctx.run.seed, stream: Streams.pilot, chainOffset: 0 }, P, path.tables.dim), status: new Int32Array(P).fill(-1) };
  walk.pop = new Population(init, P, 0);
  let h = initialStep(walk, 0);
  let warmUp: SmcPlan['warmUp'];
  if (!exact) {
    const curv = curvatureAt(walk, 0);
    const { moves } = movesFor(ctx, h, TARGET_ACCEPTANCE, curv.min, ctx.settings.finalDecorrelation);
    // Tune the warm-up step on a first block, then run the rest.
    await move(walk, 0, h, Math.min(moves, 20), 'pilot warm-up');
    h = tuned(walk, h);
    warmUp = { h, moves };
    await move(walk, 0, h, moves, 'pilot warm-up');
  }
  const planned: PlannedLevel[] = [];
  let s = 0;
  let capped = 0;
  while (s < 1 && planned.length < ctx.settings.maxLevels) {
    if (ctx.run.signal?.aborted) break;
    const next = await nextLevel(walk, s);
    walk.pop.reweigh(next.delta);
    s = next.s >= 1 - 1e-12 ? 1 : next.s;
    const resampled = await walk.pop.resample(ctx.settings.resampleEss, { seed: ctx.run.seed, stream: walk.resampleStream, step: planned.length });
    const level = plannedLevel(walk, s, h);
    if (level.capped) capped++;
    planned.push(level.plan);
    await moveLevel(walk, s, level.plan, resampled, 'pilot moves');
    h = tuned(walk, h);
  }
  if (s < 1) planned.push(plannedLevel(walk, 1, h).plan);
  const fin = movesFor(ctx, h, walk.accepted, curvatureAt(walk, 1).min, ctx.settings.finalDecorrelation);
  return { levels: planned, final: { h, moves: fin.moves }, warmUp, capped, pilot: { chains: P, seconds: (performance.now() - t0) / 1000, acceptance: walk.accepted, secondsPerChainStep: walk.moveSeconds / Math.max(1, walk.chainSteps), resampleRate: walk.pop.stats.resamples / Math.max(1, planned.length) } };
}

/**
 * Runs the plan on the islands covering [chainOffset, chainOffset + chains) and returns those chains
 * (the state holds whole islands; the caller's range is cut out of it).
 */
export async function runPlan(ctx: SmcContext, path: SmcPath, plan: SmcPlan, chainOffset: number, chains: number): Promise<{ state: ChainState; report: SmcReport }> {
  const G = ctx.settings.population;
  const firstIsland = Math.floor(chainOffset / G);
  const lastIsland = Math.floor((chainOffset + chains - 1) / G);
  const padded = (lastIsland - firstIsland + 1) * G;
  const run: RunContext = { ...ctx.run, chainOffset: firstIsland * G };
  const walk: Walk = { ctx, path, run, pop: undefined as unknown as Population, stream: Streams.moves, resampleStream: Streams.resample, stepOffset: 0, accepted: 0, moveSeconds: 0, chainSteps: 0 };
  const t0 = performance.now();
  const exact = await start(walk, { seed: ctx.run.seed, chainOffset: run.chainOffset }, padded);
  let init = exact;
  if (!init) {
      init = { chains: padded, dim: path.tables.dim, x: await drawNormals({ seed: ctx.run.seed, stream: Streams.moves, chainOffset: run.chainOffset, device: run.device }, padded, path.tables.dim), status: new Int32Array(padded).fill(-1) };
  }
  walk.pop = new Population(init, G, firstIsland);
  if (plan.warmUp) {
    await move(walk, 0, plan.warmUp.h, Math.min(plan.warmUp.moves, 20), 'warm-up');
    await move(walk, 0, plan.warmUp.h, plan.warmUp.moves, 'warm-up');
  }
  let s = 0;
  for (let j = 0; j < plan.levels.length; j++) {
    const L = plan.levels[j];
    await reweigh(walk, s, L.s);
    s = L.s;
    const resampled = await walk.pop.resample(ctx.settings.resampleEss, { seed: ctx.run.seed, stream: walk.resampleStream, step: j });
    await moveLevel(walk, s, L, resampled, `reweighted level ${j + 1}/${plan.levels.length}`);
    ctx.run.onProgress?.({ phase: 'reweighted annealing', done: j + 1, total: plan.levels.length + 1 });
  }
  const movesSeconds = (performance.now() - t0) / 1000;
  // Final: every island resampled to equal weights, then moves on the target to spread the copies.
  const finalEss = walk.pop.ess();
  await walk.pop.resample(1, { seed: ctx.run.seed, stream: walk.resampleStream, step: plan.levels.length });
  const t1 = performance.now();
  await move(walk, 1, plan.final.h, plan.final.moves, 'final moves');
  ctx.record({ name: 'reweighted annealing (levels)', steps: Math.round(walk.chainSteps / padded) - plan.final.moves, seconds: movesSeconds, diverged: walk.pop.stats.dropped });
  ctx.record({ name: 'final moves', steps: plan.final.moves, seconds: (performance.now() - t1) / 1000, diverged: 0 });
  ctx.run.onProgress?.({ phase: 'reweighted annealing', done: plan.levels.length + 1, total: plan.levels.length + 1 });

  const pop = walk.pop;
  const lo = chainOffset - firstIsland * G;
  const d = pop.state.dim;
  const state: ChainState = { chains, dim: d, x: pop.state.x.slice(lo * d, (lo + chains) * d), status: pop.state.status.slice(lo, lo + chains) };
  const hs = plan.levels.map((l) => l.h);
  const report: SmcReport = {
    method: 'reweighted annealing (sequential Monte Carlo on the path; beyond the papers): importance weights along the path, systematic resampling per island when ESS < ' + ctx.settings.resampleEss + ', Metropolis-adjusted Langevin moves',
    path: path.label,
    islands: pop.islands,
    islandSize: G,
    levels: plan.levels.length,
    movesPerLevel: { tracking: Math.max(...plan.levels.map((l) => l.tracking)), afterResampling: Math.max(...plan.levels.map((l) => l.moves)), final: plan.final.moves },
    stepSize: { min: Math.min(...hs), max: Math.max(...hs) },
    preconditioned: path.precond !== undefined,
    exactStart: exact !== undefined,
    minEss: Math.min(pop.stats.minEss, finalEss),
    resamples: pop.stats.resamples,
    dropped: pop.stats.dropped,
    acceptance: walk.accepted,
    pilot: plan.pilot,
    cappedLevels: plan.capped,
    totalSteps: Math.round(walk.chainSteps / padded),
  };
  if (path.normalised && path.startLogZ !== undefined) {
    // Each island's Ẑ is unbiased for Z; average them (on the linear scale).
    const logZ = Array.from(pop.logZ, (v) => v + path.startLogZ!);
    const m = ctx.run.y?.length ?? 0;
    const offset = path.cFinal > 0 ? -(m / 2) * Math.log((2 * Math.PI) / path.cFinal) : 0;
    report.logEvidence = logSumExp(logZ) - Math.log(logZ.length) + offset;
    if (logZ.length > 1) {
      const mean = logZ.reduce((a, b) => a + b, 0) / logZ.length;
      report.logEvidenceSd = Math.sqrt(logZ.reduce((a, b) => a + (b - mean) ** 2, 0) / (logZ.length - 1));
    }
  }
  return { state, report };
}

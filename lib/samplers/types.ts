// SPDX-License-Identifier: MIT
// A sampler turns a problem into a sequence of native phases (BlackJAX's init/step shape, at the
// level of phases rather than single steps).
import type { ChainState } from '../engine/chains.js';
import type { PhaseSpec, RunContext } from '../engine/phase.js';
import type { Setting } from './stepsize.js';
import type { GmmPrior, Problem } from '../types.js';
import type { SmcReport } from '../smc/engine.js';

export interface PhaseInfo {
  name: string;
  steps: number;
  seconds: number;
  diverged: number; // chains diverged by the end of this phase
}

export interface SamplerContext {
  readonly problem: Problem;
  readonly run: RunContext;
  /** Accuracy target ε for the default step sizes. */
  readonly accuracy: number;
  /** User overrides (undefined when not given). */
  readonly steps?: number;
  /** A bound on the default run's cost (options.budget). */
  readonly budget?: { readonly steps?: number; readonly seconds?: number };
  readonly stepSize?: number;
  /** The sampler's own options (options.almc, options.xgp, options.dalmc), validated. */
  readonly samplerOptions?: Readonly<Record<string, unknown>>;
  /** Island size of the reweighted samplers. */
  readonly population: number;
  /** True when the caller supplied the initial states (a sampler must then keep them). */
  readonly userInit: boolean;
  /** Exact draws from a GMM (keyed like the default initial states). */
  drawFromGmm(prior: GmmPrior): Promise<ChainState>;
  /** Runs one phase, timing it and recording its info. */
  runPhase(spec: PhaseSpec, state: ChainState): Promise<ChainState>;
  /** Records a phase run some other way (the reweighted samplers aggregate their many small phases). */
  record(info: PhaseInfo): void;
}

export interface SamplerOutput {
  state: ChainState;
  /** The sampler's final target as one step (scalars and phase overrides), for convergence draws. */
  final: Omit<PhaseSpec, 'name' | 'stream' | 'stepOffset'>;
  /** Every resolved step size, length and schedule constant, with its provenance. */
  settings: Record<string, Setting | string>;
  /** Reweighted samplers: weights, resampling and evidence (see lib/smc/engine.ts). */
  reweighting?: SmcReport;
  /** What went wrong by the sampler's own account (a cap hit, an unstable step): loud, never silent. */
  warnings?: string[];
  /** 'prior' when the sampler's target is the prior (DALMC with likelihood: false); default the posterior. */
  target?: 'posterior' | 'prior';
}

export interface Sampler {
  readonly name: string;
  /** The default initial state of the chains. */
  readonly defaultInit: 'prior' | 'gaussian' | 'zeros';
  /** Problem-dependent checks of the sampler's options, run before any work starts. */
  validate?(problem: Problem, options: Readonly<Record<string, unknown>>, run: { userInit: boolean }): void;
  run(ctx: SamplerContext, init: ChainState): Promise<SamplerOutput>;
}

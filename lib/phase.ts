// SPDX-License-Identifier: MIT
// One phase of a sampler: a schedule of steps run natively in one call (nativePhase.ts), or step
// by step when the prior is a score model evaluated in JS (scoredPhase.ts).
import { abortError, LangevinError } from './errors.js';
import { runNativePhase } from './nativePhase.js';
import type { OperatorTables, PriorTables } from './nativeTables.js';
import type { StepSchedule } from './schedule.js';
import { scheduleLength } from './schedule.js';
import type { ChainState } from './chains.js';
import type { Device } from './device.js';
import type { ScoreModel } from './types.js';
import { runScoredPhase } from './scoredPhase.js';

/** What stays fixed across the phases of one run. */
export interface RunContext {
  readonly device: Device;
  readonly threads: number;
  readonly seed: bigint;
  readonly chainOffset: number;
  readonly prior: PriorTables;
  /** A learned prior: its score replaces the native prior tables (components = 0) step by step. */
  readonly scoreModel?: ScoreModel;
  readonly operator: OperatorTables;
  readonly y?: Float32Array; // the observation, shared by every chain
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
}

export interface Progress {
  phase: string;
  done: number; // steps done in this phase
  total: number;
}

export interface PhaseSpec {
  readonly name: string;
  readonly stream: number; // see streams.ts
  readonly schedule: StepSchedule;
  readonly stepOffset?: number;
  /** Override of the observation; per chain ([chains*m]) when yPerChain. */
  readonly y?: Float32Array;
  readonly yPerChain?: boolean;
  /** Use the prior alone (likelihood weight ignored). */
  readonly noLikelihood?: boolean;
  /** Another prior for this phase (XGP's p_{x0}, DALMC's Student-t scale mixture). */
  readonly prior?: PriorTables;
  /** Lower-triangular factor L of a preconditioner P = LLᵀ ([d*d] row-major). */
  readonly precond?: Float32Array;
  /** Metropolis-adjusted steps (one level for the whole phase); acceptances come back per chain. */
  readonly mala?: boolean;
}

/** A phase's result: the chains, and for MALA phases the accepted proposals per chain. */
export interface PhaseResult extends ChainState {
  readonly accepted?: Int32Array;
}

export { abortError };

export async function runPhase(ctx: RunContext, spec: PhaseSpec, state: ChainState): Promise<PhaseResult> {
  if (ctx.signal?.aborted) throw abortError(ctx.signal);
  if (scheduleLength(spec.schedule) === 0) return state;
  if (ctx.scoreModel && !spec.prior) {
    if (spec.mala) throw new LangevinError('E_UNSUPPORTED', `phase ${spec.name}: Metropolis adjustment needs the prior's log-density; a score model has none`);
    return runScoredPhase(ctx, ctx.scoreModel, spec, state);
  }
  return runNativePhase(ctx, spec, state);
}

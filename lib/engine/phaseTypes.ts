// SPDX-License-Identifier: MIT
// The types every phase runner shares (phase.ts dispatches; nativePhase.ts and scoredPhase.ts run),
// kept below all three so the runners do not import their dispatcher.
import type { OperatorTables, PriorTables } from './nativeTables.js';
import type { StepSchedule } from '../samplers/schedule.js';
import type { ChainState } from './chains.js';
import type { Device } from './device.js';
import type { ScoreModel } from '../types.js';

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

// SPDX-License-Identifier: MIT
// One phase of a sampler: a schedule of steps run natively in one call (nativePhase.ts), or step
// by step when the prior is a score model evaluated in JS (scoredPhase.ts).
import { abortError, LangevinError } from '../errors.js';
import { runNativePhase } from './nativePhase.js';
import { scheduleLength } from '../samplers/schedule.js';
import type { ChainState } from './chains.js';
import type { PhaseResult, PhaseSpec, RunContext } from './phaseTypes.js';
import { runScoredPhase } from './scoredPhase.js';

export type { RunContext, Progress, PhaseSpec, PhaseResult } from './phaseTypes.js';

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

// SPDX-License-Identifier: MIT
// Log-densities of the chains under the noised prior at several levels, and their residuals
// ‖Ax − y‖², in one native call: what reweighting needs to weigh a level change, log γ_{s'}(x) −
// log γ_s(x) with log γ = log p_{a,b}(x) − (c/2)‖Ax − y‖².
import type { ChainState } from '../engine/chains.js';
import { abortError } from '../errors.js';
import { native, nativeError } from '../engine/native.js';
import { nativeJob } from '../engine/nativePhase.js';
import type { PriorTables } from '../engine/nativeTables.js';
import type { RunContext } from '../engine/phase.js';
import { acquirePhaseSlot } from '../engine/phaseSlots.js';
import { fromFunction } from '../samplers/schedule.js';

export interface Level {
  readonly a: number;
  readonly b2: number;
}

export interface LevelValues {
  /** log p_{a_j,b_j}(x_c) at [c·L + j] (GMM: up to −½d·log 2π; patch prior: its weighted patch sum). */
  readonly logp: Float64Array;
  /** ‖Ax_c − y‖² (0 without a likelihood). */
  readonly rss: Float64Array;
}

export async function logDensities(ctx: RunContext, state: ChainState, levels: readonly Level[], prior?: PriorTables): Promise<LevelValues> {
  if (ctx.signal?.aborted) throw abortError(ctx.signal);
  const schedule = fromFunction(levels.length, (j) => ({ h: 0, a: levels[j].a, b2: levels[j].b2, c: 0 }));
  const job = nativeJob(ctx, { name: 'log-density', stream: 0, schedule, prior }, state);
  const release = await acquirePhaseSlot(ctx.signal);
  try {
    const out = await native().logDensity(job);
    return { logp: Float64Array.from(out.logp), rss: Float64Array.from(out.rss) };
  } catch (err) {
    throw nativeError(err);
  } finally {
    release();
  }
}

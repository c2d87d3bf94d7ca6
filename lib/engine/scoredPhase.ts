// SPDX-License-Identifier: MIT
// A phase whose prior is a score model (a learned network evaluated in JS, e.g. through ONNX
// Runtime): each step evaluates the model at the current states, then one fused native step adds
// the likelihood gradient and the Philox noise and updates the chains. The noise keys are those of
// the same step in a native phase (stream, global step, chain), so batch splits do not change it.
//
// Step k's prior is p_{a,b} = Law(aX + bZ). With σ = b/a, p_{a,b}(y) ∝ p_σ(y/a), so its score is
// s(y/a, σ)/a; at a = 0 it is N(0, b²I), whose score −y/b² needs no model.
import type { ChainState } from './chains.js';
import { abortError } from '../errors.js';
import { runNativePhase } from './nativePhase.js';
import type { PhaseSpec, RunContext } from './phaseTypes.js';
import { scheduleLength } from '../samplers/schedule.js';
import type { ScoreModel } from '../types.js';

export async function runScoredPhase(ctx: RunContext, model: ScoreModel, spec: PhaseSpec, state: ChainState): Promise<ChainState> {
  const n = scheduleLength(spec.schedule);
  const { h, a, b2, c } = spec.schedule;
  const score = new Float32Array(state.chains * state.dim);
  // x/a is only needed at levels with a ∉ {0, 1}.
  const scaled = new Float32Array(a.some((v) => v !== 0 && v !== 1) ? score.length : 0);
  const stepCtx = { ...ctx, onProgress: undefined }; // progress is reported per step here
  const every = Math.max(1, Math.ceil(n / 50));
  let s = state;
  for (let k = 0; k < n; k++) {
    if (ctx.signal?.aborted) throw abortError(ctx.signal);
    // A model whose promise never settles must not make the signal useless: race it.
    await untilAborted(levelScore(model, s.x, s.chains, a[k], b2[k], score, scaled), ctx.signal);
    const step = { h: h.subarray(k, k + 1), a: a.subarray(k, k + 1), b2: b2.subarray(k, k + 1), c: c.subarray(k, k + 1) };
    s = await runNativePhase(stepCtx, { ...spec, schedule: step, stepOffset: (spec.stepOffset ?? 0) + k }, s, score);
    if (ctx.onProgress && ((k + 1) % every === 0 || k + 1 === n)) ctx.onProgress({ phase: spec.name, done: k + 1, total: n });
  }
  return s;
}

/** `work`, or E_ABORTED as soon as `signal` aborts (the work itself is left to finish or hang). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** out = ∇log p_{a,b} at the rows of x. `scratch` ([chains·d]) holds x/a when a ∉ {0, 1}. */
export async function levelScore(model: ScoreModel, x: Float32Array, chains: number, a: number, b2: number, out: Float32Array, scratch: Float32Array): Promise<void> {
  if (a === 0) {
    for (let i = 0; i < x.length; i++) out[i] = -x[i] / b2;
    return;
  }
  const sigma = Math.sqrt(b2) / a;
  if (a === 1) {
    await model.score(x, chains, sigma, out);
    return;
  }
  for (let i = 0; i < x.length; i++) scratch[i] = x[i] / a;
  await model.score(scratch, chains, sigma, out);
  for (let i = 0; i < out.length; i++) out[i] /= a;
}

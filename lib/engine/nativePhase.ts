// SPDX-License-Identifier: MIT
// Runs one phase natively: the whole step loop happens in one AsyncWorker call, off the event
// loop, with progress through a thread-safe function and cancellation from an AbortSignal.
import { abortError, LangevinError } from '../errors.js';
import { acquirePhaseSlot } from './phaseSlots.js';
import { native, nativeError } from './native.js';
import type { NativePhaseJob } from './nativeTypes.js';
import type { ChainState } from './chains.js';
import type { PhaseResult, PhaseSpec, RunContext } from './phaseTypes.js';

/** The native job of a phase (also what logDensity reads: the state, prior, operator and levels). */
export function nativeJob(ctx: RunContext, spec: PhaseSpec, state: ChainState, externalScore?: Float32Array): NativePhaseJob {
  const prior = spec.prior ?? ctx.prior;
  if (prior.dim !== state.dim) throw new LangevinError('E_SHAPE', `phase ${spec.name}: prior dimension ${prior.dim} ≠ state dimension ${state.dim}`);
  const withLikelihood = !spec.noLikelihood && ctx.operator.opKind !== 0;
  return {
    device: ctx.device,
    threads: ctx.threads,
    ...prior,
    ...(withLikelihood ? ctx.operator : { opKind: 0, measurements: 0 }),
    chains: state.chains,
    y: withLikelihood ? (spec.y ?? ctx.y) : undefined,
    yPerChain: withLikelihood && spec.yPerChain === true,
    h: spec.schedule.h,
    a: spec.schedule.a,
    b2: spec.schedule.b2,
    c: spec.schedule.c,
    stepOffset: spec.stepOffset ?? 0,
    seed: ctx.seed,
    stream: spec.stream,
    chainOffset: ctx.chainOffset,
    x: state.x,
    status: state.status,
    externalScore,
    precond: spec.precond,
    mala: spec.mala === true,
  };
}

/**
 * The whole phase in one native call. With `externalScore` ([chains·d], the prior score at the
 * current state) the phase must be a single step.
 */
export async function runNativePhase(ctx: RunContext, spec: PhaseSpec, state: ChainState, externalScore?: Float32Array): Promise<PhaseResult> {
  const job = nativeJob(ctx, spec, state, externalScore);
  const onProgress = ctx.onProgress;
  const release = await acquirePhaseSlot(ctx.signal);
  let cancel = () => {};
  // An exception in the caller's onProgress would otherwise be thrown inside the native
  // thread-safe callback (an uncaught exception): keep it, stop the phase, and reject with it.
  let progressError: { error: unknown } | undefined;
  try {
    if (ctx.signal?.aborted) throw abortError(ctx.signal);
    const report = onProgress
      ? (done: number, total: number) => {
          if (progressError) return;
          try {
            onProgress({ phase: spec.name, done, total });
          } catch (error) {
            progressError = { error };
            cancel();
          }
        }
      : undefined;
    const handle = native().runPhase(job, report);
    cancel = () => handle.cancel();
    if (progressError) cancel();
    ctx.signal?.addEventListener('abort', cancel, { once: true });
    const out = await handle.promise;
    if (progressError) throw progressError.error;
    return { chains: state.chains, dim: state.dim, x: out.x, status: out.status, accepted: out.accepted };
  } catch (err) {
    if (progressError) throw progressError.error;
    const e = nativeError(err);
    if (e.code === 'E_ABORTED' && ctx.signal?.aborted) throw abortError(ctx.signal);
    throw e;
  } finally {
    ctx.signal?.removeEventListener('abort', cancel);
    release();
  }
}

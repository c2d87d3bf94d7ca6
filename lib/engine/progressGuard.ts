// SPDX-License-Identifier: MIT
// The caller's onProgress runs inside native thread-safe callbacks and step loops; an exception
// there would be uncaught or lost. The guard catches it, cancels the run through an internal
// signal joined to the caller's, and makes that exception the run's rejection. Progress calls
// still queued when the last phase resolves are flushed (one macrotask) before the run settles.
import type { Progress } from './phase.js';

export interface ProgressGuard {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  /** After the run: flush queued progress calls; throw the handler's exception if there was one. */
  settle(): Promise<void>;
  /** On a failed run: the handler's exception if it caused the failure, else `err`. */
  reason(err: unknown): unknown;
}

export function progressGuard(onProgress: ((p: Progress) => void) | undefined, signal: AbortSignal | undefined): ProgressGuard {
  if (!onProgress) return { signal, onProgress, settle: async () => {}, reason: (err) => err };
  const stop = new AbortController();
  let fault: { error: unknown } | undefined;
  return {
    signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal,
    onProgress(p) {
      if (fault) return;
      try {
        onProgress(p);
      } catch (error) {
        fault = { error };
        stop.abort(new Error('onProgress threw'));
      }
    },
    async settle() {
      await new Promise((resolve) => setImmediate(resolve));
      if (fault) throw fault.error;
    },
    reason: (err) => (fault ? fault.error : err),
  };
}

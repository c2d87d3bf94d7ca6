// SPDX-License-Identifier: MIT
// Phases run on libuv's thread pool, which fs, dns, crypto and zlib share. Capping concurrent
// phases at pool size − 1 keeps one thread free for them; extra runs wait here (abortable).
import { LangevinError } from '../errors.js';

const poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;
export const MAX_CONCURRENT_PHASES = Math.max(1, poolSize - 1);

let running = 0;
const waiting: Array<() => void> = [];

/** Resolves when a slot is free; rejects with E_ABORTED if the signal fires first. */
export function acquirePhaseSlot(signal?: AbortSignal): Promise<() => void> {
  const release = () => {
    running--;
    const next = waiting.shift();
    if (next) next();
  };
  if (running < MAX_CONCURRENT_PHASES) {
    running++;
    return Promise.resolve(release);
  }
  return new Promise((resolve, reject) => {
    const grant = () => {
      signal?.removeEventListener('abort', onAbort);
      running++;
      resolve(release);
    };
    const onAbort = () => {
      const i = waiting.indexOf(grant);
      if (i >= 0) waiting.splice(i, 1);
      reject(new LangevinError('E_ABORTED', 'the run was cancelled while waiting for a free worker thread'));
    };
    waiting.push(grant);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// SPDX-License-Identifier: MIT
// Refuse runs that cannot fit before allocating anything (E_OOM), instead of crashing later.
import { freemem } from 'node:os';
import { LangevinError } from './errors.js';
import type { Device } from './device.js';
import { native } from './native.js';
import type { Problem } from './types.js';
import { isGmm, operatorRows } from './types.js';

/** Bytes a run holds at its peak: the state in JS, in the native job and its output, plus scratch and tables. */
export function estimateBytes(problem: Problem, chains: number): { host: number; device: number } {
  const d = problem.prior.dim;
  const m = problem.likelihood ? operatorRows(problem.likelihood.operator) : 0;
  const prior = problem.prior;
  // The GMM's own dimension: d, k² for a patch prior; a score model has no tables but hands the
  // native step a score array ([chains·d], plus x/a) each step.
  const gmm = isGmm(prior) ? prior : prior.kind === 'patch-gmm' ? prior.gmm : undefined;
  const K = gmm?.components ?? 0;
  const g = gmm?.dim ?? 0;
  const full = gmm?.kind === 'full';
  const tables = 4 * (K * g * (full ? g + 2 : 2) + (problem.likelihood?.operator.type === 'dense' ? m * d : m));
  const state = 4 * chains * d;
  const scratch = 4 * chains * (2 * d + 2 * g + K * (full ? g + 1 : 1) + m) + (gmm ? 0 : 2 * state);
  return { host: 4 * state + tables + (gmm ? 0 : 2 * state), device: state + scratch + tables };
}

export function checkMemory(problem: Problem, chains: number, device: Device): void {
  const need = estimateBytes(problem, chains);
  const freeHost = freemem();
  if (need.host > 0.8 * freeHost)
    throw new LangevinError('E_OOM', `the run needs about ${mib(need.host)} of host memory, ${mib(freeHost)} is free: use fewer chains or split them with chainOffset`);
  if (device === 'cuda') {
    const free = native().cudaInfo().freeBytes ?? 0;
    if (need.device > 0.9 * free)
      throw new LangevinError('E_OOM', `the run needs about ${mib(need.device)} of GPU memory, ${mib(free)} is free: use fewer chains or split them with chainOffset`);
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

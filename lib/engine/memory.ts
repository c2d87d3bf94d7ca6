// SPDX-License-Identifier: MIT
// Refuse runs that cannot fit before allocating anything (E_OOM), instead of crashing later.
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { LangevinError } from '../errors.js';
import type { Device } from './device.js';
import { native } from './native.js';
import type { Problem } from '../types.js';
import { isGmm, operatorRows } from '../types.js';

/** Bytes a run holds at its peak: the state in JS, in the native job and its output, plus scratch and tables. */
export function estimateBytes(problem: Problem, chains: number, draws = 0): { host: number; device: number } {
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
  // --draws keeps one [chains, d] snapshot per draw, and the convergence summary a float64 copy of them.
  const snapshots = draws * state * 3;
  return { host: 4 * state + tables + (gmm ? 0 : 2 * state) + snapshots, device: state + scratch + tables };
}

/** A number read from a /sys or /proc file, or undefined (absent, 'max', unlimited). */
function readLimit(path: string, pattern?: RegExp): number | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const m = pattern ? pattern.exec(text) : /^\s*(\d+)/.exec(text);
    const v = m ? Number(m[1]) : NaN;
    // cgroup v1 reports "unlimited" as a huge page-aligned number.
    return Number.isFinite(v) && v > 0 && v < 2 ** 60 ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bytes this process may still allocate: the least of host free memory, the cgroup's limit less
 * its usage (v2 memory.max/memory.current, v1 memory.limit_in_bytes/usage_in_bytes), and
 * RLIMIT_AS (ulimit -v) less the address space in use. Under a container limit freemem() reports
 * the host's memory, and an allocation past the limit kills the process instead of failing.
 */
export function availableBytes(): { bytes: number; source: string } {
  let best = { bytes: freemem(), source: 'free host memory' };
  const consider = (limit: number | undefined, used: number | undefined, source: string) => {
    if (limit === undefined) return;
    const left = Math.max(0, limit - (used ?? 0));
    if (left < best.bytes) best = { bytes: left, source };
  };
  consider(readLimit('/sys/fs/cgroup/memory.max'), readLimit('/sys/fs/cgroup/memory.current'), 'the cgroup memory limit (memory.max)');
  consider(readLimit('/sys/fs/cgroup/memory/memory.limit_in_bytes'), readLimit('/sys/fs/cgroup/memory/memory.usage_in_bytes'), 'the cgroup memory limit (memory.limit_in_bytes)');
  const asLimit = readLimit('/proc/self/limits', /^Max address space\s+(\d+)/m);
  const vmKiB = readLimit('/proc/self/status', /^VmSize:\s+(\d+)/m);
  consider(asLimit, vmKiB === undefined ? undefined : vmKiB * 1024, 'the address-space limit (ulimit -v)');
  return best;
}

export function checkMemory(problem: Problem, chains: number, device: Device, draws = 0): void {
  const need = estimateBytes(problem, chains, draws);
  const { bytes: freeHost, source } = availableBytes();
  if (need.host > 0.8 * freeHost)
    throw new LangevinError('E_OOM', `the run needs about ${mib(need.host)} of host memory, ${mib(freeHost)} is available (${source}): use fewer chains${draws > 0 ? ' or draws' : ''}, or split the chains with chainOffset`);
  if (device === 'cuda') {
    const free = native().cudaInfo().freeBytes ?? 0;
    if (need.device > 0.9 * free)
      throw new LangevinError('E_OOM', `the run needs about ${mib(need.device)} of GPU memory, ${mib(free)} is free: use fewer chains or split them with chainOffset`);
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

// SPDX-License-Identifier: MIT
// Reroutes sample()'s native phases to the internal device 'simt' (the GPU runner under SIMT
// emulation, native/simt) and records the kernel family each phase ran on, so a test can run the
// same problem and seed on the CPU backend and on the emulated GPU and compare. Importing this
// module patches the addon's runPhase for the whole test process; tests using it run serially.
import { native } from '../../lib/engine/native.js';
import type { NativeModule, NativePhaseJob, NativePhaseResult } from '../../lib/engine/nativeTypes.js';
import type { parseProblem } from '../../lib/problem/index.js';
import { sample } from '../../lib/sample.js';

export type Problem = ReturnType<typeof parseProblem>;
export type Opts = Parameters<typeof sample>[1];

const mod = native() as NativeModule;
const cpuRunPhase = mod.runPhase.bind(mod);
let emulate = false;
let families: string[] = [];
mod.runPhase = (job: NativePhaseJob, onProgress?: (done: number, total: number) => void) => {
  const run = cpuRunPhase(emulate ? ({ ...job, device: 'simt' } as unknown as NativePhaseJob) : job, onProgress);
  if (!emulate) return run;
  return {
    ...run,
    promise: run.promise.then((r: NativePhaseResult) => {
      families.push(r.family ?? 'none reported');
      return r;
    }),
  };
};

/** The problem sampled on the CPU backend, then with every native phase on the emulated GPU. */
export async function both(problem: Problem, opts: Opts) {
  emulate = false;
  const cpu = await sample(problem, { ...opts, device: 'cpu' });
  emulate = true;
  families = [];
  try {
    const gpu = await sample(problem, { ...opts, device: 'cpu' });
    return { cpu, gpu, families };
  } finally {
    emulate = false;
  }
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max(1, max |a_i|): the scale a relative tolerance applies to. */
export const scale = (a: Float32Array) => Math.max(1, ...Array.from(a, Math.abs));

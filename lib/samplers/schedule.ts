// SPDX-License-Identifier: MIT
// Per-step scalars of a phase. Step k performs
//   x ← x + h_k (∇log p_{a_k,b_k}(x) + c_k Aᵀ(y − Ax)) + √(2h_k) ξ
// where p_{a,b} is the law of a·X + b·Z, X ~ prior (see native/core/gmm.h).
import { LangevinError } from '../errors.js';

export interface StepSchedule {
  readonly h: Float64Array;
  readonly a: Float64Array;
  readonly b2: Float64Array;
  readonly c: Float64Array;
}

export function scheduleLength(s: StepSchedule): number {
  return s.h.length;
}

/** n identical steps. */
export function constantSchedule(n: number, step: { h: number; a?: number; b2?: number; c?: number }): StepSchedule {
  // Check the one step, then fill: a 2·10⁶-step schedule built step by step held the event loop ~1 s.
  const one = fromFunction(1, () => step);
  return { h: new Float64Array(n).fill(one.h[0]), a: new Float64Array(n).fill(one.a[0]), b2: new Float64Array(n).fill(one.b2[0]), c: new Float64Array(n).fill(one.c[0]) };
}

/** Steps whose scalars are a function of the step index. */
export function fromFunction(n: number, f: (k: number) => { h: number; a?: number; b2?: number; c?: number }): StepSchedule {
  const s = { h: new Float64Array(n), a: new Float64Array(n), b2: new Float64Array(n), c: new Float64Array(n) };
  for (let k = 0; k < n; k++) {
    const v = f(k);
    s.h[k] = v.h;
    s.a[k] = v.a ?? 1;
    s.b2[k] = v.b2 ?? 0;
    s.c[k] = v.c ?? 0;
    if (!(v.h >= 0 && Number.isFinite(v.h)) || !(s.b2[k] >= 0) || !Number.isFinite(s.a[k] + s.b2[k] + s.c[k]) || (s.a[k] === 0 && s.b2[k] === 0))
      throw new LangevinError('E_VALUE', `schedule step ${k}: invalid scalars ${JSON.stringify(v)}`, 'schedule');
  }
  return s;
}

// SPDX-License-Identifier: MIT
// Checks of single option values, shared by sample()'s options and each sampler's own options.
// Each takes the field's name (for the error) and the value, and returns the value or throws.
import { invalid } from './errors.js';

export type Check = (field: string, v: unknown) => unknown;

/** A sampler's option checks, one per key of its options interface (the compiler keeps them in step). */
export type OptionChecks<T> = { readonly [K in keyof Required<T>]: Check };

export function integer(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid('E_VALUE', field, `an integer in [${min}, ${max}]`, v);
  return v;
}

/**
 * Positive reals the sampler hands to float32 code (step sizes, times, scales): below 1e-30 a step
 * rounds to a subnormal or 0 in float32 (the chains would not move), above 1e18 products overflow.
 */
export const POSITIVE_RANGE = { min: 1e-30, max: 1e18 } as const;

export function positive(field: string, v: unknown, max: number = POSITIVE_RANGE.max): number {
  if (typeof v !== 'number') throw invalid('E_VALUE', field, 'a number', v);
  if (!Number.isFinite(v)) throw invalid('E_NONFINITE', field, 'a finite number', v);
  if (v <= 0 || v > max) throw invalid('E_VALUE', field, `a number in (0, ${max}]`, v);
  if (v < POSITIVE_RANGE.min) throw invalid('E_VALUE', field, `a number ≥ ${POSITIVE_RANGE.min} (smaller ones are 0 or subnormal in float32)`, v);
  return v;
}

export const pos: Check = (f, v) => positive(f, v);
export const count: Check = (f, v) => integer(f, v, 0, 100_000_000);
export const finiteList: Check = (f, v) => {
  if (!Array.isArray(v) || v.length === 0) throw invalid('E_SHAPE', f, 'a non-empty array of numbers', v);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw invalid('E_NONFINITE', `${f}[${i}]`, 'a finite number', x);
    if (Math.abs(x) > POSITIVE_RANGE.max) throw invalid('E_VALUE', `${f}[${i}]`, `a number with |v| ≤ ${POSITIVE_RANGE.max} (float32)`, x);
  });
  return v;
};
export const positiveList: Check = (f, v) => {
  (finiteList(f, v) as number[]).forEach((x, i) => positive(`${f}[${i}]`, x));
  return v;
};
export const oneOf = (...names: string[]): Check => (f, v) => {
  if (!names.includes(v as string)) throw invalid('E_OPTION', f, names.map((n) => `'${n}'`).join(' | '), v);
  return v;
};
export const bool: Check = (f, v) => {
  if (typeof v !== 'boolean') throw invalid('E_VALUE', f, 'true or false', v);
  return v;
};

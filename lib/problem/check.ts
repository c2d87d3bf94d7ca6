// SPDX-License-Identifier: MIT
// Reusable checkers for raw JSON. Each takes the JSON path of the value (`field`) so every error
// names where it is and reads `field: expected X, received Y`. Arrays are validated and copied
// straight into preallocated Float64Arrays, after the size limits are checked.
import { type ErrorCode, invalid, LangevinError } from '../errors.js';
import { cholesky } from '../math/linalg.js';

/** Refuse absurd sizes before allocating: these would exhaust memory rather than fail usefully. */
export const LIMITS = { dim: 2 ** 26, components: 4096, entries: 2 ** 28 } as const;

export type JsonObject = Readonly<Record<string, unknown>>;

/** Like `invalid`, for a received value that is already described in words. */
export function invalidWords(code: ErrorCode, field: string, expected: string, received: string): LangevinError {
  return new LangevinError(code, `${field}: expected ${expected}, received ${received}`, field);
}

/** JSON path of a member: `a.b`, or `a["odd key"]`; the root is the empty path. */
export function child(field: string, key: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${field}[${JSON.stringify(key)}]`;
  return field === '' ? key : `${field}.${key}`;
}

/** JSON path of an array element: `a[3]`. */
export function at(field: string, index: number): string {
  return `${field}[${index}]`;
}

/** A plain JSON object (not an array or null). */
export function object(field: string, v: unknown): JsonObject {
  const proto = v !== null && typeof v === 'object' ? Object.getPrototypeOf(v) : undefined;
  if (Array.isArray(v) || (proto !== Object.prototype && proto !== null)) throw invalid('E_VALUE', field || 'problem', 'an object', v);
  return v as JsonObject;
}

/** Own member of an object (never something inherited such as `constructor`). */
export function member(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Reject keys outside `allowed` (catches typos such as `noisestd`) with E_OPTION. */
export function onlyKeys(field: string, obj: JsonObject, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const hint = suggest(key, allowed);
    throw new LangevinError(
      'E_OPTION',
      `${child(field, key)}: unknown key ${JSON.stringify(key)}; expected one of ${allowed.join(', ')}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`,
      child(field, key),
    );
  }
}

function suggest(key: string, allowed: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  return allowed.find((a) => a.toLowerCase() === k) ?? allowed.find((a) => editDistance(a.toLowerCase(), k) <= 2);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** One of a fixed set of strings. A wrong type is E_VALUE; an unknown name is E_OPTION. */
export function oneOf<T extends string>(field: string, v: unknown, options: readonly T[]): T {
  if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
  throw invalid(typeof v === 'string' ? 'E_OPTION' : 'E_VALUE', field, `one of ${options.map((o) => `'${o}'`).join(', ')}`, v);
}

/** A finite number: non-numbers are E_VALUE, ±Infinity (e.g. from 1e999) is E_NONFINITE. */
export function finiteNumber(field: string, v: unknown): number {
  if (typeof v !== 'number') throw invalid('E_VALUE', field, 'a finite number', v);
  if (!Number.isFinite(v)) throw invalid('E_NONFINITE', field, 'a finite number', v);
  return v;
}

export function positiveNumber(field: string, v: unknown): number {
  const x = finiteNumber(field, v);
  if (!(x > 0)) throw invalid('E_VALUE', field, 'a positive number', v);
  return x;
}

/**
 * What the float32 native code can hold. Values (means, y, matrix entries) stay below VALUE so a
 * product of two of them (squares, residuals, A·x) is still finite in float32 (max ≈ 3.4e38).
 * Variances stay in [VARIANCE_MIN, VARIANCE_MAX] so the variance, its inverse and its square root
 * are normal float32 numbers with room for the sums built from them; noise standard deviations are
 * the square roots of that range (1/η² is used).
 */
export const FLOAT32_RANGE = { value: 1e18, varianceMin: 1e-20, varianceMax: 1e20, stdMin: 1e-10, stdMax: 1e10 } as const;

/** A finite number whose magnitude float32 arithmetic can use (|v| ≤ 1e18). */
export function float32Number(field: string, v: unknown): number {
  const x = finiteNumber(field, v);
  if (Math.abs(x) > FLOAT32_RANGE.value) throw invalid('E_VALUE', field, `a number with |v| ≤ ${FLOAT32_RANGE.value} (the sampler computes in float32)`, v);
  return x;
}

/** A variance in [1e-20, 1e20]: its inverse (a precision) must be a normal float32 number too. */
export function variance(field: string, v: unknown): number {
  const x = positiveNumber(field, v);
  if (x < FLOAT32_RANGE.varianceMin || x > FLOAT32_RANGE.varianceMax)
    throw invalid('E_VALUE', field, `a variance in [${FLOAT32_RANGE.varianceMin}, ${FLOAT32_RANGE.varianceMax}] (it and its inverse must fit float32)`, v);
  return x;
}

/** A standard deviation in [1e-10, 1e10] (its square's inverse 1/σ² must fit float32). */
export function standardDeviation(field: string, v: unknown): number {
  const x = positiveNumber(field, v);
  if (x < FLOAT32_RANGE.stdMin || x > FLOAT32_RANGE.stdMax)
    throw invalid('E_VALUE', field, `a standard deviation in [${FLOAT32_RANGE.stdMin}, ${FLOAT32_RANGE.stdMax}] (1/σ² must fit float32)`, v);
  return x;
}

export function nonEmptyString(field: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw invalid('E_VALUE', field, 'a non-empty string', v);
  return v;
}

export type NumberCheck = (field: string, v: unknown) => number;

/** Refuse a count above `max` (E_VALUE) — call before allocating `count` entries. */
export function limit(field: string, count: number, max: number, what: string): void {
  if (count > max) throw invalidWords('E_VALUE', field, `at most ${max} ${what}`, `${count}`);
}

/** An array (any length when `length` is undefined) and its length. Non-arrays are E_SHAPE. */
export function array(field: string, v: unknown, length: number | undefined, expected: string): readonly unknown[] {
  if (!Array.isArray(v) || (length !== undefined && v.length !== length)) throw invalid('E_SHAPE', field, expected, v);
  return v;
}

/** `array of 1 number`, `array of 3 numbers`. */
export function numbers(n: number): string {
  return n === 1 ? 'array of 1 number' : `array of ${n} numbers`;
}

/** Check `v` is an array of exactly `length` numbers and copy them into out[offset…]. */
export function numbersInto(field: string, v: unknown, length: number, out: Float64Array, offset: number, each: NumberCheck = float32Number): void {
  const a = array(field, v, length, numbers(length));
  for (let i = 0; i < length; i++) out[offset + i] = each(at(field, i), a[i]);
}

/** An array of numbers; `length` undefined means any length ≥ 1 (up to LIMITS.entries). */
export function numberArray(field: string, v: unknown, length?: number, each: NumberCheck = float32Number): Float64Array {
  const n = length ?? array(field, v, undefined, 'non-empty array of numbers').length;
  if (n === 0) throw invalid('E_SHAPE', field, 'non-empty array of numbers', v);
  limit(field, n, LIMITS.entries, 'entries');
  const out = new Float64Array(n);
  numbersInto(field, v, n, out, 0, each);
  return out;
}

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array; // row-major [rows*cols]
}

/**
 * A rows × cols array of arrays of numbers. `rows`/`cols` undefined mean "any ≥ 1", with cols
 * taken from the first row; `maxCols` bounds that inferred width.
 */
export function matrix(field: string, v: unknown, rows?: number, cols?: number, each: NumberCheck = float32Number, maxCols = LIMITS.dim): Matrix {
  const what = (r?: number) => `${r === undefined ? 'non-empty array' : `array of ${r}`} rows${cols === undefined ? '' : ` of ${cols} numbers`}`;
  const a = array(field, v, rows, what(rows));
  if (a.length === 0) throw invalid('E_SHAPE', field, what(rows), v);
  const c = cols ?? array(at(field, 0), a[0], undefined, 'non-empty array of numbers').length;
  if (c === 0) throw invalid('E_SHAPE', at(field, 0), 'non-empty array of numbers', a[0]);
  limit(at(field, 0), c, maxCols, 'entries per row');
  limit(field, a.length * c, LIMITS.entries, 'entries in all');
  const data = new Float64Array(a.length * c);
  for (let i = 0; i < a.length; i++) numbersInto(at(field, i), a[i], c, data, i * c, each);
  return { rows: a.length, cols: c, data };
}

/**
 * Check the n×n matrix at a[offset…] is symmetric (relative 1e-9) and positive definite, and make
 * it exactly symmetric so downstream factorisations see one matrix whichever triangle they read.
 */
export function symmetricPositiveDefinite(field: string, a: Float64Array, offset: number, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const x = a[offset + i * n + j];
      const y = a[offset + j * n + i];
      const scale = Math.max(Math.abs(x), Math.abs(y), Math.sqrt(Math.abs(a[offset + i * n + i] * a[offset + j * n + j])));
      if (Math.abs(x - y) > 1e-9 * scale) {
        throw invalidWords('E_VALUE', field, 'a symmetric matrix', `entries [${i}][${j}] = ${x} and [${j}][${i}] = ${y}`);
      }
      a[offset + i * n + j] = a[offset + j * n + i] = 0.5 * (x + y);
    }
  }
  let l: Float64Array;
  try {
    l = cholesky(a.subarray(offset, offset + n * n), n, field);
  } catch (err) {
    throw notPositiveDefinite(field, 'factorisation fails', err);
  }
  // A pivot at rounding level of its diagonal entry means singular in floating point.
  for (let j = 0; j < n; j++) {
    const pivot = l[j * n + j] ** 2;
    if (!(pivot > n * Number.EPSILON * a[offset + j * n + j])) throw notPositiveDefinite(field, `pivot ${j} is ${pivot}, numerically zero`);
    // The pivots are the conditional variances: each must be a variance float32 can invert.
    if (pivot < FLOAT32_RANGE.varianceMin || pivot > FLOAT32_RANGE.varianceMax)
      throw invalidWords('E_VALUE', field, `a covariance whose conditional variances (Cholesky pivots) lie in [${FLOAT32_RANGE.varianceMin}, ${FLOAT32_RANGE.varianceMax}] (float32)`, `pivot ${j} = ${pivot}`);
  }
}

function notPositiveDefinite(field: string, detail: string, cause?: unknown): LangevinError {
  const message = `${field}: expected a positive-definite matrix, received a matrix that is not positive definite (Cholesky ${detail})`;
  return new LangevinError('E_VALUE', message, field, cause === undefined ? undefined : { cause });
}

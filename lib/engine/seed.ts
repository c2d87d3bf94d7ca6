// SPDX-License-Identifier: MIT
import { invalid } from '../errors.js';

/** A seed as the 64-bit key of the counter-based generator. Accepts safe integers ≥ 0 and bigints < 2^64. */
export function toSeed(seed: number | bigint | undefined, field = 'seed'): bigint {
  if (seed === undefined) return 0n;
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= 1n << 64n) throw invalid('E_VALUE', field, 'an integer in [0, 2^64)', seed);
    return seed;
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0)
    throw invalid('E_VALUE', field, 'a non-negative safe integer or bigint', seed);
  return BigInt(seed);
}

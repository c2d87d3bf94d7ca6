// SPDX-License-Identifier: MIT
// Commander option parsers that fail with a typed error naming the flag.
import { invalid } from '../errors.js';

export function intOption(flag: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim())) throw invalid('E_OPTION', flag, 'a non-negative integer', v);
    return Number(v);
  };
}

export function numberOption(flag: string) {
  return (v: string): number => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x)) throw invalid('E_OPTION', flag, 'a finite number', v);
    return x;
  };
}

export function seedOption(v: string): number | bigint {
  if (!/^\d+$/.test(v.trim())) throw invalid('E_OPTION', '--seed', 'a non-negative integer', v);
  const b = BigInt(v);
  return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

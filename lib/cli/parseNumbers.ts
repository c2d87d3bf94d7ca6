// SPDX-License-Identifier: MIT
// Commander option parsers that fail with a typed error naming the flag.
import { invalid, LangevinError } from '../errors.js';
import { resolveOptions, type SamplerName } from '../options.js';

export function intOption(flag: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim())) throw invalid('E_OPTION', flag, 'a non-negative integer', v);
    return Number(v);
  };
}

/** An integer in [min, max], refused at parse time naming the flag (e.g. `--components 0`). */
export function boundedIntOption(flag: string, min: number, max: number) {
  return (v: string): number => {
    const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!(n >= min && n <= max)) throw invalid('E_OPTION', flag, `an integer in [${min}, ${max}]`, v);
    return n;
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

/** Accumulates --set key=value pairs; values parse as JSON (numbers, arrays, booleans) or stay strings. */
export function collectSetting(v: string, acc: Record<string, unknown>): Record<string, unknown> {
  const eq = v.indexOf('=');
  if (eq <= 0) throw invalid('E_OPTION', '--set', 'key=value', v);
  const key = v.slice(0, eq).trim();
  const text = v.slice(eq + 1).trim();
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // a bare string such as schedule=cosine
  }
  return { ...acc, [key]: value };
}

/** Checks --set settings as options.<sampler> before any work; errors name `--set <sampler>.<key>`. */
export function checkSettings(sampler: SamplerName, set: Record<string, unknown>): void {
  if (Object.keys(set).length === 0) return;
  try {
    resolveOptions({ sampler, [sampler]: set });
  } catch (err) {
    if (!(err instanceof LangevinError) || !err.field?.startsWith(`options.${sampler}.`)) throw err;
    const message = err.message.replaceAll(`options.${sampler}.`, `--set ${sampler}.`);
    throw new LangevinError(err.code, message, err.field.slice('options.'.length), { cause: err });
  }
}

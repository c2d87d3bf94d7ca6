// SPDX-License-Identifier: MIT
// likelihood.operator → Operator. One entry per operator type in OPERATORS: adding 'blur' means
// writing its parser, adding it there, and removing it from NOT_YET.
import { invalid, LangevinError } from '../errors.js';
import type { Operator } from '../types.js';
import { array, at, child, invalidWords, type JsonObject, matrix, member, object, onlyKeys } from './check.js';

interface OperatorParser {
  /** Keys allowed besides 'type'. */
  readonly keys: readonly string[];
  readonly parse: (field: string, obj: JsonObject, dim: number) => Operator;
}

const OPERATORS: Readonly<Record<string, OperatorParser>> = {
  identity: { keys: [], parse: (_field, _obj, dim) => ({ type: 'identity', dim }) },
  mask: { keys: ['mask'], parse: parseMask },
  dense: { keys: ['matrix'], parse: parseDense },
};

/** Part of the file format (DESIGN.md) but not implemented yet. */
const NOT_YET = ['blur', 'downsample', 'fourier'];

/** Parse an operator acting on R^dim. */
export function parseOperator(field: string, raw: unknown, dim: number): Operator {
  const obj = object(field, raw);
  const tField = child(field, 'type');
  const type = member(obj, 'type');
  if (typeof type === 'string' && NOT_YET.includes(type)) {
    throw new LangevinError('E_OPTION', `${tField}: operator type '${type}' is not supported yet`, tField);
  }
  const parser = typeof type === 'string' && Object.hasOwn(OPERATORS, type) ? OPERATORS[type] : undefined;
  if (parser === undefined) {
    const names = Object.keys(OPERATORS).map((t) => `'${t}'`).join(', ');
    throw invalid(typeof type === 'string' ? 'E_OPTION' : 'E_VALUE', tField, `one of ${names}`, type);
  }
  onlyKeys(field, obj, ['type', ...parser.keys]);
  return parser.parse(field, obj, dim);
}

/** mask: d entries, each 0 or 1, at least one 1; keeps the entries at the ones, in order. */
function parseMask(field: string, obj: JsonObject, dim: number): Operator {
  const mField = child(field, 'mask');
  const mask = array(mField, member(obj, 'mask'), dim, `array of ${dim} zeros and ones`);
  const kept: number[] = [];
  mask.forEach((v, i) => {
    if (v !== 0 && v !== 1) throw invalid('E_VALUE', at(mField, i), '0 or 1', v);
    if (v === 1) kept.push(i);
  });
  if (kept.length === 0) throw invalidWords('E_VALUE', mField, 'at least one 1', 'all zeros');
  return { type: 'mask', dim, indices: Int32Array.from(kept) };
}

/** dense: an m × d matrix, m ≥ 1. */
function parseDense(field: string, obj: JsonObject, dim: number): Operator {
  const m = matrix(child(field, 'matrix'), member(obj, 'matrix'), undefined, dim);
  return { type: 'dense', rows: m.rows, cols: m.cols, matrix: m.data };
}

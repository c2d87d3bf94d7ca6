// SPDX-License-Identifier: MIT
// likelihood.operator → Operator. One entry per operator type in OPERATORS: adding a type means
// writing its parser and adding it there. Images are x = [C][H][W] flattened channel-major; the
// conventions of each operator are documented on the Operator type (lib/types.ts).
import { invalid, LangevinError } from '../errors.js';
import { flattenCompose, type ImageShape, type Operator, operatorRows } from '../types.js';
import { array, at, child, invalidWords, type JsonObject, LIMITS, limit, matrix, member, object, onlyKeys } from './check.js';

interface OperatorParser {
  /** Keys allowed besides 'type'. */
  readonly keys: readonly string[];
  readonly parse: (field: string, obj: JsonObject, dim: number) => Operator;
}

const OPERATORS: Readonly<Record<string, OperatorParser>> = {
  identity: { keys: [], parse: (_field, _obj, dim) => ({ type: 'identity', dim }) },
  mask: { keys: ['mask'], parse: parseMask },
  dense: { keys: ['matrix'], parse: parseDense },
  blur: { keys: ['kernel', 'shape'], parse: parseBlur },
  downsample: { keys: ['factor', 'shape'], parse: parseDownsample },
  fourier: { keys: ['samples', 'shape'], parse: parseFourier },
  compose: { keys: ['operators'], parse: parseCompose },
};

/** Part of the file format (README, "Problem file") but not implemented yet. */
const NOT_YET: string[] = [];

/** Image limits: H·W per channel (the native FFT tables index with int32), kernel taps, composed stages. */
export const IMAGE_LIMITS = { pixels: 2 ** 22, kernelTaps: 2 ** 20, stages: 8 } as const;

/** Nesting depth of `compose` accepted (parsing recurses; deeper files would overflow the stack). */
export const MAX_COMPOSE_DEPTH = 64;
let composeDepth = 0;

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

export function positiveInteger(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalid('E_VALUE', field, 'a positive integer', v);
  return v;
}

/** shape: [H, W] or [C, H, W] positive integers with C·H·W = dim (when dim is given). */
export function parseShape(field: string, raw: unknown, dim?: number): ImageShape {
  const a = array(field, raw, undefined, 'array [H, W] or [C, H, W]');
  if (a.length !== 2 && a.length !== 3) throw invalid('E_SHAPE', field, 'array [H, W] or [C, H, W]', raw);
  const n = a.map((v, i) => positiveInteger(at(field, i), v));
  const [channels, height, width] = n.length === 2 ? [1, n[0], n[1]] : n;
  limit(field, height * width, IMAGE_LIMITS.pixels, 'pixels per channel (H·W)');
  if (dim !== undefined && channels * height * width !== dim) {
    throw invalidWords('E_SHAPE', field, `an image shape with C·H·W = ${dim} (the operator's input dimension)`, `[${n.join(', ')}] (${channels * height * width} entries)`);
  }
  return { channels, height, width };
}

/**
 * A `Kernel` ({ height, width, data }, as gaussianKernel() returns it) as its rows, so one can be
 * passed wherever a blur kernel is expected; anything else is returned as is for matrix() to check.
 */
function kernelRowsOf(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const { height, width, data } = v as { height?: unknown; width?: unknown; data?: unknown };
  if (!Number.isInteger(height) || !Number.isInteger(width) || !(Array.isArray(data) || ArrayBuffer.isView(data))) return v;
  const d = data as ArrayLike<number>, h = height as number, w = width as number;
  if (h < 1 || w < 1 || d.length !== h * w || h * w > IMAGE_LIMITS.kernelTaps) return v;
  return Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => d[i * w + j]));
}

/** blur: kernel (kh × kw finite numbers, or a Kernel object; any sign, circular boundary), shape of the image. */
function parseBlur(field: string, obj: JsonObject, dim: number): Operator {
  const shape = parseShape(child(field, 'shape'), member(obj, 'shape'), dim);
  const kField = child(field, 'kernel');
  const k = matrix(kField, kernelRowsOf(member(obj, 'kernel')), undefined, undefined, undefined, IMAGE_LIMITS.kernelTaps);
  limit(kField, k.rows * k.cols, IMAGE_LIMITS.kernelTaps, 'kernel taps');
  return { type: 'blur', shape, kernel: k.data, kernelHeight: k.rows, kernelWidth: k.cols };
}

/** downsample: average pooling by an integer factor that divides H and W. */
function parseDownsample(field: string, obj: JsonObject, dim: number): Operator {
  const shape = parseShape(child(field, 'shape'), member(obj, 'shape'), dim);
  const fField = child(field, 'factor');
  const factor = positiveInteger(fField, member(obj, 'factor'));
  if (shape.height % factor !== 0 || shape.width % factor !== 0) {
    throw invalidWords('E_VALUE', fField, `a factor dividing H = ${shape.height} and W = ${shape.width}`, `${factor}`);
  }
  return { type: 'downsample', shape, factor };
}

/**
 * fourier: samples are flat frequency indices u·W + v in [0, H·W): one list shared by every
 * channel, or one list per channel (an array of C arrays). Distinct within a channel, ≥ 1 in all.
 * y holds [Re, Im] per sample, channel by channel, each channel's samples in listed order.
 */
function parseFourier(field: string, obj: JsonObject, dim: number): Operator {
  const shape = parseShape(child(field, 'shape'), member(obj, 'shape'), dim);
  const { channels: C, height: H, width: W } = shape;
  const HW = H * W;
  const sField = child(field, 'samples');
  const raw = member(obj, 'samples');
  const expected = `array of distinct integers in [0, ${HW}) (u·W + v), or ${C === 1 ? 'an array of 1 such array' : `an array of ${C} such arrays`} (one per channel)`;
  const a = array(sField, raw, undefined, expected);
  const perChannel = a.length > 0 && Array.isArray(a[0]);
  if (perChannel && a.length !== C) throw invalid('E_SHAPE', sField, expected, raw);
  const lists = perChannel ? a.map((l, c) => ({ field: at(sField, c), list: array(at(sField, c), l, undefined, expected) })) : [{ field: sField, list: a }];
  const total = lists.reduce((n, l) => n + l.list.length, 0) * (perChannel ? 1 : C);
  if (total === 0) throw invalidWords('E_VALUE', sField, 'at least one sample', 'none');
  limit(sField, total, LIMITS.entries / 2, 'samples');
  const checked = lists.map(({ field: f, list }) => {
    const seen = new Set<number>();
    return list.map((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= HW) throw invalid('E_VALUE', at(f, i), `an integer in [0, ${HW})`, v);
      if (seen.has(v)) throw invalidWords('E_VALUE', at(f, i), 'distinct samples', `${v} twice`);
      seen.add(v);
      return v;
    });
  });
  const samples = new Int32Array(total);
  let s = 0;
  for (let c = 0; c < C; c++) for (const v of checked[perChannel ? c : 0]) samples[s++] = c * HW + v;
  return { type: 'fourier', shape, samples };
}

/** compose: operators applied in the listed order (A = A_n ∘ … ∘ A_1); nested compositions flatten. */
function parseCompose(field: string, obj: JsonObject, dim: number): Operator {
  const oField = child(field, 'operators');
  const list = array(oField, member(obj, 'operators'), undefined, 'non-empty array of operators');
  if (list.length === 0) throw invalid('E_SHAPE', oField, 'non-empty array of operators', list);
  if (composeDepth >= MAX_COMPOSE_DEPTH) throw invalidWords('E_VALUE', field, `compositions nested at most ${MAX_COMPOSE_DEPTH} deep`, 'a deeper nesting');
  const operators: Operator[] = [];
  let d = dim;
  composeDepth++;
  try {
    list.forEach((raw, i) => {
      const op = parseOperator(at(oField, i), raw, d);
      operators.push(op);
      d = operatorRows(op);
    });
  } finally {
    composeDepth--;
  }
  const stages = operators.flatMap(flattenCompose).length;
  if (stages > IMAGE_LIMITS.stages) throw invalidWords('E_VALUE', oField, `at most ${IMAGE_LIMITS.stages} operators (nested compositions count their parts)`, `${stages}`);
  return { type: 'compose', operators };
}

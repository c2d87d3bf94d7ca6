// SPDX-License-Identifier: MIT
// likelihood → Likelihood: operator, observation y (inline or from a .npy file) and noise level.
import { type FileAccess, referencedPath } from '../io/files.js';
import { invalid, LangevinError } from '../errors.js';
import { readObservationImage } from '../imaging/formats/observationImage.js';
import { readNpyFile } from '../io/npy.js';
import { type Likelihood, operatorRows } from '../types.js';
import { child, invalidWords, member, nonEmptyString, numberArray, numbers, object, onlyKeys, FLOAT32_RANGE, standardDeviation } from './check.js';
import { parseOperator } from './parseOperator.js';

/** Parse a likelihood for x ∈ R^dim; relative .npy paths resolve against baseDir. */
export function parseLikelihood(raw: unknown, dim: number, access: FileAccess | string, field = 'likelihood'): Likelihood {
  const obj = object(field, raw);
  onlyKeys(field, obj, ['operator', 'y', 'noiseStd']);
  const operator = parseOperator(child(field, 'operator'), member(obj, 'operator'), dim);
  const y = parseObservation(child(field, 'y'), member(obj, 'y'), operatorRows(operator), typeof access === 'string' ? { baseDir: access } : access);
  const noiseStd = standardDeviation(child(field, 'noiseStd'), member(obj, 'noiseStd'));
  return { operator, y, noiseStd };
}

/** y: { image: path, slice?, axis?, scale? }: an image file's pixels (lib/imaging/formats/observationImage.ts). */
function imageObservation(field: string, obj: Record<string, unknown>, m: number, access: FileAccess): Float64Array {
  onlyKeys(field, obj, ['image', 'slice', 'axis', 'scale']);
  const iField = child(field, 'image');
  const path = referencedPath(access, nonEmptyString(iField, member(obj, 'image')), iField);
  const { data, height, width } = readObservationImage(path, { slice: member(obj, 'slice') as number | undefined, axis: member(obj, 'axis') as 'z' | undefined, scale: member(obj, 'scale') as number | undefined }, iField, field);
  if (data.length !== m) throw invalidWords('E_SHAPE', iField, `an image of ${m} pixels (the operator's output)`, `${height}×${width} in ${path}`);
  return checkedValues(iField, data, path);
}

/** y: m finite numbers, { npy: path } holding m finite numbers in any shape, or { image: path } (above). */
function parseObservation(field: string, raw: unknown, m: number, access: FileAccess): Float64Array {
  if (Array.isArray(raw)) return numberArray(field, raw, m);
  if (raw === null || typeof raw !== 'object') throw invalid('E_SHAPE', field, `${numbers(m)} or {"npy": path}`, raw);
  const obj = object(field, raw);
  if (Object.hasOwn(obj, 'image')) return imageObservation(field, obj, m, access);
  onlyKeys(field, obj, ['npy']);
  const pField = child(field, 'npy');
  const path = referencedPath(access, nonEmptyString(pField, member(obj, 'npy')), pField);
  let data: Float64Array;
  let shape: number[];
  try {
    ({ data, shape } = readNpyFile(path, { float64: true }));
  } catch (err) {
    // Re-attribute file errors to the JSON field that named the file.
    const msg = err instanceof Error ? err.message : String(err);
    throw new LangevinError(err instanceof LangevinError ? err.code : 'E_FILE', `${pField}: ${msg}`, pField, { cause: err });
  }
  if (data.length !== m) throw invalidWords('E_SHAPE', pField, `an ${numbers(m)} (any shape)`, `shape [${shape.join(', ')}] in ${path}`);
  return checkedValues(pField, data, path);
}

/** Observations read from a file: finite and within float32, the offending index named. */
function checkedValues(field: string, data: Float64Array, path: string): Float64Array {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw invalidWords('E_NONFINITE', field, 'finite numbers', `${data[i]} at flat index ${i} of ${path}`);
    if (Math.abs(data[i]) > FLOAT32_RANGE.value) throw invalidWords('E_VALUE', field, `numbers with |v| ≤ ${FLOAT32_RANGE.value} (float32)`, `${data[i]} at flat index ${i} of ${path}`);
  }
  return data;
}

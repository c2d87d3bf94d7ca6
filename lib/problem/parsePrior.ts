// SPDX-License-Identifier: MIT
// prior → Prior. A 'gaussian' prior is read as a one-component mixture, so everything downstream
// handles a single GMM form; image priors ('patch-gmm') and learned score models ('onnx') are
// parsed here too (the model file is checked to exist; it is loaded when sampling starts).
import { existsSync } from 'node:fs';
import { type FileAccess, referencedPath } from '../io/files.js';
import { invalid, LangevinError } from '../errors.js';
import type { CovarianceKind, GmmPrior, OnnxModelSpec, PatchGmmPrior, Prior, ScorePrior } from '../types.js';
import { imageSize } from '../types.js';
import {
  array, at, child, invalidWords, type JsonObject, limit, LIMITS, matrix, member, nonEmptyString, numberArray, object, oneOf, onlyKeys, positiveNumber,
  symmetricPositiveDefinite, variance, finiteNumber, FLOAT32_RANGE,
} from './check.js';

/** A full covariance entry: finite, |v| ≤ the largest variance float32 is given. */
function covarianceEntry(field: string, v: unknown): number {
  const x = finiteNumber(field, v);
  if (Math.abs(x) > FLOAT32_RANGE.varianceMax) throw invalid('E_VALUE', field, `a number with |v| ≤ ${FLOAT32_RANGE.varianceMax} (float32)`, v);
  return x;
}
import { parseShape, positiveInteger } from './parseOperator.js';

const PRIOR_KEYS = { gmm: ['type', 'weights', 'means', 'covariance'], gaussian: ['type', 'mean', 'covariance'] } as const;
const COVARIANCE_KEY = { isotropic: 'variances', diagonal: 'variances', full: 'matrices' } as const;
const PRIOR_TYPES = ['gmm', 'gaussian', 'patch-gmm', 'onnx'] as const;

/** Native limits of the patch prior (native/addon/marshal.cc). */
export const PATCH_LIMITS = { size: 32, stride: 32, channels: 64 } as const;

/** Any prior; relative model paths resolve against access.baseDir (a string: that directory). */
export function parsePrior(raw: unknown, field = 'prior', access: FileAccess | string = process.cwd()): Prior {
  const obj = object(field, raw);
  const type = oneOf(child(field, 'type'), member(obj, 'type'), PRIOR_TYPES);
  if (type === 'patch-gmm') return parsePatchPrior(field, obj);
  if (type === 'onnx') return parseOnnxPrior(field, obj, typeof access === 'string' ? { baseDir: access } : access);
  return parseGmmPrior(raw, field);
}

/**
 * patch-gmm: { shape: [H, W] | [C, H, W], patch: k, stride?: s (default 1, s ≤ k so every pixel is
 * covered), gmm: a 'gmm' or 'gaussian' prior on R^{k²} } — what `langevin fit-prior` writes.
 */
function parsePatchPrior(field: string, obj: JsonObject): PatchGmmPrior {
  onlyKeys(field, obj, ['type', 'shape', 'patch', 'stride', 'gmm']);
  const shape = parseShape(child(field, 'shape'), member(obj, 'shape'));
  limit(child(field, 'shape'), shape.channels, PATCH_LIMITS.channels, 'channels');
  limit(child(field, 'shape'), imageSize(shape), LIMITS.dim, 'entries per chain (C·H·W)');
  const kField = child(field, 'patch');
  const k = positiveInteger(kField, member(obj, 'patch'));
  if (k > PATCH_LIMITS.size || k > shape.height || k > shape.width)
    throw invalid('E_VALUE', kField, `a patch side ≤ min(${PATCH_LIMITS.size}, H, W) = ${Math.min(PATCH_LIMITS.size, shape.height, shape.width)}`, k);
  const sField = child(field, 'stride');
  const stride = member(obj, 'stride') === undefined ? 1 : positiveInteger(sField, member(obj, 'stride'));
  if (stride > k) throw invalid('E_VALUE', sField, `a stride ≤ the patch side ${k} (larger strides leave pixels without a prior)`, stride);
  const gField = child(field, 'gmm');
  const gmm = parseGmmPrior(member(obj, 'gmm'), gField);
  if (gmm.dim !== k * k) throw invalid('E_SHAPE', gField, `a GMM on R^${k * k} (patch ${k}×${k})`, `a GMM on R^${gmm.dim}`);
  return { kind: 'patch-gmm', dim: imageSize(shape), shape, patchSize: k, stride, gmm };
}

/**
 * onnx: { model: path, shape: [d] | [C, H, W] | …, output: 'score' | 'denoiser',
 *   scale: { minVariance, maxVariance, meanSquare }, names?: { x, sigma, output }, minSigma?, batch? }.
 */
function parseOnnxPrior(field: string, obj: JsonObject, access: FileAccess): ScorePrior {
  onlyKeys(field, obj, ['type', 'model', 'shape', 'output', 'scale', 'names', 'minSigma', 'batch']);
  const mField = child(field, 'model');
  const path = referencedPath(access, nonEmptyString(mField, member(obj, 'model')), mField);
  if (!existsSync(path)) throw new LangevinError('E_FILE', `${mField}: model file ${path} does not exist`, mField);
  const shField = child(field, 'shape');
  const rawShape = array(shField, member(obj, 'shape'), undefined, 'array of 1 to 4 positive integers');
  if (rawShape.length < 1 || rawShape.length > 4) throw invalid('E_SHAPE', shField, 'array of 1 to 4 positive integers', rawShape);
  const inputShape = rawShape.map((v, i) => positiveInteger(at(shField, i), v));
  const dim = inputShape.reduce((a, b) => a * b, 1);
  limit(shField, dim, LIMITS.dim, 'entries per chain');
  const output = oneOf(child(field, 'output'), member(obj, 'output'), ['score', 'denoiser'] as const);
  const scField = child(field, 'scale');
  const sc = object(scField, member(obj, 'scale'));
  onlyKeys(scField, sc, ['minVariance', 'maxVariance', 'meanSquare']);
  const minVariance = variance(child(scField, 'minVariance'), member(sc, 'minVariance'));
  const maxVariance = variance(child(scField, 'maxVariance'), member(sc, 'maxVariance'));
  if (maxVariance < minVariance) throw invalid('E_VALUE', child(scField, 'maxVariance'), `a number ≥ minVariance = ${minVariance}`, maxVariance);
  const meanSquare = variance(child(scField, 'meanSquare'), member(sc, 'meanSquare'));
  const spec: { -readonly [K in keyof OnnxModelSpec]: OnnxModelSpec[K] } = { type: 'onnx', path, output, inputShape };
  if (member(obj, 'names') !== undefined) {
    const nField = child(field, 'names');
    const names = object(nField, member(obj, 'names'));
    onlyKeys(nField, names, ['x', 'sigma', 'output']);
    if (member(names, 'x') !== undefined) spec.xName = nonEmptyString(child(nField, 'x'), member(names, 'x'));
    if (member(names, 'sigma') !== undefined) spec.sigmaName = nonEmptyString(child(nField, 'sigma'), member(names, 'sigma'));
    if (member(names, 'output') !== undefined) spec.outputName = nonEmptyString(child(nField, 'output'), member(names, 'output'));
  }
  if (member(obj, 'minSigma') !== undefined) spec.minSigma = positiveNumber(child(field, 'minSigma'), member(obj, 'minSigma'));
  if (member(obj, 'batch') !== undefined) spec.batch = positiveInteger(child(field, 'batch'), member(obj, 'batch'));
  return { kind: 'score', dim, model: spec, scale: { minVariance, maxVariance, meanSquare } };
}

/** A 'gmm' or 'gaussian' prior object. */
export function parseGmmPrior(raw: unknown, field = 'prior'): GmmPrior {
  const obj = object(field, raw);
  const type = oneOf(child(field, 'type'), member(obj, 'type'), ['gmm', 'gaussian'] as const);
  onlyKeys(field, obj, PRIOR_KEYS[type]);

  let weights: Float64Array;
  let means: Float64Array;
  let dim: number;
  if (type === 'gmm') {
    const wField = child(field, 'weights');
    const rawWeights = array(wField, member(obj, 'weights'), undefined, 'non-empty array of positive numbers');
    limit(wField, rawWeights.length, LIMITS.components, 'components');
    weights = normalise(numberArray(wField, rawWeights, undefined, positiveNumber));
    // float32 log-weights: a weight below 1e-30 of the total is zero there (and a component never drawn).
    weights.forEach((w, k) => {
      if (w < 1e-30) throw invalidWords('E_VALUE', at(wField, k), 'a weight ≥ 1e-30 × the sum of the weights (float32)', `${rawWeights[k]}`);
    });
    const m = matrix(child(field, 'means'), member(obj, 'means'), weights.length);
    means = m.data;
    dim = m.cols;
  } else {
    weights = Float64Array.of(1);
    const mField = child(field, 'mean');
    const rawMean = array(mField, member(obj, 'mean'), undefined, 'non-empty array of numbers');
    limit(mField, rawMean.length, LIMITS.dim, 'entries');
    means = numberArray(mField, rawMean);
    dim = means.length;
  }
  const { kind, cov } = parseCovariance(child(field, 'covariance'), member(obj, 'covariance'), weights.length, dim);
  return { kind, dim, components: weights.length, weights, means, cov };
}

/** Scale positive weights to sum 1; dividing by the largest first keeps huge weights from overflowing. */
function normalise(w: Float64Array): Float64Array {
  const max = w.reduce((a, b) => Math.max(a, b), 0);
  let sum = 0;
  for (let k = 0; k < w.length; k++) sum += (w[k] /= max);
  for (let k = 0; k < w.length; k++) w[k] /= sum;
  return w;
}

/** covariance: { type, variances | matrices } for K components in R^d. */
export function parseCovariance(field: string, raw: unknown, K: number, d: number): { kind: CovarianceKind; cov: Float64Array } {
  const obj = object(field, raw);
  const kind = oneOf(child(field, 'type'), member(obj, 'type'), ['isotropic', 'diagonal', 'full'] as const);
  const key = COVARIANCE_KEY[kind];
  onlyKeys(field, obj, ['type', key]);
  const vField = child(field, key);
  const v = member(obj, key);
  switch (kind) {
    case 'isotropic':
      return { kind, cov: numberArray(vField, v, K, variance) };
    case 'diagonal':
      return { kind, cov: matrix(vField, v, K, d, variance).data };
    case 'full': {
      limit(vField, K * d * d, LIMITS.entries, 'covariance entries in all');
      const outer = array(vField, v, K, `array of ${K} ${d}×${d} matrices`);
      const cov = new Float64Array(K * d * d);
      for (let k = 0; k < K; k++) {
        const mField = at(vField, k);
        cov.set(matrix(mField, outer[k], d, d, covarianceEntry).data, k * d * d);
        symmetricPositiveDefinite(mField, cov, k * d * d, d);
      }
      return { kind, cov };
    }
  }
}

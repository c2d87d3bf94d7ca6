// SPDX-License-Identifier: MIT
// prior → GmmPrior. A 'gaussian' prior is read as a one-component mixture, so everything
// downstream handles a single form.
import type { CovarianceKind, GmmPrior } from '../types.js';
import {
  array, at, child, limit, LIMITS, matrix, member, numberArray, object, oneOf, onlyKeys, positiveNumber, symmetricPositiveDefinite,
} from './check.js';

const PRIOR_KEYS = { gmm: ['type', 'weights', 'means', 'covariance'], gaussian: ['type', 'mean', 'covariance'] } as const;
const COVARIANCE_KEY = { isotropic: 'variances', diagonal: 'variances', full: 'matrices' } as const;

export function parsePrior(raw: unknown, field = 'prior'): GmmPrior {
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
      return { kind, cov: numberArray(vField, v, K, positiveNumber) };
    case 'diagonal':
      return { kind, cov: matrix(vField, v, K, d, positiveNumber).data };
    case 'full': {
      limit(vField, K * d * d, LIMITS.entries, 'covariance entries in all');
      const outer = array(vField, v, K, `array of ${K} ${d}×${d} matrices`);
      const cov = new Float64Array(K * d * d);
      for (let k = 0; k < K; k++) {
        const mField = at(vField, k);
        cov.set(matrix(mField, outer[k], d, d).data, k * d * d);
        symmetricPositiveDefinite(mField, cov, k * d * d, d);
      }
      return { kind, cov };
    }
  }
}

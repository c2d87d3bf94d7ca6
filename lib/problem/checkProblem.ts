// SPDX-License-Identifier: MIT
// sample() accepts any object typed as a Problem. Those from parseProblem are branded and trusted;
// anything else (null, {}, a path string, raw JSON, a hand-built object) is checked here with the
// same ranges as the parser, so bad input is a LangevinError naming the field, never a TypeError
// or a native failure.
import { invalid } from '../errors.js';
import type { GmmPrior, ImageShape, Likelihood, Operator, Prior, Problem } from '../types.js';
import { imageSize, operatorCols, operatorRows } from '../types.js';
import { float32Number, invalidWords, LIMITS, standardDeviation, symmetricPositiveDefinite, variance } from './check.js';
import { isParsedProblem } from './parseProblem.js';
import { IMAGE_LIMITS, MAX_COMPOSE_DEPTH } from './parseOperator.js';
import { PATCH_LIMITS } from './parsePrior.js';

/** The problem if it is valid; a LangevinError naming the field otherwise. */
export function checkProblem(problem: unknown): Problem {
  if (isParsedProblem(problem)) return problem;
  if (typeof problem === 'string')
    throw invalid('E_VALUE', 'problem', 'a Problem object (use loadProblem(path) for a file, parseProblem(json) for raw JSON)', problem);
  const p = record('problem', problem);
  if ('type' in p || !('prior' in p)) throw invalidWords('E_VALUE', 'problem', 'a Problem { prior, likelihood? } (raw JSON goes through parseProblem first)', 'another object');
  const rawPrior = p.prior as Record<string, unknown> | null;
  if (typeof rawPrior === 'string' || (rawPrior !== null && typeof rawPrior === 'object' && 'type' in rawPrior && !('kind' in rawPrior)))
    throw invalidWords('E_VALUE', 'problem', 'a parsed Problem', 'raw problem-file JSON (pass it through parseProblem first)');
  const prior = checkPrior('prior', p.prior);
  if (p.likelihood === undefined) return problem as Problem;
  checkLikelihood('likelihood', p.likelihood, prior.dim);
  return problem as Problem;
}

function record(field: string, v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid('E_VALUE', field, 'an object', v);
  return v as Record<string, unknown>;
}

function count(field: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw invalid('E_VALUE', field, `an integer in [1, ${max}]`, v);
  return v;
}

function floats(field: string, v: unknown, length: number): ArrayLike<number> {
  if (!(v instanceof Float64Array || v instanceof Float32Array) || v.length !== length)
    throw invalid('E_SHAPE', field, `a Float64Array of length ${length}`, v);
  return v;
}

function checkPrior(field: string, raw: unknown): Prior {
  const p = record(field, raw);
  switch (p.kind) {
    case 'isotropic':
    case 'diagonal':
    case 'full':
      checkGmm(field, p);
      break;
    case 'patch-gmm': {
      const shape = checkShape(`${field}.shape`, p.shape);
      const k = count(`${field}.patchSize`, p.patchSize, Math.min(PATCH_LIMITS.size, shape.height, shape.width));
      count(`${field}.stride`, p.stride, k);
      if (p.dim !== imageSize(shape)) throw invalid('E_SHAPE', `${field}.dim`, `C·H·W = ${imageSize(shape)}`, p.dim);
      const g = checkGmm(`${field}.gmm`, record(`${field}.gmm`, p.gmm));
      if (g.dim !== k * k) throw invalid('E_SHAPE', `${field}.gmm.dim`, `${k * k} (patch ${k}×${k})`, g.dim);
      break;
    }
    case 'score': {
      count(`${field}.dim`, p.dim, LIMITS.dim);
      const model = record(`${field}.model`, p.model);
      if (typeof model.score !== 'function' && model.type !== 'onnx') throw invalid('E_VALUE', `${field}.model`, 'a ScoreModel with score() or an ONNX model spec', model);
      const s = record(`${field}.scale`, p.scale);
      const lo = variance(`${field}.scale.minVariance`, s.minVariance);
      const hi = variance(`${field}.scale.maxVariance`, s.maxVariance);
      if (hi < lo) throw invalid('E_VALUE', `${field}.scale.maxVariance`, `a number ≥ minVariance = ${lo}`, hi);
      variance(`${field}.scale.meanSquare`, s.meanSquare);
      break;
    }
    default:
      throw invalid('E_VALUE', `${field}.kind`, "one of 'isotropic', 'diagonal', 'full', 'patch-gmm', 'score'", p.kind);
  }
  return raw as Prior;
}

function checkGmm(field: string, p: Record<string, unknown>): GmmPrior {
  const d = count(`${field}.dim`, p.dim, LIMITS.dim);
  const K = count(`${field}.components`, p.components, LIMITS.components);
  const w = floats(`${field}.weights`, p.weights, K);
  let sum = 0;
  for (let k = 0; k < K; k++) {
    if (!(w[k] >= 1e-30 && w[k] <= 1)) throw invalid('E_VALUE', `${field}.weights[${k}]`, 'a weight in [1e-30, 1] (weights sum to 1)', w[k]);
    sum += w[k];
  }
  if (Math.abs(sum - 1) > 1e-6) throw invalidWords('E_VALUE', `${field}.weights`, 'weights summing to 1', `a sum of ${sum}`);
  if (K * d > LIMITS.entries) throw invalidWords('E_VALUE', `${field}.means`, `at most ${LIMITS.entries} entries`, `${K * d}`);
  const means = floats(`${field}.means`, p.means, K * d);
  for (let i = 0; i < means.length; i++) float32Number(`${field}.means[${i}]`, means[i]);
  const kind = p.kind as GmmPrior['kind'];
  const n = kind === 'isotropic' ? K : kind === 'diagonal' ? K * d : K * d * d;
  if (n > LIMITS.entries) throw invalidWords('E_VALUE', `${field}.cov`, `at most ${LIMITS.entries} entries`, `${n}`);
  const cov = floats(`${field}.cov`, p.cov, n);
  if (kind === 'full') {
    const copy = Float64Array.from(cov);
    for (let k = 0; k < K; k++) symmetricPositiveDefinite(`${field}.cov[${k}]`, copy, k * d * d, d);
  } else {
    for (let i = 0; i < n; i++) variance(`${field}.cov[${i}]`, cov[i]);
  }
  return p as unknown as GmmPrior;
}

function checkShape(field: string, raw: unknown): ImageShape {
  const s = record(field, raw);
  const C = count(`${field}.channels`, s.channels, PATCH_LIMITS.channels);
  const H = count(`${field}.height`, s.height, IMAGE_LIMITS.pixels);
  const W = count(`${field}.width`, s.width, IMAGE_LIMITS.pixels);
  if (H * W > IMAGE_LIMITS.pixels || C * H * W > LIMITS.dim) throw invalidWords('E_VALUE', field, `at most ${IMAGE_LIMITS.pixels} pixels per channel and ${LIMITS.dim} in all`, `${C}×${H}×${W}`);
  return s as unknown as ImageShape;
}

function checkLikelihood(field: string, raw: unknown, dim: number): void {
  const l = record(field, raw) as Partial<Likelihood> & Record<string, unknown>;
  checkOperator(`${field}.operator`, l.operator, dim, 0);
  const m = operatorRows(l.operator as Operator);
  const y = floats(`${field}.y`, l.y, m);
  for (let i = 0; i < m; i++) float32Number(`${field}.y[${i}]`, y[i]);
  standardDeviation(`${field}.noiseStd`, l.noiseStd);
}

const OPERATOR_TYPES = ['identity', 'mask', 'dense', 'blur', 'downsample', 'fourier', 'compose'];

function checkOperator(field: string, raw: unknown, dim: number, depth: number): void {
  const op = record(field, raw);
  if (!OPERATOR_TYPES.includes(op.type as string)) throw invalid('E_VALUE', `${field}.type`, `one of ${OPERATOR_TYPES.join(', ')}`, op.type);
  const o = op as unknown as Operator;
  switch (o.type) {
    case 'compose':
      if (depth >= MAX_COMPOSE_DEPTH) throw invalidWords('E_VALUE', field, `compositions nested at most ${MAX_COMPOSE_DEPTH} deep`, 'a deeper nesting');
      if (!Array.isArray(o.operators) || o.operators.length === 0) throw invalid('E_SHAPE', `${field}.operators`, 'a non-empty array of operators', o.operators);
      {
        let d = dim;
        o.operators.forEach((inner, i) => {
          checkOperator(`${field}.operators[${i}]`, inner, d, depth + 1);
          d = operatorRows(inner);
        });
      }
      return;
    case 'identity':
    case 'mask':
      count(`${field}.dim`, o.dim, LIMITS.dim);
      if (o.type === 'mask') {
        if (!(o.indices instanceof Int32Array) || o.indices.length === 0) throw invalid('E_SHAPE', `${field}.indices`, 'a non-empty Int32Array', o.indices);
        for (let i = 0; i < o.indices.length; i++)
          if (o.indices[i] < 0 || o.indices[i] >= o.dim || (i > 0 && o.indices[i] <= o.indices[i - 1])) throw invalid('E_VALUE', `${field}.indices[${i}]`, `ascending distinct indices in [0, ${o.dim})`, o.indices[i]);
      }
      break;
    case 'dense': {
      const r = count(`${field}.rows`, o.rows, LIMITS.entries);
      const c = count(`${field}.cols`, o.cols, LIMITS.dim);
      if (r * c > LIMITS.entries) throw invalidWords('E_VALUE', `${field}.matrix`, `at most ${LIMITS.entries} entries`, `${r * c}`);
      const a = floats(`${field}.matrix`, o.matrix, r * c);
      for (let i = 0; i < a.length; i++) float32Number(`${field}.matrix[${i}]`, a[i]);
      break;
    }
    case 'blur': {
      checkShape(`${field}.shape`, o.shape);
      const kh = count(`${field}.kernelHeight`, o.kernelHeight, IMAGE_LIMITS.kernelTaps);
      const kw = count(`${field}.kernelWidth`, o.kernelWidth, IMAGE_LIMITS.kernelTaps);
      const k = floats(`${field}.kernel`, o.kernel, kh * kw);
      for (let i = 0; i < k.length; i++) float32Number(`${field}.kernel[${i}]`, k[i]);
      break;
    }
    case 'downsample': {
      const s = checkShape(`${field}.shape`, o.shape);
      const f = count(`${field}.factor`, o.factor, Math.min(s.height, s.width));
      if (s.height % f !== 0 || s.width % f !== 0) throw invalid('E_VALUE', `${field}.factor`, 'a factor dividing H and W', f);
      break;
    }
    case 'fourier': {
      const s = checkShape(`${field}.shape`, o.shape);
      if (!(o.samples instanceof Int32Array) || o.samples.length === 0) throw invalid('E_SHAPE', `${field}.samples`, 'a non-empty Int32Array', o.samples);
      const n = imageSize(s);
      for (let i = 0; i < o.samples.length; i++) if (o.samples[i] < 0 || o.samples[i] >= n) throw invalid('E_VALUE', `${field}.samples[${i}]`, `an index in [0, ${n})`, o.samples[i]);
      break;
    }
  }
  if (operatorCols(o) !== dim) throw invalidWords('E_SHAPE', field, `an operator on R^${dim}`, `one on R^${operatorCols(o)}`);
  if (!(operatorRows(o) >= 1)) throw invalidWords('E_SHAPE', field, 'at least one output row', `${operatorRows(o)}`);
}

// SPDX-License-Identifier: MIT
// The score model behind a ScorePrior: the caller's own, or an ONNX file loaded once per prior.
import { LangevinError } from '../errors.js';
import { OnnxScoreModel } from './onnx/onnxScoreModel.js';
import type { ScoreModel, ScorePrior } from '../types.js';

const loaded = new WeakMap<ScorePrior, Promise<ScoreModel>>();

export function resolveScoreModel(prior: ScorePrior): Promise<ScoreModel> {
  let hit = loaded.get(prior);
  if (!hit) {
    hit = load(prior);
    hit.catch(() => loaded.delete(prior)); // a failed load (missing dependency) can be retried
    loaded.set(prior, hit);
  }
  return hit;
}

async function load(prior: ScorePrior): Promise<ScoreModel> {
  const m = prior.model;
  const model = 'type' in m && m.type === 'onnx' ? await OnnxScoreModel.load(m) : (m as ScoreModel);
  if (typeof model.score !== 'function') throw new LangevinError('E_VALUE', 'prior.model: expected a ScoreModel with a score(x, chains, sigma, out) method or an ONNX model spec', 'prior.model');
  if (model.dim !== prior.dim) throw new LangevinError('E_SHAPE', `prior.model: the model has dimension ${model.dim}, the prior ${prior.dim}`, 'prior.model');
  return model;
}

// SPDX-License-Identifier: MIT
// Float32 tables native code reads: the prior (full covariances as eigendecompositions, computed
// once per prior and cached) and the operator.
import { symmetricEigen } from '../math/linalg.js';
import type { GmmPrior, ImageShape, Likelihood, Operator, Prior } from '../types.js';
import { isGmm } from '../types.js';
import { flattenCompose, operatorCols, operatorRows } from '../types.js';
import type { NativeOperatorStage, NativePhaseJob } from './nativeTypes.js';

export type PriorTables = Pick<NativePhaseJob, 'covKind' | 'components' | 'dim' | 'logWeights' | 'means' | 'variances' | 'eigenvectors' | 'noiseScale' | 'patch'>;
export type OperatorTables = Pick<NativePhaseJob, 'opKind' | 'measurements' | 'indices' | 'matrix' | 'stages'>;

const priorCache = new WeakMap<GmmPrior, PriorTables>();

/**
 * Native tables of any prior. A score-model prior has none (components = 0): its score is computed
 * outside and handed to each step (lib/engine/scoredPhase.ts).
 */
export function priorTables(prior: Prior): PriorTables {
  if (isGmm(prior)) return gmmTables(prior);
  if (prior.kind === 'patch-gmm') {
    const { channels, height, width } = prior.shape;
    return patchPriorTables(prior.gmm, [channels, height, width], prior.patchSize, prior.stride);
  }
  return { covKind: 0, components: 0, dim: prior.dim, logWeights: new Float32Array(0), means: new Float32Array(0), variances: new Float32Array(0) };
}

function gmmTables(prior: GmmPrior): PriorTables {
  const hit = priorCache.get(prior);
  if (hit) return hit;
  const { dim: d, components: K } = prior;
  const logWeights = Float32Array.from(prior.weights, Math.log);
  const means = Float32Array.from(prior.means);
  let tables: PriorTables;
  if (prior.kind === 'full') {
    // Σ_k = U diag(λ) Uᵀ once, so a²Σ_k + b²I never needs refactoring along a noise schedule.
    const variances = new Float32Array(K * d);
    const eigenvectors = new Float32Array(K * d * d);
    for (let k = 0; k < K; k++) {
      const { values, vectors } = symmetricEigen(prior.cov.subarray(k * d * d, (k + 1) * d * d), d);
      variances.set(values, k * d);
      eigenvectors.set(vectors, k * d * d);
    }
    tables = { covKind: 2, components: K, dim: d, logWeights, means, variances, eigenvectors };
  } else {
    tables = { covKind: prior.kind === 'isotropic' ? 0 : 1, components: K, dim: d, logWeights, means, variances: Float32Array.from(prior.cov) };
  }
  priorCache.set(prior, tables);
  return tables;
}

/**
 * The operator as native code takes it. Imaging operators travel as stages (a composition
 * flattened, in the order its operators apply); native/core/operator_build.h turns them into the
 * int program and float tables (FFT twiddles, kernel spectra) of native/core/linear_operator.h.
 */
export function operatorTables(op: Operator | undefined): OperatorTables {
  if (!op) return { opKind: 0, measurements: 0 };
  const m = operatorRows(op);
  switch (op.type) {
    case 'identity':
      return { opKind: 1, measurements: m };
    case 'mask':
      return { opKind: 2, measurements: m, indices: op.indices };
    case 'dense':
      return { opKind: 3, measurements: m, matrix: Float32Array.from(op.matrix) };
    case 'blur':
    case 'downsample':
    case 'fourier':
      return { opKind: stageKind[op.type], measurements: m, stages: [operatorStage(op)] };
    case 'compose': {
      const flat = flattenCompose(op);
      if (flat.length === 1) return operatorTables(flat[0]);
      return { opKind: 7, measurements: m, stages: flat.map(operatorStage) };
    }
  }
}

const stageKind = { identity: 1, mask: 2, dense: 3, blur: 4, downsample: 5, fourier: 6 } as const;

function operatorStage(op: Exclude<Operator, { type: 'compose' }>): NativeOperatorStage {
  const base = { measurements: operatorRows(op), dim: operatorCols(op) };
  switch (op.type) {
    case 'identity':
      return { opKind: 1, ...base };
    case 'mask':
      return { opKind: 2, ...base, indices: op.indices };
    case 'dense':
      return { opKind: 3, ...base, matrix: Float32Array.from(op.matrix) };
    case 'blur':
      return { opKind: 4, ...base, ...shapeOf(op.shape), kernel: op.kernel, kernelHeight: op.kernelHeight, kernelWidth: op.kernelWidth };
    case 'downsample':
      return { opKind: 5, ...base, ...shapeOf(op.shape), factor: op.factor };
    case 'fourier':
      return { opKind: 6, ...base, ...shapeOf(op.shape), indices: op.samples };
  }
}

function shapeOf(s: ImageShape): { channels: number; height: number; width: number } {
  return { channels: s.channels, height: s.height, width: s.width };
}

export function observationTable(lik: Likelihood | undefined): Float32Array | undefined {
  return lik ? Float32Array.from(lik.y) : undefined;
}

/**
 * Tables of an EPLL-style image prior: `patchGmm` (dimension k²) scores every k×k patch on a stride
 * grid of a [C, H, W] image; w = (stride/k)² makes each pixel's score the average over the patches
 * covering it (native/core/patch_prior.h). `dim` is the image's C·H·W.
 */
export function patchPriorTables(patchGmm: GmmPrior, shape: [number, number, number], size: number, stride = 1): PriorTables {
  if (patchGmm.dim !== size * size) throw new Error(`patch GMM dimension ${patchGmm.dim} ≠ ${size}²`);
  const [channels, height, width] = shape;
  return { ...gmmTables(patchGmm), dim: channels * height * width, patch: { channels, height, width, size, stride, weight: (stride / size) ** 2 } };
}

// SPDX-License-Identifier: MIT
// Transforms of a prior's native tables that leave the kernels unchanged: the result is again a
// GMM (or patch GMM) the native core evaluates as any other.
import type { PriorTables } from './nativeTables.js';

/**
 * The scale mixture Σ_j w_j · p(· ; noise level multiplied by β_j): every component of `tables` is
 * repeated once per node j, its weight multiplied by w_j and its noise multiplier set to β_j. This
 * is how a Gamma scale mixture of Gaussians (a Student-t base) enters a diffusion path: given the
 * scale, each component's noised covariance is a²Σ_k + β_j b² I.
 */
export function scaleMixture(tables: PriorTables, weights: ArrayLike<number>, multipliers: ArrayLike<number>): PriorTables {
  const K = tables.components, J = weights.length;
  if (multipliers.length !== J) throw new RangeError('scaleMixture: one multiplier per weight');
  // Tables are per component; a patch prior's components live on patches, not on R^d.
  const tile = (a: Float32Array) => {
    const out = new Float32Array(a.length * J);
    for (let j = 0; j < J; j++) out.set(a, j * a.length);
    return out;
  };
  const logWeights = new Float32Array(K * J);
  const noiseScale = new Float32Array(K * J);
  for (let j = 0; j < J; j++)
    for (let k = 0; k < K; k++) {
      logWeights[j * K + k] = tables.logWeights[k] + Math.log(weights[j]);
      noiseScale[j * K + k] = (tables.noiseScale ? tables.noiseScale[k] : 1) * multipliers[j];
    }
  return {
    covKind: tables.covKind,
    components: K * J,
    dim: tables.dim,
    logWeights,
    means: tile(tables.means),
    variances: tile(tables.variances),
    eigenvectors: tables.eigenvectors ? tile(tables.eigenvectors) : undefined,
    noiseScale,
    patch: tables.patch,
  };
}

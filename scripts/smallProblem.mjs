// SPDX-License-Identifier: MIT
// The small fixed job shared by soak.mjs and load.mjs: 4-dim, 3-component diagonal GMM, dense 3×4 operator.
export const SMALL_PROBLEM = {
  prior: {
    type: 'gmm',
    weights: [0.2, 0.5, 0.3],
    means: [[0, 0, 0, 0], [1.5, -1, 0.5, 0], [-1, 1, -0.5, 1]],
    covariance: { type: 'diagonal', variances: [[0.5, 0.4, 0.6, 0.5], [0.3, 0.5, 0.4, 0.6], [0.6, 0.6, 0.3, 0.4]] },
  },
  likelihood: { operator: { type: 'dense', matrix: [[0.5, 0.2, 0, -0.3], [0, 0.4, 0.4, 0.1], [0.3, 0, -0.2, 0.5]] }, y: [0.4, -0.2, 0.7], noiseStd: 0.3 },
};

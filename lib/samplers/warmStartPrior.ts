// SPDX-License-Identifier: MIT
// XGP's Algorithm 2 prior p_{x0}(x) ∝ p(x)·N(x0; x, σ² I): a warm start x0 treated as one more
// Gaussian measurement (A = I). For a GMM prior it is again a GMM (Gaussian conditioning of each component), and
// isotropic/diagonal components stay so.
import { exactPosterior } from '../math/posterior.js';
import type { GmmPrior } from '../types.js';

export function conditionOnNoisyCopy(prior: GmmPrior, x0: ArrayLike<number>, sigma2: number): GmmPrior {
  const d = prior.dim, K = prior.components;
  if (prior.kind !== 'full') {
    // Coordinate-wise conjugate update: no d×d work.
    const cov = new Float64Array(prior.kind === 'isotropic' ? K : K * d);
    const means = new Float64Array(K * d);
    const logw = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      let lw = Math.log(prior.weights[k]);
      for (let i = 0; i < d; i++) {
        const v = prior.kind === 'isotropic' ? prior.cov[k] : prior.cov[k * d + i];
        const mu = prior.means[k * d + i];
        const post = (v * sigma2) / (v + sigma2);
        means[k * d + i] = post * (mu / v + x0[i] / sigma2);
        if (prior.kind === 'diagonal') cov[k * d + i] = post;
        else cov[k] = post;
        lw -= 0.5 * (Math.log(v + sigma2) + (x0[i] - mu) ** 2 / (v + sigma2));
      }
      logw[k] = lw;
    }
    const mx = Math.max(...logw);
    const w = logw.map((l) => Math.exp(l - mx));
    const sum = w.reduce((a, b) => a + b, 0);
    return { kind: prior.kind, dim: d, components: K, weights: w.map((v) => v / sum), means, cov };
  }
  const A = new Float64Array(d * d);
  for (let i = 0; i < d; i++) A[i * d + i] = 1;
  const post = exactPosterior(prior, { A, y: Float64Array.from(x0), noiseVar: new Float64Array(d).fill(sigma2) });
  return { kind: 'full', dim: d, components: K, weights: post.weights, means: post.means, cov: post.covariances };
}

// SPDX-License-Identifier: MIT
// Did the run fail by its own diagnostics? Each check compares a measured error with what the
// sampling noise of this many chains allows, so a correct run passes and a wrong one is named:
// mode weights or covariance far from the exact posterior, a mode's mean off by many standard
// errors, the importance weights collapsed, chains that disagree (R̂) on a unimodal target,
// diverged chains, or a run cut short by a cap. The messages end up on stderr (CLI) and in
// summary.warnings; with strict they become an E_INACCURATE error.
import type { Diagnostics } from './summary.js';
import type { ExactPosterior } from '../math/posterior.js';

/** |ŵ_k − w_k| beyond this many standard errors √(w(1−w)/n) (plus 0.02 for slight biases) is a failure. */
const WEIGHT_Z = 5;
/** A mode's mean (or the overall mean) this many standard errors off is a failure. */
const MEAN_Z = 6;
/** Fewer effective particles than this in an island at any level: the weights collapsed. */
const MIN_EFFECTIVE_PARTICLES = 20;
const RHAT_LIMIT = 1.1;

export function runWarnings(d: Diagnostics, exact: ExactPosterior | undefined, samplerWarnings: string[]): string[] {
  const out = [...samplerWarnings];
  if (d.divergence.diverged > 0)
    out.push(`${d.divergence.diverged} of ${d.chains} chains diverged (frozen at their last finite state; first: chain ${d.divergence.chains[0].chain} at step ${d.divergence.chains[0].step}): reduce the step size or check the problem's scales`);
  const ex = d.exact;
  const n = d.finite;
  if (ex && n > 1) {
    const { exact: w, sampled } = ex.modeWeights;
    let worst = 0;
    for (let k = 0; k < w.length; k++) {
      const se = Math.sqrt(Math.max(w[k] * (1 - w[k]), 1 / n) / n);
      worst = Math.max(worst, (Math.abs(sampled[k] - w[k]) - 0.02) / se);
    }
    if (worst > WEIGHT_Z)
      out.push(`mode weights are wrong: TV ${ex.modeWeights.totalVariation.toFixed(3)} from the exact posterior's (sampled ${fmtList(sampled)}, exact ${fmtList(w)}), ${worst.toFixed(1)} standard errors beyond the sampling noise of ${n} chains — chains do not move mass between modes; use a reweighted sampler (almc, dalmc, xgp with reweight on)`);
    if (ex.modeMeanZMax > MEAN_Z) out.push(`a mode's mean is ${ex.modeMeanZMax.toFixed(1)} standard errors from the exact one: the chains have not converged within that mode`);
    else if (ex.meanZMax > MEAN_Z && worst <= WEIGHT_Z) out.push(`the sample mean is ${ex.meanZMax.toFixed(1)} standard errors from the exact posterior mean`);
    const tol = covarianceNoise(exact!, n);
    if (ex.covarianceRelError > 0.1 + 5 * tol)
      out.push(`the sample covariance is off by ${(100 * ex.covarianceRelError).toFixed(1)} % (relative Frobenius) where ${n} exact draws would be within ${(100 * tol).toFixed(1)} % (one standard error)`);
  }
  const rw = d.reweighting;
  if (rw && rw.minEss * rw.islandSize < MIN_EFFECTIVE_PARTICLES)
    out.push(`the importance weights collapsed: an island fell to ${(rw.minEss * rw.islandSize).toFixed(1)} effective particles of ${rw.islandSize} — the levels are too far apart for this population (raise population or lower accuracy)`);
  const cv = d.convergence;
  const unimodal = exact ? Math.max(...exact.weights) > 0.99 : true;
  if (cv && unimodal && cv.rhatMax > RHAT_LIMIT)
    out.push(`split-R̂ ${cv.rhatMax.toFixed(3)} > ${RHAT_LIMIT} on a unimodal target: the chains have not mixed (run longer or check the step size)`);
  return out;
}

/** One standard error of ‖Ĉ − C‖_F/‖C‖_F for n Gaussian draws: √((‖C‖²_F + (tr C)²)/((n − 1)‖C‖²_F)). */
export function covarianceNoise(post: ExactPosterior, n: number): number {
  const d = post.dim;
  let fro = 0, tr = 0;
  for (let i = 0; i < d * d; i++) fro += post.covariance[i] ** 2;
  for (let i = 0; i < d; i++) tr += post.covariance[i * d + i];
  return Math.sqrt((fro + tr * tr) / (Math.max(n - 1, 1) * fro));
}

function fmtList(v: number[]): string {
  return `[${v.map((x) => x.toFixed(3)).join(', ')}]`;
}

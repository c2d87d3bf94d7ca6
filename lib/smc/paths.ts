// SPDX-License-Identifier: MIT
// The annealing paths the reweighted samplers follow, as functions of one parameter s ∈ [0, 1]:
// γ_s(x) = p_{a(s),b(s)}(x)·exp(−c(s)·‖Ax − y‖²/2), with p_{a,b} the law of aX + bZ (X ~ prior, or
// the path's own mixture) — and how to start exactly at s = 0.
//   ALMC:  a = √s, b² = 1 − s, c = 1/η²: the prior's OU path (λ = e^{−2t} = s) under the full
//          likelihood, from ALMC's warm-start target N(0, I)·e^{−R} (drawn exactly when its
//          covariance (I + AᵀA/η²)⁻¹ can be formed) to the posterior.
//   DALMC: a = √s, b² = 1 − s, c = s/η²: the diffusion path from the base (Gaussian or Student-t
//          scale mixture, drawn exactly) with the likelihood tempered alongside, to the posterior.
//   XGP:   a = 1, b = 0, c = s/η²: the prior (drawn exactly) under a likelihood whose noise falls
//          from ∞ to η — XGP's annealing variable with the observed y shared by every chain (with
//          weights, the auxiliary observations that make each stage a posterior are not needed).
import { applyAdjoint } from '../math/applyOperator.js';
import type { ChainState } from '../engine/chains.js';
import { freshStatus } from '../engine/chains.js';
import type { Device } from '../engine/device.js';
import { sampleGmm } from '../engine/init.js';
import type { PriorTables } from '../engine/nativeTables.js';
import { exactPosteriorOf } from '../math/posterior.js';
import { drawNormals } from '../engine/rng.js';
import type { GmmPrior, Problem } from '../types.js';
import { operatorRows } from '../types.js';
import type { Preconditioning } from './precondition.js';

export interface PathLevel {
  readonly a: number;
  readonly b2: number;
  readonly c: number;
}

export interface DrawSite {
  readonly seed: bigint;
  readonly chainOffset: number;
  readonly device: Device;
  /** Stream of the start's normals (the pilot draws from its own). */
  readonly stream: number;
}

export interface SmcPath {
  /** What the path is, for the run's summary. */
  readonly label: string;
  /** The mixture whose noised densities the path uses (the prior, or DALMC's Student-t scale mixture). */
  readonly tables: PriorTables;
  level(s: number): PathLevel;
  /** The likelihood weight at s = 1 (1/η², or 0 when the target is the prior). */
  readonly cFinal: number;
  /**
   * Exact draws from γ_0 (normalised), or undefined when the start is not available in closed form:
   * the engine then warms up with Metropolis-adjusted moves at s = 0.
   */
  start(site: DrawSite, chains: number): Promise<ChainState | undefined>;
  /** log ∫γ_0, when known: the evidence is then reported. */
  readonly startLogZ?: number;
  /** Whether p_{a,b} is a normalised density (a GMM; a patch prior's EPLL product is not). */
  readonly normalised: boolean;
  /** Preconditioner of the moves, where it can be formed. */
  readonly precond?: Preconditioning;
}

/** The GMM of aX + bZ: means aμ, covariances a²Σ_k + b²β_kI (tables keep eigenvectors, so only values change). */
export function levelTables(t: PriorTables, a: number, b2: number): PriorTables {
  const K = t.components, d = t.dim;
  const beta = (k: number) => t.noiseScale?.[k] ?? 1;
  const variances = new Float32Array(t.variances.length);
  const per = t.covKind === 0 ? 1 : d;
  for (let k = 0; k < K; k++) for (let i = 0; i < per; i++) variances[k * per + i] = a * a * t.variances[k * per + i] + b2 * beta(k);
  return { ...t, means: Float32Array.from(t.means, (m) => a * m), variances, noiseScale: undefined };
}

async function gmmStart(tables: PriorTables, site: DrawSite, chains: number): Promise<ChainState> {
  const x = await sampleGmm(tables, chains, site, site.stream);
  return { chains, dim: tables.dim, x, status: freshStatus(chains) };
}

function likelihoodWeight(problem: Problem): number {
  return problem.likelihood ? 1 / problem.likelihood.noiseStd ** 2 : 0;
}

export function almcPath(problem: Problem, tables: PriorTables, precond: Preconditioning | undefined): SmcPath {
  const c = likelihoodWeight(problem);
  const d = tables.dim;
  const lik = problem.likelihood;
  let startLogZ: number | undefined;
  if (precond && lik) {
    // ∫N(x; 0, I)·e^{−c‖Ax−y‖²/2} dx = (2π/c)^{m/2}·N(y; 0, AAᵀ + I/c): the evidence of a standard-normal prior.
    const standard: GmmPrior = { kind: 'isotropic', dim: d, components: 1, weights: Float64Array.of(1), means: new Float64Array(d), cov: Float64Array.of(1) };
    const m = operatorRows(lik.operator);
    startLogZ = exactPosteriorOf({ prior: standard, likelihood: lik }).logEvidence + (m / 2) * Math.log((2 * Math.PI) / c);
  } else if (!lik) startLogZ = 0;
  return {
    label: "ALMC's path: p_λ·e^{−R} along the prior's OU path λ = e^{−2t} from λ = 0 (ALMC's warm-start target N(0, I)·e^{−R}) to λ = 1 (the posterior)",
    tables,
    level: (s) => ({ a: Math.sqrt(s), b2: 1 - s, c }),
    cFinal: c,
    normalised: !tables.patch,
    startLogZ,
    precond,
    async start(site, chains) {
      if (!precond) return undefined;
      // N(m₀, P₀) with P₀ = (I + cAᵀA)⁻¹ = L₀L₀ᵀ (the preconditioner at s = 0 is exact here) and m₀ = P₀·cAᵀy.
      const L = precond.at(0, 1, c).factor;
      const rhs = new Float64Array(d);
      if (lik) {
        const aty = applyAdjoint(lik.operator, lik.y);
        for (let i = 0; i < d; i++) rhs[i] = c * aty[i];
      }
      const t = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let p = i; p < d; p++) s += L[p * d + i] * rhs[p];
        t[i] = s;
      }
      const m0 = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let p = 0; p <= i; p++) s += L[i * d + p] * t[p];
        m0[i] = s;
      }
      const z = await drawNormals({ seed: site.seed, stream: site.stream, chainOffset: site.chainOffset, device: site.device }, chains, d);
      const x = new Float32Array(chains * d);
      for (let ch = 0; ch < chains; ch++)
        for (let i = 0; i < d; i++) {
          let s = m0[i];
          for (let p = 0; p <= i; p++) s += L[i * d + p] * z[ch * d + p];
          x[ch * d + i] = s;
        }
      return { chains, dim: d, x, status: freshStatus(chains) };
    },
  };
}

export function dalmcPath(problem: Problem, tables: PriorTables, useLikelihood: boolean, precond: Preconditioning | undefined, baseLabel: string): SmcPath {
  const c = useLikelihood ? likelihoodWeight(problem) : 0;
  return {
    label: `DALMC's path: μ_λ = Law(√λ X + √(1−λ) Z) from the ${baseLabel} base (λ = 0) to the ${c > 0 ? 'posterior' : 'prior'} (λ = 1)${c > 0 ? ', the likelihood tempered alongside as e^{−λR}' : ''}`,
    tables,
    level: (s) => ({ a: Math.sqrt(s), b2: 1 - s, c: s * c }),
    cFinal: c,
    normalised: !tables.patch,
    startLogZ: 0,
    precond,
    start: (site, chains) => {
      if (!tables.patch) return gmmStart(levelTables(tables, 0, 1), site, chains);
      // A patch prior at λ = 0 is w·Σ_j log N(P_j x; 0, I) with every pixel in 1/w patches (circular
      // boundary; exact when the stride divides the patch side and the image): N(0, I). A Student-t
      // scale mixture has no such closed form: warm up instead.
      if (tables.noiseScale) return Promise.resolve(undefined);
      return drawNormals({ seed: site.seed, stream: site.stream, chainOffset: site.chainOffset, device: site.device }, chains, tables.dim).then((x) => ({ chains, dim: tables.dim, x, status: freshStatus(chains) }));
    },
  };
}

export function xgpPath(problem: Problem, tables: PriorTables, precond: Preconditioning | undefined): SmcPath {
  const c = likelihoodWeight(problem);
  return {
    label: "XGP's path: the prior under a likelihood of noise η_s = η/√s falling from ∞ to η (observed y shared by all chains)",
    tables,
    level: (s) => ({ a: 1, b2: 0, c: s * c }),
    cFinal: c,
    normalised: true,
    startLogZ: 0,
    precond,
    start: (site, chains) => gmmStart(tables, site, chains),
  };
}

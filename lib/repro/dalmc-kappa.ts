// SPDX-License-Identifier: MIT
// Repro `dalmc-kappa`: DALMC's bias against its path speed κ (KL ≤ κA/4, Guo–Tao–Chen).
// Target: a 2-D, 4-mode Gaussian mixture with unequal weights, sampled without a likelihood
// (`dalmc: { likelihood: false }`, the paper's generative setting) along λ_t = sin²(πt/2) from
// N(0, I). For exactly simulated annealed Langevin, KL ≤ κA/4 (Girsanov, A the path's action bound),
// so the bias should shrink as κ → 0 until the sampling error of the finite chain count takes over.
// The step size is fixed and small so the discretisation bias stays below the κ-bias.
import { resolveDevice } from '../engine/device.js';
import { sampleGmm } from '../engine/init.js';
import { priorTables } from '../engine/nativeTables.js';
import { exactPosteriorOf } from '../math/posterior.js';
import { priorStats } from '../math/priorStats.js';
import { parseGmmProblem } from '../problem/index.js';
import { sample } from '../sample.js';
import { actionBound } from '../samplers/anneal.js';
import { lambdaSchedule } from '../samplers/dalmc.js';
import { toSeed } from '../engine/seed.js';
import { figureSvg } from '../plot/lineSvg.js';
import { elapsed, modeWeightsOf, momentErrors, reproBase, round, roundAll, weightTv, writeOutputs } from './common.js';
import type { ReproOptions, ReproResultBase } from './common.js';

export interface DalmcKappaOptions extends ReproOptions {
  /** κ values as multiples of DALMC's default κ = 4ε/A (ε = 0.05); default 2, 4, …, 128. */
  kappaMultipliers?: number[];
  /** Fixed Langevin step (default 0.01). */
  stepSize?: number;
  /** Independent sets of exact prior draws averaged for the sampling-error floor (default 5). */
  floorRepeats?: number;
}

export const DALMC_KAPPA_TARGET = {
  prior: {
    type: 'gmm',
    weights: [0.4, 0.3, 0.2, 0.1],
    means: [[-3, -1], [2.5, 2.5], [1.5, -3], [-1.5, 3]],
    covariance: { type: 'isotropic', variances: [0.4, 0.3, 0.5, 0.3] },
  },
} as const;

export interface BiasMeasures {
  totalVariation: number; // of the mode weights
  meanError: number; // ‖m̂ − m‖
  covFrobenius: number; // ‖Ĉ − C‖_F
  momentError: number; // meanError + covFrobenius
}

export interface DalmcKappaPoint extends BiasMeasures {
  kappaMultiplier: number;
  kappa: number;
  steps: number;
  weights: number[];
  klBound: number; // κA/4
  diverged: number;
  seconds: number;
}

export interface DalmcKappaResult extends ReproResultBase {
  target: typeof DALMC_KAPPA_TARGET;
  exactWeights: number[];
  stepSize: number;
  actionBound: number;
  kappaDefault: number;
  /** Mean bias measures of `floorRepeats` sets of exact prior draws of the same size. */
  floor: BiasMeasures & { repeats: number };
  /** Estimated discretisation bias of the covariance (ULA on each component: v → v/(1 − h/(2v))), ‖·‖_F. */
  discretisationCovBias: number;
  points: DalmcKappaPoint[];
  /** Least-squares slope of log(bias) on log(κ) over the points above 3× the floor (null: fewer than 2). */
  slopes: {
    totalVariation: number | null;
    momentError: number | null;
    pointsUsed: { totalVariation: number; momentError: number };
    /** Slopes between consecutive κ values (smallest κ first). */
    local: { totalVariation: number[]; momentError: number[] };
  };
}

export const DALMC_KAPPA_DEFAULT_CHAINS = 20_000;

function slope(x: number[], y: number[]): number | null {
  if (x.length < 2) return null;
  const lx = x.map(Math.log), ly = y.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length, my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0, den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return round(num / den, 3);
}

export async function dalmcKappa(options: DalmcKappaOptions): Promise<DalmcKappaResult> {
  const t0 = performance.now();
  const chains = options.chains ?? DALMC_KAPPA_DEFAULT_CHAINS;
  const seed = options.seed ?? 0;
  const h = options.stepSize ?? 0.01;
  const mults = options.kappaMultipliers ?? [2, 4, 8, 16, 32, 64, 128];
  const repeats = options.floorRepeats ?? 5;
  const problem = parseGmmProblem(DALMC_KAPPA_TARGET);
  const d = problem.prior.dim;
  const exact = exactPosteriorOf(problem); // no likelihood: the prior, in full-covariance form
  const stats = priorStats(problem.prior);
  const A = actionBound(lambdaSchedule('sin2'), 0, 1, stats.secondMoment, d);
  const kappaDefault = (4 * 0.05) / A;

  const measure = (x: Float32Array, status?: Int32Array): BiasMeasures => {
    const keep = status ? (c: number) => status[c] < 0 : () => true;
    const w = modeWeightsOf(exact, x, keep);
    const m = momentErrors(x, d, exact.mean, exact.covariance, status);
    return { totalVariation: weightTv(w, exact.weights), meanError: m.meanError, covFrobenius: m.covFrobenius, momentError: m.meanError + m.covFrobenius };
  };

  // Sampling-error floor: the same measures on exact draws of the same size.
  const device = resolveDevice(options.device, 'options.device');
  const tables = priorTables(problem.prior);
  const acc: BiasMeasures = { totalVariation: 0, meanError: 0, covFrobenius: 0, momentError: 0 };
  for (let r = 0; r < repeats; r++) {
    const x = await sampleGmm(tables, chains, { seed: toSeed(seed) + 1000n + BigInt(r), chainOffset: 0, device });
    const b = measure(x);
    for (const k of Object.keys(acc) as (keyof BiasMeasures)[]) acc[k] += b[k] / repeats;
  }
  const floor = { totalVariation: round(acc.totalVariation), meanError: round(acc.meanError), covFrobenius: round(acc.covFrobenius), momentError: round(acc.momentError), repeats };

  const points: DalmcKappaPoint[] = [];
  for (const mult of mults) {
    const kappa = kappaDefault * mult;
    const r = await sample(problem, { sampler: 'dalmc', chains, seed, stepSize: h, device: options.device, signal: options.signal, onProgress: options.onProgress, dalmc: { likelihood: false, schedule: 'sin2', kappa, reweight: false } });
    const b = measure(r.samples, r.status);
    points.push({
      kappaMultiplier: mult,
      kappa: round(kappa, 6),
      steps: (r.summary.settings.steps as { value: number }).value,
      weights: roundAll(modeWeightsOf(exact, r.samples, (c) => r.status[c] < 0)),
      totalVariation: round(b.totalVariation),
      meanError: round(b.meanError),
      covFrobenius: round(b.covFrobenius),
      momentError: round(b.momentError),
      klBound: round((kappa * A) / 4),
      diverged: r.summary.diagnostics.divergence.diverged,
      seconds: round(r.summary.seconds, 3),
    });
  }
  let disc = 0;
  {
    let dv = 0;
    for (let k = 0; k < problem.prior.components; k++) {
      const v = problem.prior.cov[k];
      dv += problem.prior.weights[k] * (v / (1 - h / (2 * v)) - v);
    }
    disc = dv * Math.sqrt(d);
  }
  const fit = (key: 'totalVariation' | 'momentError') => {
    const use = points.filter((p) => p[key] > 3 * floor[key]);
    return { s: slope(use.map((p) => p.kappa), use.map((p) => p[key])), n: use.length };
  };
  const fitTv = fit('totalVariation'), fitMom = fit('momentError');
  const local = (key: 'totalVariation' | 'momentError') => points.slice(1).map((p, i) => round(Math.log(p[key] / points[i][key]) / Math.log(p.kappa / points[i].kappa), 3));
  const mid = points[Math.floor(points.length / 2)];
  const seconds = elapsed(t0);

  const ks = points.map((p) => p.kappa);
  const svg = figureSvg(
    [
      {
        kind: 'line',
        title: 'DALMC bias vs path speed κ',
        subtitle: `4-mode 2-D GMM target (no likelihood), sin² path, step ${h}, ${chains.toLocaleString('en-US')} chains per κ; fitted slopes: TV ${fitTv.s ?? '—'}, moments ${fitMom.s ?? '—'}`,
        xLabel: 'κ (path time per unit Langevin time; Langevin time = 1/κ)',
        yLabel: 'bias',
        xLog: true,
        yLog: true,
        series: [
          { label: 'TV of mode weights', x: ks, y: points.map((p) => p.totalVariation), color: '#1f77b4', width: 2.5 },
          { label: 'moment error ‖Δmean‖ + ‖ΔC‖_F', x: ks, y: points.map((p) => p.momentError), color: '#ff7f0e', width: 2.5 },
          { label: 'KL bound κA/4', x: ks, y: points.map((p) => p.klBound), color: '#555', dash: '7 4', width: 1.5, markers: false },
          { label: 'Pinsker TV bound √(κA/8)', x: ks, y: points.map((p) => Math.sqrt((p.kappa * A) / 8)), color: '#999', dash: '2 3', width: 1.5, markers: false },
          { label: '∝ κ (slope 1, through the middle TV point)', x: ks, y: ks.map((k) => (mid.totalVariation * k) / mid.kappa), color: '#1f77b4', width: 1, markers: false, dash: '1 3' },
          { label: 'TV floor (exact draws)', x: [ks[0], ks[ks.length - 1]], y: [floor.totalVariation, floor.totalVariation], color: '#1f77b4', dash: '4 4', width: 1.2, markers: false },
          { label: 'moment floor (exact draws)', x: [ks[0], ks[ks.length - 1]], y: [floor.momentError, floor.momentError], color: '#ff7f0e', dash: '4 4', width: 1.2, markers: false },
        ],
        vLines: [{ value: kappaDefault, label: 'default κ = 4ε/A', color: '#2ca02c' }],
        xDomain: [Math.min(kappaDefault, ...ks) / 1.3, Math.max(...ks) * 1.3],
      },
    ],
    {
      panelWidth: 760,
      plotHeight: 360,
      caption: `A = ${round(A, 4)} bounds the action of the sin² path (π²(M₂ + d)/8, M₂ = ${round(stats.secondMoment, 4)}). Floors: the same measures on ${repeats} sets of ${chains} exact prior draws (mean). The step ${h} biases the covariance by ≈ ${disc.toExponential(1)} (Frobenius, ULA estimate), below the moment floor ${floor.momentError}. Slopes fitted over points above 3× their floor. The KL and Pinsker lines bound distances between laws (TV of mode weights ≤ TV ≤ √(KL/2)); the moment error has units of x and no such bound. Seed ${seed}.`,
    },
  );
  const notes = [
    "κ is DALMC's path speed: path time per unit of Langevin time, so the run lasts 1/κ in Langevin time (steps = 1/(κh)). KL(target ‖ output) ≤ κA/4 for exactly simulated annealed Langevin; TV ≤ √(KL/2) (Pinsker) bounds the mode-weight TV.",
    `Floors: the measures on exact prior draws of the same size, averaged over ${repeats} independent sets — the bias cannot be resolved below them.`,
    `Log-log slope of the bias against κ over the points above 3× their floor: TV ${fitTv.s ?? 'n/a'} (${fitTv.n} points), moment error ${fitMom.s ?? 'n/a'} (${fitMom.n} points); slope 1 is linear in κ, slope ½ would be the Pinsker bound's rate. Local slopes between neighbouring κ: TV ${local('totalVariation').join(', ')}; moments ${local('momentError').join(', ')} (the TV flattens at large κ, where the bias saturates).`,
    `Discretisation: with h = ${h}, ULA inflates each component's variance v to v/(1 − h/(2v)); the resulting covariance bias ≈ ${disc.toExponential(2)} (Frobenius) is below the moment floor ${floor.momentError}.`,
  ];
  const base = reproBase('dalmc-kappa', 'DALMC bias vs κ on a 4-mode GMM target (sin² path, no likelihood)', seed, chains);
  const result: DalmcKappaResult = {
    ...base,
    seconds: round(seconds, 3),
    files: { svg: '', json: '' },
    notes,
    target: DALMC_KAPPA_TARGET,
    exactWeights: roundAll(exact.weights),
    stepSize: h,
    actionBound: round(A, 6),
    kappaDefault: round(kappaDefault, 6),
    floor,
    discretisationCovBias: round(disc, 3),
    points,
    slopes: { totalVariation: fitTv.s, momentError: fitMom.s, pointsUsed: { totalVariation: fitTv.n, momentError: fitMom.n }, local: { totalVariation: local('totalVariation'), momentError: local('momentError') } },
  };
  writeOutputs(options.outDir, 'dalmc-kappa', svg, (files) => {
    result.files = files;
    return result;
  });
  return result;
}

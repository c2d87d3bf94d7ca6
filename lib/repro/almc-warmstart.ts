// SPDX-License-Identifier: MIT
// Repro `almc-warmstart`: ALMC with its warm start (ULA on the tilted Gaussian N(0, I)·e^{−R}) versus
// without it (`almc: { warmStartSteps: 0 }`: chains go from N(0, I) straight into the annealing), on
// the demo problem and on the same problem shifted by (s, s) — prior means and y moved so that the
// posterior is the demo's, translated, and the tilted Gaussian sits far from N(0, I) — across
// annealing lengths κ = default × multiplier.
// Both variants share the annealing phase's noise (same seed and stream), so they form a synchronous
// coupling: the RMS distance between a chain's two end states measures exactly how much of the
// start survives the annealing.
import { DEMO_PROBLEM } from '../demo/gmmDemo.js';
import { exactPosteriorOf } from '../math/posterior.js';
import { parseGmmProblem } from '../problem/index.js';
import { sample } from '../sample.js';
import { almcDefaults } from '../samplers/almc.js';
import { figureSvg, PALETTE } from '../plot/lineSvg.js';
import type { LineSeries } from '../plot/lineSvg.js';
import type { GmmProblem as Problem } from '../types.js';
import { elapsed, modeWeightTvFloor, momentErrors, reproBase, round, roundAll, writeOutputs } from './common.js';
import type { ReproOptions, ReproResultBase } from './common.js';

export interface AlmcWarmstartOptions extends ReproOptions {
  /** κ / κ_default values (default 0.001, 0.003, 0.01, 0.03, 0.1, 0.25, 1). */
  kappaMultipliers?: number[];
  /** Shift (s, s) of the far problem (default 3). */
  shift?: number;
}

export interface WarmstartPoint {
  kappaMultiplier: number;
  kappa: number;
  annealSteps: number;
  variant: 'warm start' | 'no warm start';
  warmStartSteps: number;
  weights: number[];
  totalVariation: number;
  meanError: number;
  covRelError: number;
  diverged: number;
  seconds: number;
}

export interface WarmstartProblemResult {
  label: string;
  problem: unknown;
  exactWeights: number[];
  exactMean: number[];
  /** Mean of the tilted Gaussian N(0, I)·e^{−R} the warm start targets, and its distance from 0 in its own standard deviations (along the likelihood's direction). */
  tiltedMean: number[];
  tiltedDistanceSd: number;
  kappaDefault: number;
  warmStartSteps: number;
  points: WarmstartPoint[];
  /** Per κ multiplier: RMS over chains of ‖x_warm − x_cold‖ at the end (synchronous coupling). */
  coupling: { kappaMultiplier: number; rmsDistance: number }[];
}

export interface AlmcWarmstartResult extends ReproResultBase {
  tvSamplingFloor: number;
  meanErrorSamplingFloor: number;
  problems: WarmstartProblemResult[];
}

export const ALMC_WARMSTART_DEFAULT_CHAINS = 2000;

/** The demo problem translated by (s, s): prior means + s, y + 0.7·2s (A = [0.7, 0.7]). */
export function shiftedDemo(s: number) {
  return {
    prior: { ...DEMO_PROBLEM.prior, means: DEMO_PROBLEM.prior.means.map((m) => m.map((v) => v + s)) },
    likelihood: { ...DEMO_PROBLEM.likelihood, y: [DEMO_PROBLEM.likelihood.y[0] + 1.4 * s] },
  };
}

/** Mean and (along the top eigenvector of AᵀA) standardised distance from 0 of N(0, I)·e^{−R}. */
function tilted(problem: Problem): { mean: number[]; distanceSd: number } {
  const lik = problem.likelihood!;
  if (lik.operator.type !== 'dense' || lik.operator.rows !== 1) throw new Error('tilted(): a one-row dense operator is expected');
  const a = Array.from(lik.operator.matrix);
  const c = 1 / lik.noiseStd ** 2;
  const a2 = a.reduce((s, v) => s + v * v, 0);
  // (I + c aaᵀ)⁻¹ c a y = c y a / (1 + c‖a‖²); precision along a/‖a‖ is 1 + c‖a‖².
  const k = (c * lik.y[0]) / (1 + c * a2);
  const mean = a.map((v) => k * v);
  return { mean, distanceSd: Math.hypot(...mean) * Math.sqrt(1 + c * a2) };
}

export async function almcWarmstart(options: AlmcWarmstartOptions): Promise<AlmcWarmstartResult> {
  const t0 = performance.now();
  const chains = options.chains ?? ALMC_WARMSTART_DEFAULT_CHAINS;
  const seed = options.seed ?? 0;
  const mults = options.kappaMultipliers ?? [0.001, 0.003, 0.01, 0.03, 0.1, 0.25, 1];
  const shift = options.shift ?? 3;
  const defs = [
    { label: 'demo problem', raw: DEMO_PROBLEM as unknown },
    { label: `demo shifted by (${shift}, ${shift})`, raw: shiftedDemo(shift) as unknown },
  ];
  const problems: WarmstartProblemResult[] = [];
  for (const def of defs) {
    const problem = parseGmmProblem(def.raw);
    const exact = exactPosteriorOf(problem);
    const d = problem.prior.dim;
    const defaults = almcDefaults(problem, 0.05);
    const tilt = tilted(problem);
    const points: WarmstartPoint[] = [];
    const coupling: WarmstartProblemResult['coupling'] = [];
    for (const mult of mults) {
      const kappa = defaults.kappa.value * mult;
      const ends: Float32Array[] = [];
      for (const variant of ['warm start', 'no warm start'] as const) {
        const r = await sample(problem, {
          sampler: 'almc',
          chains,
          seed,
          device: options.device,
          signal: options.signal,
          onProgress: options.onProgress,
          almc: variant === 'warm start' ? { kappa, reweight: false } : { kappa, warmStartSteps: 0, reweight: false },
        });
        const e = r.summary.diagnostics.exact!;
        const m = momentErrors(r.samples, d, exact.mean, exact.covariance, r.status);
        const s = r.summary.settings as Record<string, { value: number }>;
        ends.push(r.samples);
        points.push({
          kappaMultiplier: mult,
          kappa: round(kappa, 6),
          annealSteps: s.annealSteps.value,
          variant,
          warmStartSteps: s.warmStartSteps.value,
          weights: roundAll(e.modeWeights.sampled),
          totalVariation: round(e.modeWeights.totalVariation),
          meanError: round(m.meanError),
          covRelError: round(m.covRelError),
          diverged: r.summary.diagnostics.divergence.diverged,
          seconds: round(r.summary.seconds, 3),
        });
      }
      let sq = 0;
      for (let i = 0; i < ends[0].length; i++) sq += (ends[0][i] - ends[1][i]) ** 2;
      coupling.push({ kappaMultiplier: mult, rmsDistance: round(Math.sqrt(sq / chains)) });
    }
    problems.push({
      label: def.label,
      problem: def.raw,
      exactWeights: roundAll(exact.weights),
      exactMean: roundAll(exact.mean),
      tiltedMean: roundAll(tilt.mean),
      tiltedDistanceSd: round(tilt.distanceSd),
      kappaDefault: round(defaults.kappa.value, 6),
      warmStartSteps: defaults.nWs.value,
      points,
      coupling,
    });
  }
  const floor = modeWeightTvFloor(problems[0].exactWeights, chains);
  const demoExact = exactPosteriorOf(parseGmmProblem(DEMO_PROBLEM));
  const meanFloor = Math.sqrt((demoExact.covariance[0] + demoExact.covariance[3]) / chains); // the shift leaves C unchanged
  const ZERO = 1e-7;
  const seconds = elapsed(t0);

  const metric = (key: 'totalVariation' | 'meanError' | 'covRelError'): LineSeries[] =>
    problems.flatMap((p, i) =>
      (['warm start', 'no warm start'] as const).map((v) => {
        const pts = p.points.filter((q) => q.variant === v);
        return { label: `${p.label}, ${v}`, x: pts.map((q) => q.kappaMultiplier), y: pts.map((q) => q[key]), color: PALETTE[i], dash: v === 'warm start' ? undefined : '6 4', width: v === 'warm start' ? 3.5 : 1.8 };
      }),
    );
  const xLabel = 'κ / κ_default (annealing length)';
  const svg = figureSvg(
    [
      { kind: 'line', title: 'Mode-weight error', subtitle: 'TV of sampled vs exact posterior mode weights', xLabel, yLabel: 'TV', xLog: true, yLog: true, series: metric('totalVariation'), hLines: [{ value: floor, label: `sampling floor (${chains} chains)` }] },
      { kind: 'line', title: 'Mean error', subtitle: '‖sample mean − exact mean‖', xLabel, yLabel: '‖Δ mean‖', xLog: true, yLog: true, series: metric('meanError'), hLines: [{ value: meanFloor, label: `sampling floor √(tr C/n)` }] },
      { kind: 'line', title: 'Covariance error', subtitle: '‖Ĉ − C‖_F / ‖C‖_F', xLabel, yLabel: 'relative Frobenius error', xLog: true, yLog: true, series: metric('covRelError') },
      {
        kind: 'line',
        title: 'What the warm start leaves behind',
        subtitle: 'RMS ‖x_warm − x_cold‖ at the end (shared annealing noise)',
        xLabel,
        yLabel: 'RMS distance between the variants',
        xLog: true,
        yLog: true,
        series: problems.map((p, i) => ({ label: p.label, x: p.coupling.map((c) => c.kappaMultiplier), y: p.coupling.map((c) => Math.max(c.rmsDistance, ZERO)), color: PALETTE[i] })),
        hLines: [{ value: ZERO, label: 'drawn here: 0 (bitwise-identical end states)', color: '#999', labelAt: 'left' }],
        yDomain: [ZERO, 10],
      },
    ],
    {
      columns: 2,
      title: 'ALMC with and without its warm start',
      caption: `Solid: with the warm start (default ULA steps on N(0, I)·e^{−R}); dashed: warmStartSteps = 0, chains from N(0, I) straight into the annealing. ${chains} chains per run, seed ${seed}; κ_default = ${problems.map((p) => `${round(p.kappaDefault, 3)} (${p.label})`).join(', ')}. The tilted Gaussian lies ${problems.map((p) => `${round(p.tiltedDistanceSd, 3)} sd`).join(' / ')} from the origin. Both variants share the annealing noise, so the right-hand panel measures directly what the start contributes to the final state (exact zeros drawn at 1e-7).`,
    },
  );
  const notes = [
    'Both variants use the same seed: the annealing phase (stream phaseBase + 1) draws identical noise, so the two runs are a synchronous coupling and the coupling distance is the whole effect of the warm start on each chain.',
    'The annealing starts at T₀ where p_{T₀} ≈ N(0, I), so its first part targets the same tilted Gaussian as the warm start, for κ × (Langevin time per unit of path time) — any cold start is forgotten there at rate ≥ 1 (the tilted Gaussian\'s precision is ≥ I).',
    ...problems.map((p) => {
      const same = p.coupling.filter((c) => c.rmsDistance === 0).map((c) => c.kappaMultiplier);
      const tvGap = Math.max(...mults.map((m) => Math.abs(p.points.find((q) => q.kappaMultiplier === m && q.variant === 'warm start')!.totalVariation - p.points.find((q) => q.kappaMultiplier === m && q.variant === 'no warm start')!.totalVariation)));
      const sep = mults.filter((m) => {
        const [w, c] = ['warm start', 'no warm start'].map((v) => p.points.find((q) => q.kappaMultiplier === m && q.variant === v)!.totalVariation);
        return Math.abs(w - c) > floor;
      });
      return `${p.label}: end states bitwise identical for κ/κ_default ∈ {${same.join(', ')}}; TV differs by more than the sampling floor only at κ/κ_default ∈ {${sep.join(', ')}} (largest TV gap ${round(tvGap, 3)}); at κ_default both give TV ${p.points.find((q) => q.kappaMultiplier === Math.max(...mults))!.totalVariation}.`;
    }),
  ];
  const base = reproBase('almc-warmstart', 'ALMC with vs without the warm start, demo problem and a shifted copy, across κ', seed, chains);
  const result: AlmcWarmstartResult = { ...base, seconds: round(seconds, 3), files: { svg: '', json: '' }, notes, tvSamplingFloor: round(floor), meanErrorSamplingFloor: round(meanFloor), problems };
  writeOutputs(options.outDir, 'almc-warmstart', svg, (files) => {
    result.files = files;
    return result;
  });
  return result;
}

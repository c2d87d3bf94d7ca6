// SPDX-License-Identifier: MIT
// Repro `gmm-weights`: posterior mode weights of the demo problem (4-mode GMM prior, one noisy
// linear measurement) — exact versus sampled — for plain LMC started in one mode (the mode-collapse
// example), LMC from the prior, and ALMC, XGP, DALMC with defaults.
import { DEMO_PROBLEM } from '../demo/gmmDemo.js';
import { exactPosteriorOf } from '../math/posterior.js';
import { parseGmmProblem } from '../problem/index.js';
import { sample } from '../sample.js';
import type { SampleOptions, SamplerName } from '../options.js';
import { figureSvg, PALETTE } from '../plot/lineSvg.js';
import { elapsed, modeWeightTvFloor, reproBase, round, roundAll, writeOutputs } from './common.js';
import type { ReproOptions, ReproResultBase } from './common.js';

export interface GmmWeightsOptions extends ReproOptions {
  /** Steps of the one-mode LMC run (default 2000, ~20× its default length: time is not the issue). */
  lmcSteps?: number;
  /**
   * One LMC run per start, every chain at that point (default (−2, 2) and (2, 2), the means of prior
   * components 2 and 4).
   */
  lmcStarts?: [number, number][];
}

export interface GmmWeightsRun {
  label: string;
  sampler: SamplerName;
  init: string;
  weights: number[];
  totalVariation: number;
  meanZMax: number;
  covarianceRelError: number;
  diverged: number;
  seconds: number;
  settings: Record<string, unknown>;
}

export interface GmmWeightsResult extends ReproResultBase {
  problem: typeof DEMO_PROBLEM;
  modes: string[];
  exactWeights: number[];
  tvSamplingFloor: number;
  runs: GmmWeightsRun[];
}

export const GMM_WEIGHTS_DEFAULT_CHAINS = 4000;

function settingValues(settings: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) out[k] = typeof v === 'object' && v !== null && 'value' in v ? round((v as { value: number }).value, 6) : v;
  return out;
}

export async function gmmWeights(options: GmmWeightsOptions): Promise<GmmWeightsResult> {
  const t0 = performance.now();
  const chains = options.chains ?? GMM_WEIGHTS_DEFAULT_CHAINS;
  const seed = options.seed ?? 0;
  const lmcSteps = options.lmcSteps ?? 2000;
  const starts = options.lmcStarts ?? [[-2, 2], [2, 2]];
  const problem = parseGmmProblem(DEMO_PROBLEM);
  const exact = exactPosteriorOf(problem);
  const d = problem.prior.dim;
  const modes = Array.from({ length: problem.prior.components }, (_, k) => `(${Array.from(problem.prior.means.subarray(k * d, (k + 1) * d)).join(', ')})`);
  const at = (p: [number, number]) => {
    const x = new Float32Array(chains * d);
    for (let c = 0; c < chains; c++) x.set(p, c * d);
    return x;
  };

  const common: SampleOptions = { chains, seed, device: options.device, signal: options.signal, onProgress: options.onProgress };
  const plan: { label: string; sampler: SamplerName; init: string; opts: SampleOptions }[] = [
    ...starts.map((p) => ({ label: `LMC from (${p.join(', ')})`, sampler: 'lmc' as const, init: `every chain at (${p.join(', ')}), ${lmcSteps} steps`, opts: { init: at(p), steps: lmcSteps } })),
    { label: 'LMC from prior', sampler: 'lmc', init: 'prior draws (default), default steps', opts: {} },
    { label: 'ALMC (paper)', sampler: 'almc', init: 'default', opts: { almc: { reweight: false } } },
    { label: 'XGP (paper)', sampler: 'xgp', init: 'default (prior draws)', opts: { xgp: { reweight: false } } },
    { label: 'DALMC (paper)', sampler: 'dalmc', init: 'default', opts: { dalmc: { reweight: false } } },
    { label: 'ALMC reweighted (default)', sampler: 'almc', init: "exact draws of the path's start", opts: {} },
    { label: 'XGP reweighted (default)', sampler: 'xgp', init: 'exact prior draws', opts: {} },
    { label: 'DALMC reweighted (default)', sampler: 'dalmc', init: 'exact base draws', opts: {} },
  ];
  const runs: GmmWeightsRun[] = [];
  for (const p of plan) {
    const r = await sample(problem, { ...common, ...p.opts, sampler: p.sampler });
    const e = r.summary.diagnostics.exact!;
    runs.push({
      label: p.label,
      sampler: p.sampler,
      init: p.init,
      weights: roundAll(e.modeWeights.sampled),
      totalVariation: round(e.modeWeights.totalVariation),
      meanZMax: round(e.meanZMax),
      covarianceRelError: round(e.covarianceRelError),
      diverged: r.summary.diagnostics.divergence.diverged,
      seconds: round(r.summary.seconds, 3),
      settings: settingValues(r.summary.settings),
    });
  }
  const exactWeights = roundAll(exact.weights);
  const floor = modeWeightTvFloor(exact.weights, chains);
  const xgpRun = runs.find((r) => r.label === 'XGP (paper)')!;
  const notes = [
    'Sampled weights are the mean posterior responsibilities of each mode over the chains (summary.diagnostics.exact.modeWeights.sampled); TV = ½Σ|ŵ_k − w_k|.',
    `tvSamplingFloor ≈ ${round(floor, 2)}: the TV that exact samples would show with ${chains} chains (binomial error), so TVs near it are as good as exact.`,
    ...runs
      .filter((r) => r.init.startsWith('every chain'))
      .map((r) => `${r.label} (${lmcSteps} steps, ~20× LMC's default length): weights ${r.weights.map((w) => w.toFixed(3)).join(' / ')}, TV ${r.totalVariation}.`),
    'Mode collapse: from (−2, 2), the mean of a mode holding half the posterior mass, plain Langevin keeps (nearly) all chains there — it cannot move mass across the barrier to the other big mode (2, −2), however long it runs.',
    'From (2, 2) there is no collapse: under the posterior, component 4 is centred at ≈ (1.15, 1.15), on the ridge between the two big modes (both near the line x₁ + x₂ ≈ 0.86), so the chains roll off into both and the weights come out right. A start must sit in a separated posterior mode to show the failure.',
    `XGP's guarantees assume a (locally) log-concave prior. Started from prior draws (¼ of the chains per mode), its Langevin stages move mass between modes only where the likelihood tilts chains over a ridge, so on this multimodal prior its weights are not expected to be right: here ${xgpRun.weights.map((w) => w.toFixed(3)).join(' / ')} (TV ${xgpRun.totalVariation}) — mode 4 keeps ${xgpRun.weights[3].toFixed(3)} against an exact ${exactWeights[3].toFixed(3)}.`,
    "The papers' plain versions (reweight: false) run with their theorem-derived defaults (accuracy 0.05); DALMC adds −∇R to its drift (the posterior extension of the paper).",
    'The reweighted versions (the defaults) follow the same paths with importance weights, resampling and Metropolis-adjusted moves (sequential Monte Carlo, beyond the papers): the weights move mass between modes that the chains cannot cross.',
  ];
  const seconds = elapsed(t0);
  const svg = figureSvg(
    [
      {
        kind: 'bar',
        title: 'Posterior mode weights: exact vs sampled',
        subtitle: `demo problem (4-mode GMM, y = 0.7x₁ + 0.7x₂ + N(0, 0.5²) = 0.6), ${chains} chains per sampler`,
        yLabel: 'mode weight',
        categories: modes.map((m, k) => `mode ${k + 1} ${m}`),
        series: runs.map((r, i) => ({ label: `${r.label} (TV ${r.totalVariation.toFixed(3)})`, values: r.weights, color: PALETTE[i] })),
        reference: { label: 'exact', values: exactWeights },
        yDomain: [0, 1],
      },
    ],
    {
      panelWidth: 900,
      plotHeight: 300,
      caption: `Bars: sampled mode weights (mean responsibilities); black lines: exact posterior weights ${exactWeights.map((w) => w.toFixed(3)).join(' / ')}. TV sampling floor ≈ ${floor.toFixed(3)}. LMC started in the big mode (−2, 2) keeps its mass there (mode collapse), while from (2, 2) — on the ridge between the big modes under the posterior — it rolls into both; plain XGP assumes a log-concave prior and cannot rebalance separated modes; the reweighted samplers can. Seed ${seed}.`,
    },
  );
  const base = reproBase('gmm-weights', 'Posterior mode weights on the demo GMM: exact vs LMC (one-mode start), LMC, and ALMC, XGP, DALMC plain and reweighted', seed, chains);
  const result: GmmWeightsResult = { ...base, seconds: round(seconds, 3), files: { svg: '', json: '' }, notes, problem: DEMO_PROBLEM, modes, exactWeights, tvSamplingFloor: round(floor), runs };
  writeOutputs(options.outDir, 'gmm-weights', svg, (files) => {
    result.files = files;
    return result;
  });
  return result;
}

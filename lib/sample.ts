// SPDX-License-Identifier: MIT
// sample(): validate, pick the device, run the sampler's phases natively, diagnose, summarise.
import { divergenceReport } from './engine/chains.js';
import type { ChainState } from './engine/chains.js';
import { describeDevice, resolveDevice } from './engine/device.js';
import type { Device } from './engine/device.js';
import { diagnoseChunked, EXACT_DIAGNOSTICS_MAX_DIM } from './diagnostics/summary.js';
import type { Diagnostics } from './diagnostics/summary.js';
import { LangevinError } from './errors.js';
import { initialState } from './engine/init.js';
import { observationTable, operatorTables, priorTables } from './engine/nativeTables.js';
import { resolveOptions } from './options.js';
import type { ResolvedOptions, SampleOptions } from './options.js';
import { progressGuard } from './engine/progressGuard.js';
import { untilAborted } from './engine/scoredPhase.js';
import { abortError, runPhase } from './engine/phase.js';
import type { RunContext } from './engine/phase.js';
import { exactPosteriorOf } from './math/posterior.js';
import { samplers } from './samplers/index.js';
import type { PhaseInfo } from './samplers/types.js';
import { toSeed } from './engine/seed.js';
import type { Setting } from './samplers/stepsize.js';
import type { Prior, Problem } from './types.js';
import { isGmm, isGmmProblem } from './types.js';
import { resolveScoreModel } from './models/scoreModels.js';
import { checkMemory } from './engine/memory.js';
import { checkProblem } from './problem/checkProblem.js';
import { VERSION } from './version.js';
import { runWarnings } from './diagnostics/health.js';
import { constantSchedule } from './samplers/schedule.js';
import { Streams } from './engine/streams.js';
import { summarizeChains } from './diagnostics/mcmc.js';

export interface SampleSummary {
  sampler: string;
  /** What the prior is (GMM, patch GMM on images, or the score model). */
  prior: string;
  /** The distribution the samples are meant to follow: the posterior, or the prior (generative runs). */
  target: 'posterior' | 'prior';
  chains: number;
  chainOffset: number;
  dim: number;
  seed: string;
  device: Device;
  deviceDescription: string;
  seconds: number;
  settings: Record<string, Setting | string>;
  phases: PhaseInfo[];
  diagnostics: Diagnostics;
  /** What the run's own diagnostics say went wrong (empty when it passed every check); see lib/diagnostics/health.ts. */
  warnings: string[];
  version: string;
}

export interface SampleResult {
  /** Float32 samples, row-major [chains, dim]; diverged chains hold their last finite state. */
  samples: Float32Array;
  shape: [number, number];
  /** Per chain: -1 if finite, else the step at which it diverged. */
  status: Int32Array;
  summary: SampleSummary;
}

/**
 * Sample the posterior of `problem` (from parseProblem/loadProblem; any other object is checked
 * first). An exception thrown by options.onProgress cancels the run and is its rejection.
 */
export async function sample(input: Problem, options?: SampleOptions): Promise<SampleResult> {
  // Hand-built, raw or missing problems are checked like parsed ones (lib/problem/checkProblem.ts).
  const problem = checkProblem(input);
  const resolved = resolveOptions(options);
  const guard = progressGuard(resolved.onProgress, resolved.signal);
  try {
    const result = await sampleChecked(problem, { ...resolved, signal: guard.signal, onProgress: guard.onProgress });
    await guard.settle();
    return result;
  } catch (err) {
    throw guard.reason(err);
  }
}

async function sampleChecked(problem: Problem, opts: ResolvedOptions): Promise<SampleResult> {
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const seed = toSeed(opts.seed, 'options.seed');
  const device = resolveDevice(opts.device, 'options.device');
  const d = problem.prior.dim;
  checkMemory(problem, opts.chains, device, opts.draws);
  const sampler = samplers[opts.sampler];
  sampler.validate?.(problem, opts.samplerOptions ?? {}, { userInit: opts.init !== undefined });
  if (opts.init === 'prior' && !isGmm(problem.prior))
    throw new LangevinError('E_UNSUPPORTED', `options.init: exact 'prior' draws need a Gaussian-mixture prior, not '${problem.prior.kind}'; use 'gaussian', 'zeros' or a Float32Array`, 'options.init');
  const t0 = performance.now();
  const scoreModel = problem.prior.kind === 'score' ? await resolveScoreModel(problem.prior) : undefined;
  const run: RunContext = {
    device,
    threads: opts.threads,
    seed,
    chainOffset: opts.chainOffset,
    prior: priorTables(problem.prior),
    scoreModel,
    operator: operatorTables(problem.likelihood?.operator),
    y: observationTable(problem.likelihood),
    signal: opts.signal,
    onProgress: opts.onProgress,
  };
  // Without exact prior draws (image and learned priors) a sampler that starts from the prior starts from N(0, I).
  const defaultInit = sampler.defaultInit === 'prior' && !isGmm(problem.prior) ? 'gaussian' : sampler.defaultInit;
  // Raced against the signal: the native draws behind it cannot be interrupted, the wait can.
  const init = await untilAborted(initialState(opts.init ?? defaultInit, run.prior, opts.chains, { seed, chainOffset: opts.chainOffset, device, signal: opts.signal }, 'options.init'), opts.signal);
  const phases: PhaseInfo[] = [];
  const { state, settings, final, reweighting, warnings: samplerWarnings = [], target = 'posterior' } = await sampler.run(
    {
      problem,
      run,
      accuracy: opts.accuracy,
      steps: opts.steps,
      budget: opts.budget,
      stepSize: opts.stepSize,
      samplerOptions: opts.samplerOptions,
      userInit: opts.init !== undefined,
      population: opts.population,
      drawFromGmm: (prior) => initialState('prior', priorTables(prior), opts.chains, { seed, chainOffset: opts.chainOffset, device }),
      async runPhase(spec, s: ChainState) {
        const start = performance.now();
        const out = await runPhase(run, spec, s);
        phases.push({ name: spec.name, steps: spec.schedule.h.length, seconds: (performance.now() - start) / 1000, diverged: divergenceReport(out.status).diverged });
        return out;
      },
      record(info) {
        phases.push(info);
      },
    },
    init,
  );
  const divergence = divergenceReport(state.status, opts.chainOffset);
  if (divergence.diverged > 0 && opts.divergence === 'error') {
    const first = divergence.chains[0];
    throw new LangevinError('E_DIVERGED', `${divergence.diverged} of ${opts.chains} chains diverged (first: chain ${first.chain} at step ${first.step}); reduce stepSize or check the problem's scales`);
  }
  // The exact reference is the sampler's own target: the posterior, or the prior (DALMC likelihood: false).
  const targetProblem: Problem = target === 'prior' ? { prior: problem.prior } : problem;
  const exact = d <= EXACT_DIAGNOSTICS_MAX_DIM && isGmmProblem(targetProblem) ? exactPosteriorOf(targetProblem) : undefined;
  // Chunked: at 10⁶ chains this tail takes seconds and must stay cancellable (signal checked per slice).
  const diagnostics = await diagnoseChunked(targetProblem, state.x, state.status, divergence, exact, opts.signal);
  if (opts.signal?.aborted) throw abortError(opts.signal);
  if (reweighting) diagnostics.reweighting = reweighting;
  if (opts.draws > 0) {
    // Continue on the final target with its own stream; the returned samples stay the sampler's.
    const snapshots: Float32Array[] = [];
    const f = final.schedule;
    const schedule = constantSchedule(opts.thin, { h: f.h[0], a: f.a[0], b2: f.b2[0], c: f.c[0] });
    let s = state;
    for (let i = 0; i < opts.draws; i++) {
      s = await runPhase(run, { ...final, name: 'convergence draws', stream: Streams.convergence, stepOffset: i * opts.thin, schedule }, s);
      snapshots.push(s.x);
    }
    diagnostics.convergence = { ...summarizeChains(snapshots, opts.chains, d), draws: opts.draws, thin: opts.thin };
  }
  const warnings = runWarnings(diagnostics, exact, samplerWarnings);
  const result: SampleResult = {
    samples: state.x,
    shape: [opts.chains, d],
    status: state.status,
    summary: {
      sampler: sampler.name,
      prior: describePrior(problem.prior, scoreModel?.description),
      target,
      chains: opts.chains,
      chainOffset: opts.chainOffset,
      dim: d,
      seed: seed.toString(),
      device,
      deviceDescription: describeDevice(device),
      seconds: (performance.now() - t0) / 1000,
      settings,
      phases,
      diagnostics,
      warnings,
      version: VERSION,
    },
  };
  if (opts.strict && warnings.length > 0)
    throw new LangevinError('E_INACCURATE', `the run failed its own checks (strict): ${warnings.join('; ')}`, undefined, { result });
  return result;
}

function describePrior(prior: Prior, model?: string): string {
  if (isGmm(prior)) return `Gaussian mixture, ${prior.components} ${prior.kind} component${prior.components > 1 ? 's' : ''} on R^${prior.dim}`;
  if (prior.kind === 'patch-gmm') {
    const { channels: C, height: H, width: W } = prior.shape;
    return `patch GMM (EPLL): ${prior.gmm.components} components on ${prior.patchSize}×${prior.patchSize} patches, stride ${prior.stride}, image ${C}×${H}×${W}`;
  }
  return `score model: ${model ?? 'user-supplied'}`;
}

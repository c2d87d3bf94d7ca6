// SPDX-License-Identifier: MIT
// Validation of sample() options: every field checked, unknown keys refused, before any work.
import { invalid, LangevinError } from './errors.js';
import type { DeviceRequest } from './engine/device.js';
import type { InitSpec } from './engine/init.js';
import type { Progress } from './engine/phase.js';
import { bool, integer, positive, type Check } from './optionChecks.js';
import { ALMC_OPTIONS, type AlmcOptions } from './samplers/almc.js';
import { DALMC_OPTIONS, type DalmcOptions } from './samplers/dalmc.js';
import { LMC_OPTIONS, type LmcOptions } from './samplers/lmc.js';
import { XGP_OPTIONS, type XgpOptions } from './samplers/xgp.js';

export const SAMPLER_NAMES = ['lmc', 'almc', 'xgp', 'dalmc'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface SampleOptions {
  /** Which sampler (default 'lmc'). */
  sampler?: SamplerName;
  /** Number of chains, one posterior sample each (default 1000). */
  chains?: number;
  /** Seed of the counter-based generator (default 0). */
  seed?: number | bigint;
  /** Global index of the first chain: a run of chains [o, o+n) reproduces those chains of a bigger run. */
  chainOffset?: number;
  device?: DeviceRequest;
  /** CPU threads (default: all cores). Results do not depend on it. */
  threads?: number;
  /** Override of the theorem-derived number of steps. */
  steps?: number;
  /**
   * Override of the theorem-derived step size: the one step-size knob of every sampler (LMC's h,
   * ALMC's constant δ, XGP's per-stage step, DALMC's h_k).
   */
  stepSize?: number;
  /**
   * A bound on a default run's cost: total Langevin steps, or seconds. Where the defaults ask for
   * more, the run is shortened (reweighted samplers: fewer moves per level; LMC: fewer steps) and
   * says so in summary.warnings. A seconds budget depends on the machine; the summary records the
   * steps it came to, which reproduce the run. Not with `steps`.
   */
  budget?: { steps?: number; seconds?: number };
  /** Accuracy target ε of the default step sizes (default 0.05). */
  accuracy?: number;
  /** Initial states (default: the sampler's own). */
  init?: InitSpec;
  /**
   * Convergence draws: after sampling, continue Langevin on the sampler's final target for
   * draws × thin steps and record every thin-th state, to report split-R̂ and ESS across chains.
   * The returned samples are unaffected. Default 0 (off).
   */
  draws?: number;
  thin?: number;
  /**
   * Reweighted samplers: chains weigh and resample within islands of this many global chain
   * indices (default 1024); a run computes the whole islands that cover its chains.
   */
  population?: number;
  /**
   * Reject with E_INACCURATE (error.result holds the run) when the run's own diagnostics say it
   * failed: see summary.warnings. Default false: the warnings are only reported.
   */
  strict?: boolean;
  /** 'report' (default): diverged chains are frozen and listed; 'error': reject with E_DIVERGED. */
  divergence?: 'report' | 'error';
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Options of the LMC sampler: none (only the shared ones above). */
  lmc?: LmcOptions;
  /** Options of the ALMC sampler. */
  almc?: AlmcOptions;
  /** Options of the XGP sampler. */
  xgp?: XgpOptions;
  /** Options of the DALMC sampler. */
  dalmc?: DalmcOptions;
}

export interface ResolvedOptions {
  sampler: SamplerName;
  chains: number;
  seed: number | bigint;
  chainOffset: number;
  device: DeviceRequest;
  threads: number;
  steps?: number;
  stepSize?: number;
  budget?: { steps?: number; seconds?: number };
  accuracy: number;
  init?: InitSpec;
  divergence: 'report' | 'error';
  population: number;
  strict: boolean;
  draws: number;
  thin: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  samplerOptions?: Record<string, unknown>;
}

const KEYS = new Set(['sampler', 'chains', 'seed', 'chainOffset', 'device', 'threads', 'steps', 'stepSize', 'accuracy', 'init', 'divergence', 'signal', 'onProgress', 'draws', 'thin', 'population', 'strict', 'budget', 'lmc', 'almc', 'xgp', 'dalmc']);

/** Each sampler's own options, declared and checked in the sampler's file. */
const SAMPLER_OPTIONS: Record<SamplerName, Readonly<Record<string, Check>>> = { lmc: LMC_OPTIONS, almc: ALMC_OPTIONS, xgp: XGP_OPTIONS, dalmc: DALMC_OPTIONS };

function samplerOptions(sampler: string, o: Record<string, unknown>): Record<string, unknown> | undefined {
  for (const name of Object.keys(SAMPLER_OPTIONS))
    if (name !== sampler && o[name] !== undefined) throw new LangevinError('E_OPTION', `options.${name}: given, but the sampler is '${sampler}'`, `options.${name}`);
  const raw = o[sampler];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('E_OPTION', `options.${sampler}`, 'an object', raw);
  const checks = SAMPLER_OPTIONS[sampler as SamplerName];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const check = Object.hasOwn(checks, k) ? checks[k] : undefined;
    if (!check) {
      const hint = k === 'stepSize' ? '; the step size is options.stepSize for every sampler' : '';
      throw new LangevinError('E_OPTION', `options.${sampler}.${k}: unknown option (known: ${Object.keys(checks).join(', ') || 'none'})${hint}`, `options.${sampler}.${k}`);
    }
    if (v !== undefined) out[k] = check(`options.${sampler}.${k}`, v);
  }
  return out;
}
export const MAX_CHAINS = 1 << 24;

function budgetOf(v: unknown, steps: unknown): ResolvedOptions['budget'] {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('E_OPTION', 'options.budget', '{ steps?, seconds? }', v);
  for (const k of Object.keys(v)) if (k !== 'steps' && k !== 'seconds') throw new LangevinError('E_OPTION', `options.budget.${k}: unknown (known: steps, seconds)`, `options.budget.${k}`);
  const b = v as { steps?: unknown; seconds?: unknown };
  if (b.steps === undefined && b.seconds === undefined) throw invalid('E_OPTION', 'options.budget', 'steps or seconds', v);
  if (steps !== undefined) throw new LangevinError('E_OPTION', 'options.budget: bounds the default run length; with options.steps the length is given already (give one of them)', 'options.budget');
  return {
    steps: b.steps === undefined ? undefined : integer('options.budget.steps', b.steps, 1, 100_000_000),
    seconds: b.seconds === undefined ? undefined : positive('options.budget.seconds', b.seconds),
  };
}

export function resolveOptions(options: SampleOptions | undefined): ResolvedOptions {
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw invalid('E_OPTION', 'options', 'an object', o);
  for (const key of Object.keys(o)) {
    // null is not "use the default": refuse it like any other wrong type.
    if (o[key] === null) throw invalid('E_VALUE', `options.${key}`, 'a value (omit the key for the default)', null);
  }
  for (const key of Object.keys(o)) if (!KEYS.has(key)) throw new LangevinError('E_OPTION', `options.${key}: unknown option (known: ${[...KEYS].join(', ')})`, `options.${key}`);
  const sampler = (o.sampler ?? 'lmc') as SamplerName;
  if (!SAMPLER_NAMES.includes(sampler)) throw invalid('E_OPTION', 'options.sampler', SAMPLER_NAMES.map((s) => `'${s}'`).join(' | '), o.sampler);
  const divergence = (o.divergence ?? 'report') as 'report' | 'error';
  if (divergence !== 'report' && divergence !== 'error') throw invalid('E_OPTION', 'options.divergence', "'report' or 'error'", o.divergence);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw invalid('E_OPTION', 'options.signal', 'an AbortSignal', o.signal);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw invalid('E_OPTION', 'options.onProgress', 'a function', o.onProgress);
  if (o.seed !== undefined && typeof o.seed !== 'number' && typeof o.seed !== 'bigint') throw invalid('E_VALUE', 'options.seed', 'a non-negative integer or bigint', o.seed);
  return {
    sampler,
    chains: o.chains === undefined ? 1000 : integer('options.chains', o.chains, 1, MAX_CHAINS),
    seed: (o.seed as number | bigint | undefined) ?? 0,
    chainOffset: o.chainOffset === undefined ? 0 : integer('options.chainOffset', o.chainOffset, 0, 2 ** 32 - MAX_CHAINS),
    device: (o.device ?? 'auto') as DeviceRequest,
    threads: o.threads === undefined ? 0 : integer('options.threads', o.threads, 1, 1024),
    steps: o.steps === undefined ? undefined : integer('options.steps', o.steps, 0, 100_000_000),
    stepSize: o.stepSize === undefined ? undefined : positive('options.stepSize', o.stepSize),
    accuracy: o.accuracy === undefined ? 0.05 : positive('options.accuracy', o.accuracy, 1),
    init: o.init as InitSpec | undefined,
    divergence,
    budget: budgetOf(o.budget, o.steps),
    strict: o.strict === undefined ? false : (bool('options.strict', o.strict) as boolean),
    population: o.population === undefined ? 1024 : integer('options.population', o.population, 16, 1 << 20),
    draws: o.draws === undefined ? 0 : integer('options.draws', o.draws, 0, 100_000),
    thin: o.thin === undefined ? 10 : integer('options.thin', o.thin, 1, 1_000_000),
    signal: o.signal as AbortSignal | undefined,
    onProgress: o.onProgress as ((p: Progress) => void) | undefined,
    samplerOptions: samplerOptions(sampler, o),
  };
}

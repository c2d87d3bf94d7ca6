// SPDX-License-Identifier: MIT
// Shared pieces of the reproductions (`langevin repro <name>`): options, output files, and the
// error measures against exact answers.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceRequest } from '../engine/device.js';
import { meanResponsibilities, sampleMoments } from '../diagnostics/summary.js';
import type { FullGmm } from '../math/posterior.js';
import type { Progress } from '../engine/phase.js';
import { VERSION } from '../version.js';

export interface ReproOptions {
  /** Output directory for <name>.svg and <name>.json (created if missing). */
  outDir: string;
  /** Chains per run (each repro has its own default). */
  chains?: number;
  seed?: number | bigint;
  device?: DeviceRequest;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/** What every repro returns (and writes as <name>.json, with its own fields added). */
export interface ReproResultBase {
  name: string;
  title: string;
  version: string;
  seed: string;
  chains: number;
  /** Wall-clock seconds of the whole repro. */
  seconds: number;
  files: { svg: string; json: string };
  notes: string[];
}

export function reproBase(name: string, title: string, seed: number | bigint, chains: number): Omit<ReproResultBase, 'seconds' | 'files' | 'notes'> {
  return { name, title, version: VERSION, seed: seed.toString(), chains };
}

/** Writes <out>/<name>.svg and <out>/<name>.json (each atomically) and returns their paths. */
export function writeOutputs(outDir: string, name: string, svg: string, json: (files: { svg: string; json: string }) => unknown): { svg: string; json: string } {
  mkdirSync(outDir, { recursive: true });
  const files = { svg: join(outDir, `${name}.svg`), json: join(outDir, `${name}.json`) };
  const put = (path: string, text: string) => {
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  };
  put(files.svg, svg);
  put(files.json, JSON.stringify(json(files), (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
  return files;
}

export interface MomentErrors {
  /** ‖m̂ − m‖₂. */
  meanError: number;
  /** ‖Ĉ − C‖_F. */
  covFrobenius: number;
  /** ‖Ĉ − C‖_F / ‖C‖_F. */
  covRelError: number;
}

/** Mean posterior responsibility of each component of a GMM over the selected rows (the sampled mode weights). */
export function modeWeightsOf(g: FullGmm, x: Float32Array, keep: (c: number) => boolean = () => true): number[] {
  return meanResponsibilities(g, x, keep).weights;
}

/** Total variation ½Σ|a_k − b_k| between two weight vectors. */
export function weightTv(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += Math.abs(a[k] - b[k]);
  return 0.5 * s;
}

/** Sample mean and covariance of the finite rows of x[n*d] against exact moments. */
export function momentErrors(x: Float32Array, d: number, mean: ArrayLike<number>, cov: ArrayLike<number>, status?: Int32Array): MomentErrors {
  const m = sampleMoments(x, d, status ? (c) => status[c] < 0 : () => true);
  let me = 0, num = 0, den = 0;
  for (let i = 0; i < d; i++) me += (m.mean[i] - mean[i]) ** 2;
  for (let i = 0; i < d * d; i++) {
    num += (m.cov[i] - cov[i]) ** 2;
    den += cov[i] ** 2;
  }
  return { meanError: Math.sqrt(me), covFrobenius: Math.sqrt(num), covRelError: Math.sqrt(num / den) };
}

/**
 * Expected TV distance 0.5·Σ_k E|ŵ_k − w_k| of mode weights estimated from n exact samples when each
 * sample falls in one mode (binomial counts, normal approximation): the sampling-error floor.
 */
export function modeWeightTvFloor(weights: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let k = 0; k < weights.length; k++) s += Math.sqrt((2 * weights[k] * (1 - weights[k])) / (Math.PI * n));
  return 0.5 * s;
}

export const round = (v: number, digits = 4) => Number(v.toPrecision(digits));
export const roundAll = (v: ArrayLike<number>, digits = 4) => Array.from(v, (x) => round(x, digits));

export function elapsed(t0: number): number {
  return (performance.now() - t0) / 1000;
}

// SPDX-License-Identifier: MIT
// Initial chain states: exact draws from the prior (or any GMM), N(0, I), zeros, or the user's.
import { abortError, invalid } from '../errors.js';
import type { Device } from './device.js';
import { drawNormals, drawUniforms } from './rng.js';
import { Streams } from './streams.js';
import type { PriorTables } from './nativeTables.js';
import type { ChainState } from './chains.js';
import { freshStatus } from './chains.js';

/** Chains drawn between event-loop yields. */
const YIELD_EVERY = 1 << 14;

export type InitSpec = 'prior' | 'gaussian' | 'zeros' | Float32Array;

export interface InitSite {
  seed: bigint;
  chainOffset: number;
  device: Device;
  /** Checked between slices of the draw loop: a cancelled run stops drawing. */
  signal?: AbortSignal;
}

/** Exact samples of the GMM in `tables` (x = μ_k + U_k (√λ_k ∘ z), k drawn by its weight). */
export async function sampleGmm(tables: PriorTables, chains: number, site: InitSite, stream: number = Streams.initNormals): Promise<Float32Array> {
  const { dim: d, components: K, covKind } = tables;
  const z = await drawNormals({ seed: site.seed, stream, chainOffset: site.chainOffset, device: site.device }, chains, d);
  const u = await drawUniforms({ seed: site.seed, stream: Streams.initUniforms, step: stream, chainOffset: site.chainOffset, device: site.device }, chains, 1);
  const cdf = new Float64Array(K);
  let acc = 0;
  for (let k = 0; k < K; k++) cdf[k] = acc += Math.exp(tables.logWeights[k]);
  const x = new Float32Array(chains * d);
  for (let c = 0; c < chains; c++) {
    // Let the event loop breathe on very large batches (this loop runs on the main thread).
    if (c > 0 && c % YIELD_EVERY === 0) {
      await new Promise<void>((r) => setImmediate(r));
      if (site.signal?.aborted) throw abortError(site.signal);
    }
    const target = u[c] * acc;
    let k = 0;
    while (k < K - 1 && cdf[k] < target) k++;
    const zc = z.subarray(c * d, (c + 1) * d);
    const row = x.subarray(c * d, (c + 1) * d);
    const mu = tables.means.subarray(k * d, (k + 1) * d);
    if (covKind === 0) {
      const s = Math.sqrt(tables.variances[k]);
      for (let i = 0; i < d; i++) row[i] = mu[i] + s * zc[i];
    } else if (covKind === 1) {
      for (let i = 0; i < d; i++) row[i] = mu[i] + Math.sqrt(tables.variances[k * d + i]) * zc[i];
    } else {
      const U = tables.eigenvectors!.subarray(k * d * d, (k + 1) * d * d);
      const lam = tables.variances.subarray(k * d, (k + 1) * d);
      for (let i = 0; i < d; i++) {
        let v = mu[i];
        for (let j = 0; j < d; j++) v += U[i * d + j] * Math.sqrt(Math.max(lam[j], 0)) * zc[j];
        row[i] = v;
      }
    }
  }
  return x;
}

export async function initialState(spec: InitSpec, prior: PriorTables, chains: number, site: InitSite, field = 'init'): Promise<ChainState> {
  const d = prior.dim;
  let x: Float32Array;
  if (spec instanceof Float32Array) {
    if (spec.length !== chains * d) throw invalid('E_SHAPE', field, `Float32Array of length chains·dim = ${chains * d}`, spec);
    if (!spec.every(Number.isFinite)) throw invalid('E_NONFINITE', field, 'finite numbers', 'a non-finite entry');
    x = Float32Array.from(spec);
  } else if (spec === 'prior') {
    x = await sampleGmm(prior, chains, site);
  } else if (spec === 'gaussian') {
    x = await drawNormals({ seed: site.seed, stream: Streams.initNormals, chainOffset: site.chainOffset, device: site.device }, chains, d);
  } else if (spec === 'zeros') {
    x = new Float32Array(chains * d);
  } else {
    throw invalid('E_OPTION', field, "'prior', 'gaussian', 'zeros' or a Float32Array of chains·dim", spec);
  }
  return { chains, dim: d, x, status: freshStatus(chains) };
}

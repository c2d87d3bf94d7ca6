// SPDX-License-Identifier: MIT
// A population of chains carrying importance weights along a path of targets γ_s, split into
// islands of fixed size that weigh and resample only among themselves. Islands are fixed blocks of
// global chain indices, so a chain's sample depends on its own island only: a run of chains
// [o, o+n) computes the islands that cover it and reproduces those chains of any bigger run.
import type { ChainState } from '../engine/chains.js';
import { LangevinError } from '../errors.js';
import { drawUniforms } from '../engine/rng.js';
import { conditionalEssFraction, essFraction, logIncrementMean, systematicAncestors } from './weights.js';

export interface IslandStats {
  /** Smallest ESS fraction seen by any island before any resampling. */
  minEss: number;
  /** Resampling events summed over islands. */
  resamples: number;
  /** Particles that diverged (non-finite) and were dropped with weight 0. */
  dropped: number;
}

export class Population {
  readonly logw: Float64Array;
  /** log of each island's normalising-constant ratio estimate so far, Σ_levels log Σ W_i e^{Δ_i}. */
  readonly logZ: Float64Array;
  readonly stats: IslandStats = { minEss: 1, resamples: 0, dropped: 0 };

  constructor(
    public state: ChainState,
    /** Island size; the state holds whole islands. */
    readonly island: number,
    /** Global index of the state's first island (resampling uniforms are keyed by it). */
    readonly firstIsland: number,
  ) {
    if (state.chains % island !== 0) throw new LangevinError('E_VALUE', `population: ${state.chains} chains are not whole islands of ${island}`);
    this.logw = new Float64Array(state.chains);
    this.logZ = new Float64Array(state.chains / island);
    this.dropDiverged();
  }

  get islands(): number {
    return this.logZ.length;
  }

  /** Chains that became non-finite get weight 0 (log −∞); an island with no live chain fails. */
  dropDiverged(): void {
    const { status } = this.state;
    for (let c = 0; c < status.length; c++) {
      if (status[c] < 0 || this.logw[c] === -Infinity) continue;
      this.logw[c] = -Infinity;
      this.stats.dropped++;
    }
    for (let i = 0; i < this.islands; i++) {
      let live = false;
      for (let c = i * this.island; c < (i + 1) * this.island && !live; c++) live = this.logw[c] > -Infinity;
      if (!live)
        throw new LangevinError('E_DIVERGED', `every chain of island ${this.firstIsland + i} (chains ${(this.firstIsland + i) * this.island}…) diverged: reduce stepSize or check the problem's scales`);
    }
  }

  /** Smallest conditional ESS fraction over islands for increments Δ. */
  conditionalEss(delta: Float64Array): number {
    let mn = 1;
    for (let i = 0; i < this.islands; i++) mn = Math.min(mn, conditionalEssFraction(this.logw, delta, i * this.island, (i + 1) * this.island));
    return mn;
  }

  /** Multiply the weights by e^{Δ} (the level change's incremental weights), updating each island's log Z. */
  reweigh(delta: Float64Array): void {
    for (let i = 0; i < this.islands; i++) {
      const from = i * this.island, to = from + this.island;
      this.logZ[i] += logIncrementMean(this.logw, delta, from, to);
      for (let c = from; c < to; c++) this.logw[c] += Number.isFinite(delta[c]) ? delta[c] : -Infinity;
    }
    this.dropDiverged();
  }

  /** Smallest ESS fraction over islands. */
  ess(): number {
    let mn = 1;
    for (let i = 0; i < this.islands; i++) mn = Math.min(mn, essFraction(this.logw, i * this.island, (i + 1) * this.island));
    return mn;
  }

  /**
   * Systematic resampling of every island whose ESS fraction is below `threshold` (1: every island
   * whose weights are not all equal), with one uniform per island from the resampling stream at
   * `step`. Resampled islands restart with equal weights. Returns which islands were resampled.
   */
  async resample(threshold: number, draw: { seed: bigint; stream: number; step: number }): Promise<boolean[]> {
    const u = await drawUniforms({ seed: draw.seed, stream: draw.stream, step: draw.step, chainOffset: this.firstIsland }, this.islands, 1);
    const { chains, dim: d } = this.state;
    const x = Float32Array.from(this.state.x);
    const status = Int32Array.from(this.state.status);
    const resampled = new Array<boolean>(this.islands).fill(false);
    for (let i = 0; i < this.islands; i++) {
      const from = i * this.island, to = from + this.island;
      const ess = essFraction(this.logw, from, to);
      this.stats.minEss = Math.min(this.stats.minEss, ess);
      if (ess >= threshold && !(threshold >= 1 && !uniformWeights(this.logw, from, to))) continue;
      // Systematic resampling along the island's leading principal direction: particles of one mode
      // sit together in that order, so a mode's count moves by at most one particle per resampling
      // instead of a multinomial's √n (the mode weights' variance would grow with every event).
      const order = principalOrder(this.state.x, d, this.logw, from, to);
      const ancestors = systematicAncestors(Float64Array.from(order, (c) => this.logw[c]), 0, to - from, u[i]);
      for (let c = from; c < to; c++) {
        const a = order[ancestors[c - from]];
        x.set(this.state.x.subarray(a * d, (a + 1) * d), c * d);
        status[c] = this.state.status[a];
        this.logw[c] = 0;
      }
      this.stats.resamples++;
      resampled[i] = true;
    }
    this.state = { chains, dim: d, x, status };
    return resampled;
  }
}

/**
 * The island's chains ordered by their projection on the leading eigenvector of the weighted
 * covariance (power iteration from a fixed start; ties keep index order).
 */
export function principalOrder(x: Float32Array, d: number, logw: Float64Array, from: number, to: number): Int32Array {
  const n = to - from;
  let mx = -Infinity;
  for (let c = from; c < to; c++) mx = Math.max(mx, logw[c]);
  const w = new Float64Array(n);
  let wsum = 0;
  for (let c = from; c < to; c++) wsum += w[c - from] = logw[c] === -Infinity ? 0 : Math.exp(logw[c] - mx);
  const mean = new Float64Array(d);
  for (let c = 0; c < n; c++) for (let i = 0; i < d; i++) mean[i] += (w[c] / wsum) * x[(from + c) * d + i];
  let v = Float64Array.from({ length: d }, (_, i) => 1 + 0.5 * Math.sin(0.7 * i + 0.3));
  const proj = new Float64Array(n);
  for (let it = 0; it < 12; it++) {
    let nrm = 0;
    for (let i = 0; i < d; i++) nrm += v[i] * v[i];
    nrm = Math.sqrt(nrm);
    if (!(nrm > 0)) break;
    for (let i = 0; i < d; i++) v[i] /= nrm;
    // v ← C v = Σ_c w_c (x_c − m)((x_c − m)·v)
    const next = new Float64Array(d);
    for (let c = 0; c < n; c++) {
      if (w[c] === 0) continue;
      const row = (from + c) * d;
      let p = 0;
      for (let i = 0; i < d; i++) p += (x[row + i] - mean[i]) * v[i];
      const f = (w[c] / wsum) * p;
      for (let i = 0; i < d; i++) next[i] += f * (x[row + i] - mean[i]);
    }
    v = next;
  }
  for (let c = 0; c < n; c++) {
    const row = (from + c) * d;
    let p = 0;
    for (let i = 0; i < d; i++) p += x[row + i] * v[i];
    proj[c] = p;
  }
  const order = Int32Array.from({ length: n }, (_, c) => c);
  order.sort((a, b) => proj[a] - proj[b] || a - b);
  for (let c = 0; c < n; c++) order[c] += from;
  return order;
}

function uniformWeights(logw: Float64Array, from: number, to: number): boolean {
  for (let c = from + 1; c < to; c++) if (logw[c] !== logw[from]) return false;
  return true;
}

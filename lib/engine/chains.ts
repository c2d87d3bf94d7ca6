// SPDX-License-Identifier: MIT
/** The state of a batch of chains between phases. */
export interface ChainState {
  readonly chains: number;
  readonly dim: number;
  readonly x: Float32Array; // [chains*dim]
  /** -1 while the chain is finite; otherwise the global step at which it diverged (and froze). */
  readonly status: Int32Array; // [chains]
}

export function freshStatus(chains: number): Int32Array {
  return new Int32Array(chains).fill(-1);
}

/** Per-chain divergence report. */
export interface DivergenceReport {
  diverged: number;
  chains: { chain: number; step: number; cause: string }[]; // at most 20 listed
}

export function divergenceReport(status: Int32Array, chainOffset = 0): DivergenceReport {
  const chains: DivergenceReport['chains'] = [];
  let diverged = 0;
  for (let c = 0; c < status.length; c++) {
    if (status[c] < 0) continue;
    diverged++;
    if (chains.length < 20) chains.push({ chain: chainOffset + c, step: status[c], cause: 'state became non-finite (NaN or ±Inf); chain frozen at its last finite state' });
  }
  return { diverged, chains };
}

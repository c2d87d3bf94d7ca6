// SPDX-License-Identifier: MIT
// The validated, normalised in-memory form of a problem. Everything downstream of lib/problem
// works on these types only; raw JSON never reaches the samplers or native code.

export type CovarianceKind = 'isotropic' | 'diagonal' | 'full';

/**
 * Gaussian mixture prior  p(x) = Σ_k w_k N(x; μ_k, Σ_k)  on R^d. A Gaussian prior is K = 1.
 * Arrays are row-major Float64Arrays.
 */
export interface GmmPrior {
  readonly kind: CovarianceKind;
  readonly dim: number; // d
  readonly components: number; // K
  readonly weights: Float64Array; // [K], positive, sums to 1
  readonly means: Float64Array; // [K*d]
  /** isotropic: [K] variances; diagonal: [K*d] variances; full: [K*d*d] symmetric positive-definite matrices */
  readonly cov: Float64Array;
}

/** Linear measurement operators. m is the number of measurements. */
export type Operator =
  | { readonly type: 'identity'; readonly dim: number }
  | { readonly type: 'mask'; readonly dim: number; readonly indices: Int32Array } // kept entries, ascending; m = indices.length
  | { readonly type: 'dense'; readonly rows: number; readonly cols: number; readonly matrix: Float64Array }; // [rows*cols]

/** y = A x + N(0, noiseStd² I_m). */
export interface Likelihood {
  readonly operator: Operator;
  readonly y: Float64Array; // [m]
  readonly noiseStd: number; // η > 0
}

export interface Problem {
  readonly prior: GmmPrior;
  /** Absent: the target is the prior itself (generative sampling). */
  readonly likelihood?: Likelihood;
}

/** Number of measurements m of an operator. */
export function operatorRows(op: Operator): number {
  switch (op.type) {
    case 'identity':
      return op.dim;
    case 'mask':
      return op.indices.length;
    case 'dense':
      return op.rows;
  }
}

/** Dimension d of an operator's input. */
export function operatorCols(op: Operator): number {
  return op.type === 'dense' ? op.cols : op.dim;
}

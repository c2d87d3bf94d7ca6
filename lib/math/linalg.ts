// SPDX-License-Identifier: MIT
// Small dense linear algebra on row-major Float64Arrays. Used for setup work (exact posteriors,
// step sizes, reference scores), never in per-step hot loops, so clarity wins over blocking tricks.

import { LangevinError } from '../errors.js';

/** C = A·B with A m×k and B k×n; returns C m×n. */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue; // masks and identities are mostly zeros
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
    }
  }
  return c;
}

/** y = A·x with A m×n. */
export function matvec(a: Float64Array, x: ArrayLike<number>, m: number, n: number): Float64Array {
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    const ai = i * n;
    for (let j = 0; j < n; j++) s += a[ai + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** y = Aᵀ·x with A m×n (x has length m); avoids materialising the transpose. */
export function matvecT(a: Float64Array, x: ArrayLike<number>, m: number, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const ai = i * n;
    for (let j = 0; j < n; j++) y[j] += a[ai + j] * xi;
  }
  return y;
}

/** Aᵀ (n×m) of A (m×n). */
export function transpose(a: Float64Array, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

/** (A + Aᵀ)/2 in place for a square n×n A; removes the asymmetry rounding leaves after updates. */
export function symmetrize(a: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (a[i * n + j] + a[j * n + i]);
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/**
 * Lower-triangular L with A = L·Lᵀ for a symmetric positive-definite n×n A (only the lower
 * triangle of A is read). Throws LangevinError E_VALUE naming `field` when a pivot is not
 * strictly positive (A not positive definite, or NaN entries).
 */
export function cholesky(a: Float64Array, n: number, field = 'matrix'): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diag = a[j * n + j];
    for (let p = 0; p < j; p++) diag -= l[j * n + p] * l[j * n + p];
    // `!(x > 0)` also rejects NaN.
    if (!(diag > 0)) {
      throw new LangevinError(
        'E_VALUE',
        `${field}: expected a symmetric positive-definite matrix, received one whose Cholesky pivot ${j} is ${diag}`,
        field,
      );
    }
    const ljj = Math.sqrt(diag);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let p = 0; p < j; p++) s -= l[i * n + p] * l[j * n + p];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Solve L·z = b (forward substitution) for lower-triangular n×n L. */
export function forwardSubstitute(l: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= l[i * n + p] * z[p];
    z[i] = s / l[i * n + i];
  }
  return z;
}

/** Solve Lᵀ·x = z (back substitution) for lower-triangular n×n L. */
export function backSubstituteT(l: Float64Array, z: ArrayLike<number>, n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let p = i + 1; p < n; p++) s -= l[p * n + i] * x[p];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** Solve A·x = b given the Cholesky factor L of A (n×n). */
export function choleskySolve(l: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  return backSubstituteT(l, forwardSubstitute(l, b, n), n);
}

/** Solve A·X = B for an n×k right-hand side B (row-major), given the Cholesky factor L of A. */
export function choleskySolveMatrix(l: Float64Array, b: Float64Array, n: number, k: number): Float64Array {
  const x = new Float64Array(b); // solved in place, column by column of the row-major layout
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      let s = x[i * k + c];
      for (let p = 0; p < i; p++) s -= l[i * n + p] * x[p * k + c];
      x[i * k + c] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i * k + c];
      for (let p = i + 1; p < n; p++) s -= l[p * n + i] * x[p * k + c];
      x[i * k + c] = s / l[i * n + i];
    }
  }
  return x;
}

/** log det A = 2 Σ log L_ii from the Cholesky factor L of A. */
export function choleskyLogDet(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return 2 * s;
}

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  readonly values: Float64Array;
  /** n×n row-major; column j is the unit eigenvector of values[j]. */
  readonly vectors: Float64Array;
}

/**
 * Eigen-decomposition A = V·diag(λ)·Vᵀ of a symmetric n×n matrix by cyclic Jacobi rotations.
 * Jacobi is slow (O(n³) per sweep, ~6–10 sweeps) but backward stable with small relative errors, and
 * it yields orthonormal vectors even for repeated eigenvalues; errors are ~1e-12·‖A‖ for n ≤ 200.
 * Only symmetric input is meaningful: the matrix is symmetrised first.
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  const w = symmetrize(new Float64Array(a.subarray(0, n * n)), n);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  let normSq = 0;
  for (let i = 0; i < n * n; i++) normSq += w[i] * w[i];

  const maxSweeps = 100;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += w[p * n + q] * w[p * n + q];
    // Quadratic convergence: once the off-diagonal mass is below rounding level we are done.
    if (off === 0 || off <= 1e-36 * normSq) break;

    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = w[p * n + q];
        if (apq === 0) continue;
        const app = w[p * n + p];
        const aqq = w[q * n + q];
        // Numerical Recipes' test: after a few sweeps, drop an entry that cannot change either
        // diagonal in floating point; guarantees termination with exact zeros.
        const g = 100 * Math.abs(apq);
        if (sweep > 3 && Math.abs(app) + g === Math.abs(app) && Math.abs(aqq) + g === Math.abs(aqq)) {
          w[p * n + q] = 0;
          w[q * n + p] = 0;
          continue;
        }
        // Rotation angle that zeroes a_pq; the smaller root of t² + 2θt − 1 = 0 keeps |angle| ≤ π/4.
        const theta = (aqq - app) / (2 * apq);
        const t =
          Math.abs(theta) > 1e150
            ? 1 / (2 * theta)
            : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← A·J (columns p, q) then Jᵀ·A (rows p, q); V ← V·J.
        for (let k = 0; k < n; k++) {
          const akp = w[k * n + p];
          const akq = w[k * n + q];
          w[k * n + p] = c * akp - s * akq;
          w[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = w[p * n + k];
          const aqk = w[q * n + k];
          w[p * n + k] = c * apk - s * aqk;
          w[q * n + k] = s * apk + c * aqk;
        }
        // Set the analytically known entries exactly rather than trusting rounding.
        w[p * n + p] = app - t * apq;
        w[q * n + q] = aqq + t * apq;
        w[p * n + q] = 0;
        w[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => w[i * n + i] - w[j * n + j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const src = order[j];
    values[j] = w[src * n + src];
    for (let k = 0; k < n; k++) vectors[k * n + j] = v[k * n + src];
  }
  return { values, vectors };
}

export interface PowerIterationOptions {
  /** Stop when the estimate changes by at most tol·estimate between iterations. Default 1e-12. */
  readonly tol?: number;
  /** Iteration cap. Default 5000. */
  readonly maxIter?: number;
}

/**
 * ‖A‖₂² = λ_max(AᵀA) for a dense m×n A, by power iteration on AᵀA.
 *
 * The estimate is the Rayleigh quotient ‖Av‖² for the current unit v, so it never exceeds the true
 * value and increases monotonically towards it. With a spectral gap the error shrinks like
 * (σ₂/σ₁)^(4k); with a dense top of the spectrum convergence is sublinear and the result may stop
 * short by more than tol (still a lower bound) — callers setting step sizes should keep a margin.
 * The start vector is a fixed pseudo-random one (not all-ones, which is orthogonal to the top singular
 * vector of e.g. finite-difference operators), so results are reproducible.
 */
export function spectralNormSquared(
  a: Float64Array,
  m: number,
  n: number,
  options: PowerIterationOptions = {},
): number {
  const tol = options.tol ?? 1e-12;
  const maxIter = options.maxIter ?? 5000;
  if (m === 0 || n === 0) return 0;

  let v: Float64Array = new Float64Array(n);
  let seed = 0x2545f491;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    v[i] = seed / 4294967296 - 0.25; // mostly-positive mixed signs
  }
  let norm = 0;
  for (let i = 0; i < n; i++) norm += v[i] * v[i];
  norm = Math.sqrt(norm);
  for (let i = 0; i < n; i++) v[i] /= norm;

  let estimate = 0;
  for (let it = 0; it < maxIter; it++) {
    const av = matvec(a, v, m, n);
    let rq = 0;
    for (let i = 0; i < m; i++) rq += av[i] * av[i];
    const u = matvecT(a, av, m, n);
    let un = 0;
    for (let i = 0; i < n; i++) un += u[i] * u[i];
    un = Math.sqrt(un);
    if (!(un > 0)) return rq; // v in the null space: A is zero (or v exactly hit it)
    const converged = it > 0 && Math.abs(rq - estimate) <= tol * rq;
    estimate = rq;
    if (converged) break;
    for (let i = 0; i < n; i++) u[i] /= un;
    v = u;
  }
  return estimate;
}

/** ‖A‖₂ (largest singular value) of a dense m×n A; see spectralNormSquared for the convergence rule. */
export function operatorNorm(a: Float64Array, m: number, n: number, options: PowerIterationOptions = {}): number {
  return Math.sqrt(spectralNormSquared(a, m, n, options));
}

/**
 * A random orthonormal basis of R^d (Gram–Schmidt on d vectors of draws from `normal`, taken in
 * order), as the columns of a d×d row-major matrix.
 */
export function randomOrthonormal(d: number, normal: () => number): Float64Array {
  const q = new Float64Array(d * d);
  const cols: Float64Array[] = [];
  for (let j = 0; j < d; j++) {
    const v = Float64Array.from({ length: d }, normal);
    for (const u of cols) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += v[i] * u[i];
      for (let i = 0; i < d; i++) v[i] -= dot * u[i];
    }
    let n = 0;
    for (let i = 0; i < d; i++) n += v[i] * v[i];
    n = Math.sqrt(n);
    for (let i = 0; i < d; i++) v[i] /= n;
    cols.push(v);
    for (let i = 0; i < d; i++) q[i * d + j] = v[i];
  }
  return q;
}

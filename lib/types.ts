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

/** An image x = [channels][height][width], row-major and channel-major, flattened into R^d (d = C·H·W). */
export interface ImageShape {
  readonly channels: number; // C
  readonly height: number; // H
  readonly width: number; // W
}

/**
 * Linear measurement operators. m is the number of measurements.
 * - blur: circular convolution of each channel with `kernel` (kernelHeight × kernelWidth, row-major),
 *   centred at (⌊kh/2⌋, ⌊kw/2⌋): (Ax)[c,i,j] = Σ_{a,b} k[a,b]·x[c, (i−a+⌊kh/2⌋) mod H, (j−b+⌊kw/2⌋) mod W]; m = d.
 * - downsample: average pooling over factor×factor blocks (factor divides H and W); m = C·(H/f)·(W/f).
 * - fourier: unitary 2-D DFT of each channel, X[c,u,v] = (HW)^{-1/2} Σ x[c,i,j] e^{−2πi(ui/H + vj/W)}, kept at
 *   the distinct flat indices `samples` (c·H·W + u·W + v); y = [Re X_s0, Im X_s0, Re X_s1, …], m = 2·samples.length.
 * - compose: the operators applied in the listed order, A = A_n ∘ … ∘ A_1 (operators[0] acts on x first);
 *   each one's input dimension is the previous one's output dimension.
 */
export type Operator =
  | { readonly type: 'identity'; readonly dim: number }
  | { readonly type: 'mask'; readonly dim: number; readonly indices: Int32Array } // kept entries, ascending; m = indices.length
  | { readonly type: 'dense'; readonly rows: number; readonly cols: number; readonly matrix: Float64Array } // [rows*cols]
  | { readonly type: 'blur'; readonly shape: ImageShape; readonly kernel: Float64Array; readonly kernelHeight: number; readonly kernelWidth: number }
  | { readonly type: 'downsample'; readonly shape: ImageShape; readonly factor: number }
  | { readonly type: 'fourier'; readonly shape: ImageShape; readonly samples: Int32Array }
  | { readonly type: 'compose'; readonly operators: readonly Operator[] };

/** y = A x + N(0, noiseStd² I_m). */
export interface Likelihood {
  readonly operator: Operator;
  readonly y: Float64Array; // [m]
  readonly noiseStd: number; // η > 0
}

/**
 * EPLL-style image prior (Zoran & Weiss): log p(x) = w·Σ_j log g(P_j x) over the k×k patches P_j x
 * on a stride grid of each channel (circular boundary), g a GMM on R^{k²}, w = (stride/k)².
 * Annealed samplers noise g itself (the usual EPLL approximation of the noised image prior).
 */
export interface PatchGmmPrior {
  readonly kind: 'patch-gmm';
  readonly dim: number; // C·H·W
  readonly shape: ImageShape;
  readonly patchSize: number; // k
  readonly stride: number;
  readonly gmm: GmmPrior; // dimension k²
}

/**
 * The scale of a prior known only through its score (a learned model): what the theory-derived
 * step sizes and schedules need. minVariance bounds the score's Lipschitz constant by 1/minVariance.
 */
export interface PriorScale {
  readonly minVariance: number; // smallest variance of the prior in any direction (> 0)
  readonly maxVariance: number; // largest
  readonly meanSquare: number; // E‖X‖²/d
}

/**
 * A noise-conditional score s(x, σ) = ∇log p_σ(x), p_σ = Law(X + σZ), evaluated for many chains
 * at once. `out` has the layout of `x`: [chains, dim] row-major.
 */
export interface ScoreModel {
  readonly dim: number;
  score(x: Float32Array, chains: number, sigma: number, out: Float32Array): Promise<void>;
  /** A short description for summaries ("ONNX model score.onnx (score output)"). */
  readonly description?: string;
}

/** An ONNX model file run by the optional peer dependency onnxruntime-node (lib/onnx/). */
export interface OnnxModelSpec {
  readonly type: 'onnx';
  readonly path: string;
  /** What the model computes: the score s(x, σ), or a denoiser D(x, σ) ≈ E[X | X + σZ = x]. */
  readonly output: 'score' | 'denoiser';
  /** Shape of one chain's input without the batch axis ([C, H, W] or [d]). */
  readonly inputShape: readonly number[];
  /** Input and output names (defaults: the model's first two inputs and first output). */
  readonly xName?: string;
  readonly sigmaName?: string;
  readonly outputName?: string;
  /** A denoiser is evaluated at σ ≥ minSigma (default 0.01). */
  readonly minSigma?: number;
  /** Most chains per model call (default: all). */
  readonly batch?: number;
}

export interface ScorePrior {
  readonly kind: 'score';
  readonly dim: number;
  readonly model: ScoreModel | OnnxModelSpec;
  readonly scale: PriorScale;
}

/** Any prior: a Gaussian mixture on R^d, a patch GMM on images, or a (learned) score model. */
export type Prior = GmmPrior | PatchGmmPrior | ScorePrior;

export function isGmm(prior: Prior): prior is GmmPrior {
  return prior.kind === 'isotropic' || prior.kind === 'diagonal' || prior.kind === 'full';
}

export interface Problem<P extends Prior = Prior> {
  readonly prior: P;
  /** Absent: the target is the prior itself (generative sampling). */
  readonly likelihood?: Likelihood;
}

/** A problem whose posterior is known in closed form (a GMM prior with a linear-Gaussian likelihood). */
export type GmmProblem = Problem<GmmPrior>;

export function isGmmProblem(problem: Problem): problem is GmmProblem {
  return isGmm(problem.prior);
}

/** Number of entries C·H·W of an image. */
export function imageSize(shape: ImageShape): number {
  return shape.channels * shape.height * shape.width;
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
    case 'blur':
      return imageSize(op.shape);
    case 'downsample':
      return imageSize(op.shape) / (op.factor * op.factor);
    case 'fourier':
      return 2 * op.samples.length;
    case 'compose':
      return operatorRows(op.operators[op.operators.length - 1]);
  }
}

/** Dimension d of an operator's input. */
export function operatorCols(op: Operator): number {
  switch (op.type) {
    case 'identity':
    case 'mask':
      return op.dim;
    case 'dense':
      return op.cols;
    case 'blur':
    case 'downsample':
    case 'fourier':
      return imageSize(op.shape);
    case 'compose':
      return operatorCols(op.operators[0]);
  }
}

/** The operators of a (possibly nested) composition, in the order they apply (itself if not a composition). */
export function flattenCompose(op: Operator): Exclude<Operator, { type: 'compose' }>[] {
  return op.type === 'compose' ? op.operators.flatMap(flattenCompose) : [op];
}

// ---- The problem-file format as TypeScript (what parseProblem reads; README "Problem file") ----

export type CovarianceSpec =
  | { type: 'isotropic'; variances: number[] } // one variance per component
  | { type: 'diagonal'; variances: number[][] } // [K][d]
  | { type: 'full'; matrices: number[][][] }; // [K][d][d], symmetric positive definite

export type GmmPriorSpec =
  | { type: 'gmm'; weights: number[]; means: number[][]; covariance: CovarianceSpec }
  | { type: 'gaussian'; mean: number[]; covariance: CovarianceSpec };

export interface PatchGmmPriorSpec {
  type: 'patch-gmm';
  shape: number[]; // [H, W] or [C, H, W]
  patch: number;
  stride?: number;
  gmm: GmmPriorSpec;
}

export interface OnnxPriorSpec {
  type: 'onnx';
  model: string;
  shape: number[];
  output: 'score' | 'denoiser';
  scale: { minVariance: number; maxVariance: number; meanSquare: number };
  names?: { x?: string; sigma?: string; output?: string };
  minSigma?: number;
  batch?: number;
}

export type OperatorSpec =
  | { type: 'identity' }
  | { type: 'mask'; mask: number[] }
  | { type: 'dense'; matrix: number[][] }
  | { type: 'blur'; kernel: number[][]; shape: number[] }
  | { type: 'downsample'; factor: number; shape: number[] }
  | { type: 'fourier'; samples: number[] | number[][]; shape: number[] }
  | { type: 'compose'; operators: OperatorSpec[] };

export interface LikelihoodSpec {
  operator: OperatorSpec;
  /** m observations, or a .npy file of them (relative to the problem file). */
  y: number[] | { npy: string };
  noiseStd: number;
}

/** parseProblem's input: a problem file's JSON. A prior may also name a prior JSON file. */
export interface ProblemSpec {
  prior: GmmPriorSpec | PatchGmmPriorSpec | OnnxPriorSpec | string;
  likelihood?: LikelihoodSpec;
}

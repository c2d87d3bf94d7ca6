// SPDX-License-Identifier: MIT
// The exact shape of the native module (native/addon). Only lib/engine/native.ts and lib/engine/phase.ts use it.

export interface BuildInfo {
  cuda: boolean; // compiled with the CUDA backend
  cpuThreads: number;
  napiVersion: number;
}

export interface CudaInfo {
  count: number;
  name?: string;
  capability?: string;
  freeBytes?: number;
  totalBytes?: number;
  driverVersion?: number;
  runtimeVersion?: number;
  error?: string;
}

/** One phase as native code takes it: see native/addon/marshal.cc. */
export interface NativePhaseJob {
  device: 'cpu' | 'cuda';
  threads: number; // CPU threads, 0 = all
  covKind: 0 | 1 | 2; // isotropic, diagonal, full
  components: number;
  dim: number;
  chains: number;
  logWeights: Float32Array; // [K]
  means: Float32Array; // [K*d]
  variances: Float32Array; // isotropic [K]; diagonal [K*d]; full: eigenvalues [K*d]
  eigenvectors?: Float32Array; // full: [K*d*d], eigenvectors in columns
  noiseScale?: Float32Array; // [K] multipliers β_k of the noise variance b² (default all 1)
  /** EPLL-style image prior: the GMM (dimension size²) scores k×k patches of a [C, H, W] state. */
  patch?: { channels: number; height: number; width: number; size: number; stride: number; weight: number };
  opKind: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7; // none, identity, mask, dense, blur, downsample, fourier, compose
  measurements: number;
  indices?: Int32Array; // mask
  matrix?: Float32Array; // dense
  stages?: NativeOperatorStage[]; // opKind 4–7: one stage, or the composed stages in the order they apply
  y?: Float32Array; // [m] or [chains*m]
  yPerChain: boolean;
  h: Float64Array; // per-step scalars, all [steps]
  a: Float64Array;
  b2: Float64Array;
  c: Float64Array;
  stepOffset: number;
  seed: bigint;
  stream: number;
  chainOffset: number;
  x: Float32Array; // [chains*d]
  status?: Int32Array; // [chains], -1 = finite
  /** A prior score computed outside (a learned model) at x, [chains*d]; then components = 0 and one step. */
  externalScore?: Float32Array;
  /** Lower-triangular factor L (row-major [d*d]) of a preconditioner P = LLᵀ: x ← x + hP∇log π + √(2h)Lξ. */
  precond?: Float32Array;
  /** Metropolis-adjusted steps (all steps must share their scalars); the result then counts acceptances. */
  mala?: boolean;
}

/** One stage of an imaging operator or composition (native/core/operator_build.h checks it). */
export interface NativeOperatorStage {
  opKind: 1 | 2 | 3 | 4 | 5 | 6; // identity, mask, dense, blur, downsample, fourier
  measurements: number; // output size
  dim: number; // input size: the job's dim for the first stage, the previous stage's measurements after
  indices?: Int32Array; // mask: kept coordinates (ascending); fourier: flat frequency indices c·H·W + u·W + v, in y order
  matrix?: Float32Array; // dense: [measurements*dim]
  channels?: number; // blur, downsample, fourier: the image [C, H, W]
  height?: number;
  width?: number;
  kernel?: Float64Array; // blur: [kernelHeight*kernelWidth] row-major
  kernelHeight?: number;
  kernelWidth?: number;
  method?: -1 | 0 | 1; // blur: automatic (default), direct, FFT
  factor?: number; // downsample
}

export interface NativePhaseResult {
  x: Float32Array;
  status: Int32Array;
  accepted?: Int32Array; // MALA: accepted proposals per chain
  family?: 'elementwise' | 'staged' | 'chain'; // internal device 'simt' only: the GPU kernel family that ran (tests)
}

/** logDensity: the prior's log-density at each step level of the job (a, b2), and ‖Ax − y‖², per chain. */
export interface NativeLogDensityResult {
  logp: Float32Array; // [chains*levels]; GMM: log p + ½d·log 2π; patch prior: its weighted patch sum
  rss: Float32Array; // [chains]
}

export interface NativeModule {
  buildInfo(): BuildInfo;
  cudaInfo(): CudaInfo;
  runPhase(
    job: NativePhaseJob,
    onProgress?: (done: number, total: number) => void,
  ): { promise: Promise<NativePhaseResult>; cancel(): void };
  logDensity(job: NativePhaseJob): Promise<NativeLogDensityResult>;
  draw(options: {
    seed: bigint;
    stream: number;
    step: number;
    chainOffset: number;
    chains: number;
    n: number;
    uniform: boolean;
    device: 'cpu' | 'cuda';
  }): Promise<Float32Array>;
}

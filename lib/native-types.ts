// SPDX-License-Identifier: MIT
// The exact shape of the native module (native/addon). Only lib/native.ts and lib/phase.ts use it.

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
  opKind: 0 | 1 | 2 | 3; // none, identity, mask, dense
  measurements: number;
  indices?: Int32Array;
  matrix?: Float32Array;
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
}

export interface NativePhaseResult {
  x: Float32Array;
  status: Int32Array;
}

export interface NativeModule {
  buildInfo(): BuildInfo;
  cudaInfo(): CudaInfo;
  runPhase(
    job: NativePhaseJob,
    onProgress?: (done: number, total: number) => void,
  ): { promise: Promise<NativePhaseResult>; cancel(): void };
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

// SPDX-License-Identifier: MIT
// The CUDA subset our kernels are written in, for both compilers: nvcc gets the real builtins,
// g++ gets native/simt/simt.h (blocks on host threads). Kernel sources include only this and
// native/core; everything else they need is spelled here once.
#pragma once
#if defined(__CUDACC__)
#include <cuda_runtime.h>
#define LANGEVIN_DEV __device__ __forceinline__
#define LANGEVIN_UNROLL _Pragma("unroll")
namespace langevin {
// Dynamic shared memory of the launch, as an array of T.
template <class T>
__device__ __forceinline__ T* shared_mem() {
  extern __shared__ __align__(16) unsigned char langevin_smem[];
  return reinterpret_cast<T*>(langevin_smem);
}
}  // namespace langevin
#else
#include "../../simt/simt.h"
#define LANGEVIN_DEV inline
#define LANGEVIN_UNROLL
namespace langevin {
template <class T>
inline T* shared_mem() {
  return static_cast<T*>(simt::shared_bytes());
}
}  // namespace langevin
#endif

namespace langevin {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kWarpSize = 32;

// Sum over the 32 lanes of a warp; every lane gets the total (butterfly: same order on every lane).
LANGEVIN_DEV float warp_sum(float v) {
  LANGEVIN_UNROLL
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
  return v;
}

// Sums v[0..n) over the whole block; every thread gets the totals. red: n·(blockDim.x/32) floats of
// shared memory. Warp totals are added in warp order, so the result is the same on every run.
// Starts and ends with a barrier, so red may be reused right after.
template <int N>
LANGEVIN_DEV void block_sum(float (&v)[N], int n, float* red) {
  const int lane = threadIdx.x % kWarpSize, warp = threadIdx.x / kWarpSize, warps = blockDim.x / kWarpSize;
  LANGEVIN_UNROLL
  for (int k = 0; k < N; ++k)
    if (k < n) v[k] = warp_sum(v[k]);
  __syncthreads();  // red's previous readers are done
  if (lane == 0) {
    LANGEVIN_UNROLL
    for (int k = 0; k < N; ++k)
      if (k < n) red[warp * n + k] = v[k];
  }
  __syncthreads();
  LANGEVIN_UNROLL
  for (int k = 0; k < N; ++k) {
    if (k >= n) continue;
    float s = 0.0f;
    for (int w = 0; w < warps; ++w) s += red[w * n + k];
    v[k] = s;
  }
  __syncthreads();
}

}  // namespace langevin

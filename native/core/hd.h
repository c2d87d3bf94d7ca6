// SPDX-License-Identifier: MIT
// LANGEVIN_HD marks math that compiles for both the CPU backend and CUDA kernels, so the two
// backends run the very same code and the same seed gives the same samples up to float rounding.
#pragma once
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define LANGEVIN_HD __host__ __device__ __forceinline__
#else
#define LANGEVIN_HD inline
#endif

namespace langevin {

LANGEVIN_HD bool is_finite(float v) { return v - v == 0.0f; }  // false for NaN and ±inf, fast-math safe enough

}  // namespace langevin

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

// Dot product with four interleaved partial sums, combined in a fixed order: independent add chains
// the compiler can pipeline and vectorise without -ffast-math, and the same result on every run.
LANGEVIN_HD float dot4(const float* a, const float* b, int n) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

// Sums with eight interleaved partial sums added in a fixed order: the compiler keeps the eight
// lanes in one AVX2 or two SSE vectors without -ffast-math (a single running sum is a serial
// chain of dependent adds), and every path and backend adds in the same order.
LANGEVIN_HD float sum8(const float (&acc)[8]) {
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// Σ a_i b_i.
LANGEVIN_HD float dot8(const float* a, const float* b, int n) {
  float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  for (; i < n; ++i) acc[i & 7] += a[i] * b[i];
  return sum8(acc);
}

}  // namespace langevin

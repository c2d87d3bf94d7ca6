// SPDX-License-Identifier: MIT
// Branch-free float log and sin/cos for Box–Muller, written for the exact inputs the generator
// produces (u = (k + ½)·2⁻²⁴ with k a 24-bit integer) so that GCC vectorises them and CUDA runs the
// same arithmetic. No libm calls and no tables. Errors over all 2²⁴ inputs against double libm
// (test/native/fastmath_exhaustive.cc; test/fastmath.test.ts checks the normals through the addon):
//   log_u24 (u from 2⁻²⁵ to 1 − 2⁻²⁵):  relative ≤ 8.2e-8 (0.87 ulp); √(−2 log u): relative ≤ 9.8e-8
//   sincos_2pi_u24:                     absolute ≤ 6.8e-8, relative ≤ 9.5e-8 (1.14 ulp)
// Coefficients: minimax fits (Lawson iteration against mpmath) rounded to float.
#pragma once
#include <cstring>

#include "hd.h"

namespace langevin {

LANGEVIN_HD uint32_t float_as_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
#endif
}

LANGEVIN_HD float bits_as_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

LANGEVIN_HD uint64_t double_as_bits(double f) {
#if defined(__CUDA_ARCH__)
  return static_cast<uint64_t>(__double_as_longlong(f));
#else
  uint64_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
#endif
}

LANGEVIN_HD double bits_as_double(uint64_t u) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(static_cast<long long>(u));
#else
  double f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

// log((k + ½)·2⁻²⁴) for k < 2²⁴. Works on the integer n = 2k + 1 (u = n·2⁻²⁵) rather than on a
// float u: (k + ½)·2⁻²⁴ is not representable for u ≥ ½ (it would round, even to 1), and the
// reduction n = 2^e (1 + f) with 1 + f in [√½, √2) then gives f exactly (|n − 2^e| < 2²⁴).
LANGEVIN_HD float log_u24(int32_t k) {
  const int32_t n = 2 * k + 1;
  // e from float(n): its rounding (n > 2²⁴) only moves 1 + f by ≤ 2⁻²⁴ past √2, still fine.
  const int32_t e = static_cast<int32_t>(float_as_bits(static_cast<float>(n)) - 0x3f3504f3u) >> 23;
  const int32_t p2 = static_cast<int32_t>(bits_as_float(static_cast<uint32_t>(e + 127) << 23));  // 2^e, exact
  const float f = static_cast<float>(n - p2) * bits_as_float(static_cast<uint32_t>(127 - e) << 23);
  // log1p(f) = f − f²/2 + f³·P(f) on [√½ − 1, √2 − 1]; fit error 5.8e-9 relative.
  // Estrin's scheme: a quarter of Horner's dependency chain, which is what bounds the SIMD loop.
  const float f2 = f * f, f4 = f2 * f2;
  const float P = ((3.333333135e-01f + f * -2.500081956e-01f) + f2 * (2.000122666e-01f + f * -1.662335694e-01f)) +
                  f4 * ((1.420175582e-01f + f * -1.316018701e-01f) + f2 * (1.276159436e-01f + f * -7.634507865e-02f));
  // + (e − 25)·ln 2 with ln 2 split (Cody–Waite): |e − 25| ≤ 25, so (e − 25)·kLn2Hi is exact.
  constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  const float fe = static_cast<float>(e - 25);
  float y = f * f2 * P;
  y = y + fe * kLn2Lo;
  y = y - 0.5f * f2;
  return (f + y) + fe * kLn2Hi;
}

// cos and sin of 2π(k + ½)·2⁻²⁴ for k < 2²⁴. The turn is split on the integer: θ = π/2·(j + x)
// with j = the nearest quarter turn and x = (k + ½)·2⁻²² − j in (−½, ½) exact, so no π is ever
// subtracted in float; then polynomials in x for sin(πx/2), cos(πx/2) and a quarter-turn rotation.
LANGEVIN_HD void sincos_2pi_u24(int32_t k, float* c_out, float* s_out) {
  const int32_t j = (k + 0x200000) >> 22;                                             // 0..4
  const float x = static_cast<float>(2 * (k - (j << 22)) + 1) * (1.0f / 8388608.0f);  // exact
  const float x2 = x * x;
  // sin(πx/2) = 1.5x + x·(π/2 − 1.5 + x²·S(x²)): the exact 1.5x carries most of the value, so the
  // rounding of π/2 to float does not show (fit error 3.7e-9 relative). Horner here: Estrin's
  // shorter chain measured 1.31 instead of 1.14 ulp, and these chains are short anyway.
  const float s =
      1.5f * x + x * (7.079632580e-02f + x2 * (-6.459636092e-01f + x2 * (7.968112081e-02f + x2 * -4.604158923e-03f)));
  // cos(πx/2) = 1 + x²·C(x²), fit error 4.3e-10 relative.
  const float c =
      1.0f + x2 * (-1.233700514e+00f + x2 * (2.536685467e-01f + x2 * (-2.085539699e-02f + x2 * 8.938621031e-04f)));
  // Rotate by j quarter turns: odd j swaps sin and cos; signs by bit flips (values are never ±0).
  const bool odd = (j & 1) != 0;
  const float cr = odd ? s : c, sr = odd ? c : s;
  *c_out = bits_as_float(float_as_bits(cr) ^ (static_cast<uint32_t>((j + 1) & 2) << 30));
  *s_out = bits_as_float(float_as_bits(sr) ^ (static_cast<uint32_t>(j & 2) << 30));
}

}  // namespace langevin

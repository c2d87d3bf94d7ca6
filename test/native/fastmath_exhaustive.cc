// SPDX-License-Identifier: MIT
// Exhaustive accuracy of native/core/fastmath.h against double-precision libm over all 2^24 inputs,
// and bit-identity of every fill_normals path with normal4. Not part of `npm test` (it needs a
// compiler); run it after changing fastmath.h or philox.h, and update the bounds quoted there:
//   g++ -O2 -std=c++17 -ffp-contract=off test/native/fastmath_exhaustive.cc -o /tmp/fx && /tmp/fx
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "../../native/core/philox.h"

using namespace langevin;

static double ulp_of(double v) {
  const float f = static_cast<float>(std::fabs(v));
  return std::nextafter(f, INFINITY) - f;
}

int main() {
  double log_rel = 0, log_ulp = 0, r_rel = 0;
  for (int32_t k = 0; k < (1 << 24); ++k) {
    const double ref = std::log((k + 0.5) / 16777216.0);
    const float got = log_u24(k);
    log_rel = std::fmax(log_rel, std::fabs(got - ref) / std::fabs(ref));
    log_ulp = std::fmax(log_ulp, std::fabs(got - ref) / ulp_of(ref));
    r_rel = std::fmax(r_rel, std::fabs(std::sqrt(-2.0f * got) - std::sqrt(-2.0 * ref)) / std::sqrt(-2.0 * ref));
  }
  double sc_abs = 0, sc_rel = 0, sc_ulp = 0;
  for (int32_t k = 0; k < (1 << 24); ++k) {
    const double t = 2 * M_PI * ((k + 0.5) / 16777216.0), rc = std::cos(t), rs = std::sin(t);
    float c, s;
    sincos_2pi_u24(k, &c, &s);
    sc_abs = std::fmax(sc_abs, std::fmax(std::fabs(c - rc), std::fabs(s - rs)));
    sc_rel = std::fmax(sc_rel, std::fmax(std::fabs(c - rc) / std::fabs(rc), std::fabs(s - rs) / std::fabs(rs)));
    sc_ulp = std::fmax(sc_ulp, std::fmax(std::fabs(c - rc) / ulp_of(rc), std::fabs(s - rs) / ulp_of(rs)));
  }
  std::printf("log_u24 over all 2^24 inputs: max rel %.3g (%.3f ulp); sqrt(-2 log u): max rel %.3g\n", log_rel, log_ulp,
              r_rel);
  std::printf("sincos_2pi_u24 over all 2^24 inputs: max abs %.3g, max rel %.3g (%.3f ulp)\n", sc_abs, sc_rel, sc_ulp);

  // Every row-fill path against normal4, for row lengths around the 32-normal batch.
  const RngSite site{key_from_seed(0x0123456789abcdefull), 7, 11, 3};
  using Fill = void (*)(const RngSite&, float*, int);
  std::vector<std::pair<const char*, Fill>> paths = {{"portable", fill_normals_portable}, {"dispatch", fill_normals}};
#if LANGEVIN_X86_SIMD
  paths.push_back({"sse2", fill_normals_sse2});
  if (__builtin_cpu_supports("avx2")) paths.push_back({"avx2", fill_normals_avx2});
#endif
  int bad = 0;
  for (const auto& [name, fill] : paths)
    for (int d = 1; d <= 130; ++d) {
      std::vector<float> got(d), want(d);
      fill(site, got.data(), d);
      for (int i = 0; i < d; ++i) want[i] = normal4(site, static_cast<uint32_t>(i / 4)).v[i % 4];
      if (std::memcmp(got.data(), want.data(), sizeof(float) * d) != 0) {
        std::printf("fill path %s differs from normal4 at d = %d\n", name, d);
        ++bad;
      }
    }
  std::printf("fill_normals paths bit-identical to normal4 for d = 1..130: %s\n", bad == 0 ? "yes" : "NO");
  return bad == 0 ? 0 : 1;
}

// SPDX-License-Identifier: MIT
// Nanoseconds per normal of each fill_normals path on one thread (2048 rows of 1024), checked bit
// for bit against normal4 (the scalar path the old chain_step loop used). Not part of `npm test`:
//   g++ -O3 -std=c++17 -fno-math-errno -ffp-contract=off test/native/normals_bench.cc -o /tmp/nb && /tmp/nb
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "../../native/core/philox.h"

using namespace langevin;
using Fill = void (*)(const RngSite&, float*, int);

static void normal4_row(const RngSite& s, float* out, int d) {
  for (int i0 = 0; i0 < d; i0 += 4) {
    const Normal4 z = normal4(s, static_cast<uint32_t>(i0 >> 2));
    for (int j = 0; j < 4 && i0 + j < d; ++j) out[i0 + j] = z.v[j];
  }
}

static void rows(Fill f, RngSite s, float* out, int d, int chains) {
  for (int c = 0; c < chains; ++c) {
    s.chain = static_cast<uint32_t>(c);
    f(s, out + static_cast<size_t>(c) * d, d);
  }
}

int main() {
  const RngSite site{key_from_seed(0x123456789abcdefull), 7, 0, 3};
  const int d = 1024, chains = 2048;
  std::vector<std::pair<const char*, Fill>> paths = {{"normal4 (scalar)", normal4_row}, {"portable lanes", fill_normals_portable}};
#if LANGEVIN_X86_SIMD
  paths.push_back({"sse2", fill_normals_sse2});
  if (__builtin_cpu_supports("avx2")) paths.push_back({"avx2", fill_normals_avx2});
#endif
  std::vector<float> ref(static_cast<size_t>(d) * chains), out(ref.size());
  rows(normal4_row, site, ref.data(), d, chains);
  int bad = 0;
  for (const auto& [name, fill] : paths) {
    double best = 1e9;
    for (int rep = 0; rep < 7; ++rep) {
      const auto t0 = std::chrono::steady_clock::now();
      rows(fill, site, out.data(), d, chains);
      const auto t1 = std::chrono::steady_clock::now();
      best = std::min(best, std::chrono::duration<double>(t1 - t0).count() * 1e9 / static_cast<double>(out.size()));
    }
    const bool same = std::memcmp(out.data(), ref.data(), sizeof(float) * out.size()) == 0;
    bad += !same;
    std::printf("%-18s %5.2f ns per normal (best of 7)%s\n", name, best, same ? "" : "  DIFFERS from normal4");
  }
  return bad == 0 ? 0 : 1;
}

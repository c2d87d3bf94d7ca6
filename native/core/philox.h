// SPDX-License-Identifier: MIT
// Philox4x32-10 (Salmon et al., SC'11) with Box–Muller normals. Counter-based: the normal for
// (seed, stream, chain, step, element) is a pure function of those numbers, so samples do not
// depend on thread count, launch shape, batch split or how many chains run alongside.
#pragma once
#include "fastmath.h"
#include "hd.h"

// x86-64 host code (g++/clang, not nvcc) gets SSE2/AVX2 Philox lanes, chosen at run time.
#if !defined(__CUDACC__) && defined(__GNUC__) && defined(__x86_64__)
#define LANGEVIN_X86_SIMD 1
#include <immintrin.h>

#include <cstdlib>
#include <cstring>
#else
#define LANGEVIN_X86_SIMD 0
#endif

namespace langevin {

struct PhiloxKey {
  uint32_t k0, k1;
};
struct Philox4 {
  uint32_t v[4];
};

LANGEVIN_HD uint32_t mulhilo32(uint32_t a, uint32_t b, uint32_t* hi) {
  const uint64_t p = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
  *hi = static_cast<uint32_t>(p >> 32);
  return static_cast<uint32_t>(p);
}

LANGEVIN_HD Philox4 philox4x32_10(Philox4 ctr, PhiloxKey key) {
  constexpr uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, hi1;
    const uint32_t lo0 = mulhilo32(M0, ctr.v[0], &hi0);
    const uint32_t lo1 = mulhilo32(M1, ctr.v[2], &hi1);
    ctr = Philox4{{hi1 ^ ctr.v[1] ^ key.k0, lo1, hi0 ^ ctr.v[3] ^ key.k1, lo0}};
    key.k0 += W0;
    key.k1 += W1;
  }
  return ctr;
}

// Uniform in the open interval (0, 1) from the top 23 bits: (k + ½)·2⁻²³ is exact in float, so every
// value is equally likely and 2⁻²⁴ ≤ u ≤ 1 − 2⁻²⁴. (24 bits do not fit: (k + ½)·2⁻²⁴ rounds for
// u ≥ ½, to even, and to exactly 1 for k = 2²⁴ − 1.) Box–Muller does not go through this float.
LANGEVIN_HD float uniform_open(uint32_t bits) { return (static_cast<float>(bits >> 9) + 0.5f) * (1.0f / 8388608.0f); }

struct Normal4 {
  float v[4];
};

// Box–Muller maps exactly two uniforms to two normals, which fits a counter-based generator:
// z0 = r cos θ, z1 = r sin θ with r = √(−2 log u_a), θ = 2π u_b, and u = ((word >> 8) + ½)·2⁻²⁴
// taken exactly (fastmath.h), so r reaches √(50 ln 2) ≈ 5.89 at u = 2⁻²⁵. Branch-free, no libm:
// the same code runs scalar, in the SIMD lanes of fill_normals and on CUDA.
LANGEVIN_HD void box_muller(uint32_t a, uint32_t b, float* z0, float* z1) {
  const float r = sqrtf(-2.0f * log_u24(static_cast<int32_t>(a >> 8)));
  float c, s;
  sincos_2pi_u24(static_cast<int32_t>(b >> 8), &c, &s);
  *z0 = r * c;
  *z1 = r * s;
}

// Who draws: identifies one block of four normals.
struct RngSite {
  PhiloxKey key;    // from the user's seed
  uint32_t stream;  // phase or purpose, keeps phases' streams disjoint
  uint32_t chain;   // global chain index
  uint32_t step;    // global step index within the stream
};

LANGEVIN_HD PhiloxKey key_from_seed(uint64_t seed) {
  return PhiloxKey{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
}

// Four standard normals for elements 4*block .. 4*block+3 of (chain, step) in the stream.
LANGEVIN_HD Normal4 normal4(const RngSite& site, uint32_t block) {
  const Philox4 r = philox4x32_10(Philox4{{block, site.step, site.chain, site.stream}}, site.key);
  Normal4 n;
  box_muller(r.v[0], r.v[1], &n.v[0], &n.v[1]);
  box_muller(r.v[2], r.v[3], &n.v[2], &n.v[3]);
  return n;
}

// --- Normals for a whole row, Philox blocks in SIMD lanes ----------------------------------------
// Element i of the row is normal4(site, i / 4).v[i % 4]: every path below does the same integer
// Philox and the same float operations in the same order as normal4, so they agree bit for bit
// (given no FMA contraction: the build uses -ffp-contract=off). Box–Muller runs over the lanes as
// a plain loop that the compiler vectorises; Philox needs 32×32→64 products, which GCC does not
// vectorise well (it widens with lane-crossing shuffles, ~3× slower), so on x86-64 it is written
// with SSE2/AVX2 intrinsics and everywhere else as structure-of-arrays C. Rows go in batches of
// 64 normals (16 blocks: Box–Muller is a long dependency chain, and 16 lanes keep more of them in
// flight than 8, ~20 % faster), then one batch of 32, then single blocks.

// Box–Muller on the Philox words of L blocks (w[j][l]: word j of block l); out gets the 4L
// normals in element order.
template <int L>
LANGEVIN_HD void box_muller_lanes(const uint32_t (&w)[4][L], float* out) {
  float z[4][L];
  for (int l = 0; l < L; ++l) {
    box_muller(w[0][l], w[1][l], &z[0][l], &z[1][l]);
    box_muller(w[2][l], w[3][l], &z[2][l], &z[3][l]);
  }
  for (int l = 0; l < L; ++l)
    for (int j = 0; j < 4; ++j) out[4 * l + j] = z[j][l];
}

// Portable Philox on the eight counters (block0 + l, step, chain, stream): word j of lane l goes
// to w[j * stride + l].
LANGEVIN_HD void philox_lanes(const RngSite& site, uint32_t block0, uint32_t* w, int stride) {
  constexpr int L = 8;
  uint32_t v[4][L];
  for (int l = 0; l < L; ++l) {
    v[0][l] = block0 + static_cast<uint32_t>(l);
    v[1][l] = site.step;
    v[2][l] = site.chain;
    v[3][l] = site.stream;
  }
  PhiloxKey key = site.key;
  for (int round = 0; round < 10; ++round) {
    uint32_t n[4][L];
    for (int l = 0; l < L; ++l) {
      uint32_t hi0, hi1;
      const uint32_t lo0 = mulhilo32(0xD2511F53u, v[0][l], &hi0);
      const uint32_t lo1 = mulhilo32(0xCD9E8D57u, v[2][l], &hi1);
      n[0][l] = hi1 ^ v[1][l] ^ key.k0;
      n[1][l] = lo1;
      n[2][l] = hi0 ^ v[3][l] ^ key.k1;
      n[3][l] = lo0;
    }
    for (int j = 0; j < 4; ++j)
      for (int l = 0; l < L; ++l) v[j][l] = n[j][l];
    key.k0 += 0x9E3779B9u;
    key.k1 += 0xBB67AE85u;
  }
  for (int j = 0; j < 4; ++j)
    for (int l = 0; l < L; ++l) w[j * stride + l] = v[j][l];
}

// The last elements, one block at a time.
LANGEVIN_HD void fill_normals_tail(const RngSite& site, float* out, int i0, int d) {
  for (; i0 < d; i0 += 4) {
    const Normal4 xi = normal4(site, static_cast<uint32_t>(i0 >> 2));
    const int n = d - i0 < 4 ? d - i0 : 4;
    for (int j = 0; j < n; ++j) out[i0 + j] = xi.v[j];
  }
}

#if LANGEVIN_X86_SIMD
// Whether the CPU paths use AVX2: when the CPU has it, unless LANGEVIN_CPU_ISA=baseline (so that
// tests can check that both paths give the same bits). Decided once per process.
inline bool use_avx2() {
  static const bool yes = [] {
    const char* isa = std::getenv("LANGEVIN_CPU_ISA");
    return __builtin_cpu_supports("avx2") && !(isa != nullptr && std::strcmp(isa, "baseline") == 0);
  }();
  return yes;
}

// 8·G counters per call (G vectors of eight, interleaved: each round is a chain of dependent
// instructions, and G = 2 keeps two in flight). The products of the even 32-bit lanes (pe) and of
// the odd ones (po) come as 64-bit lanes; unpacking them gives lo and hi back in lane order
// without crossing 128-bit halves. Word j of counter l goes to w[j * stride + l].
template <int G>
__attribute__((target("avx2"))) inline void philox_lanes_avx2(const RngSite& site, uint32_t block0, uint32_t* w,
                                                             int stride) {
  __m256i c0[G], c1[G], c2[G], c3[G];
  for (int g = 0; g < G; ++g) {
    c0[g] = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(block0 + 8 * g)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    c1[g] = _mm256_set1_epi32(static_cast<int>(site.step));
    c2[g] = _mm256_set1_epi32(static_cast<int>(site.chain));
    c3[g] = _mm256_set1_epi32(static_cast<int>(site.stream));
  }
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(0xD2511F53u)), m1 = _mm256_set1_epi32(static_cast<int>(0xCD9E8D57u));
  PhiloxKey key = site.key;
  for (int round = 0; round < 10; ++round) {
    const __m256i k0 = _mm256_set1_epi32(static_cast<int>(key.k0)), k1 = _mm256_set1_epi32(static_cast<int>(key.k1));
    for (int g = 0; g < G; ++g) {
      const __m256i pe0 = _mm256_mul_epu32(c0[g], m0), po0 = _mm256_mul_epu32(_mm256_srli_epi64(c0[g], 32), m0);
      const __m256i pe1 = _mm256_mul_epu32(c2[g], m1), po1 = _mm256_mul_epu32(_mm256_srli_epi64(c2[g], 32), m1);
      const __m256i a0 = _mm256_unpacklo_epi32(pe0, po0), b0 = _mm256_unpackhi_epi32(pe0, po0);
      const __m256i a1 = _mm256_unpacklo_epi32(pe1, po1), b1 = _mm256_unpackhi_epi32(pe1, po1);
      c0[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_unpackhi_epi64(a1, b1), c1[g]), k0);
      c1[g] = _mm256_unpacklo_epi64(a1, b1);
      c2[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_unpackhi_epi64(a0, b0), c3[g]), k1);
      c3[g] = _mm256_unpacklo_epi64(a0, b0);
    }
    key.k0 += 0x9E3779B9u;
    key.k1 += 0xBB67AE85u;
  }
  for (int g = 0; g < G; ++g) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w + 8 * g), c0[g]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w + stride + 8 * g), c1[g]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w + 2 * stride + 8 * g), c2[g]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w + 3 * stride + 8 * g), c3[g]);
  }
}

// The same on two SSE2 vectors of four lanes (SSE2 is the x86-64 baseline).
inline void philox_lanes_sse2(const RngSite& site, uint32_t block0, uint32_t* w, int stride) {
  __m128i c0[2], c1[2], c2[2], c3[2];
  for (int g = 0; g < 2; ++g) {
    c0[g] = _mm_add_epi32(_mm_set1_epi32(static_cast<int>(block0 + 4 * g)), _mm_setr_epi32(0, 1, 2, 3));
    c1[g] = _mm_set1_epi32(static_cast<int>(site.step));
    c2[g] = _mm_set1_epi32(static_cast<int>(site.chain));
    c3[g] = _mm_set1_epi32(static_cast<int>(site.stream));
  }
  const __m128i m0 = _mm_set1_epi32(static_cast<int>(0xD2511F53u)), m1 = _mm_set1_epi32(static_cast<int>(0xCD9E8D57u));
  PhiloxKey key = site.key;
  for (int round = 0; round < 10; ++round) {
    const __m128i k0 = _mm_set1_epi32(static_cast<int>(key.k0)), k1 = _mm_set1_epi32(static_cast<int>(key.k1));
    for (int g = 0; g < 2; ++g) {
      const __m128i pe0 = _mm_mul_epu32(c0[g], m0), po0 = _mm_mul_epu32(_mm_srli_epi64(c0[g], 32), m0);
      const __m128i pe1 = _mm_mul_epu32(c2[g], m1), po1 = _mm_mul_epu32(_mm_srli_epi64(c2[g], 32), m1);
      const __m128i a0 = _mm_unpacklo_epi32(pe0, po0), b0 = _mm_unpackhi_epi32(pe0, po0);
      const __m128i a1 = _mm_unpacklo_epi32(pe1, po1), b1 = _mm_unpackhi_epi32(pe1, po1);
      c0[g] = _mm_xor_si128(_mm_xor_si128(_mm_unpackhi_epi64(a1, b1), c1[g]), k0);
      c1[g] = _mm_unpacklo_epi64(a1, b1);
      c2[g] = _mm_xor_si128(_mm_xor_si128(_mm_unpackhi_epi64(a0, b0), c3[g]), k1);
      c3[g] = _mm_unpacklo_epi64(a0, b0);
    }
    key.k0 += 0x9E3779B9u;
    key.k1 += 0xBB67AE85u;
  }
  for (int g = 0; g < 2; ++g) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(w + 4 * g), c0[g]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(w + stride + 4 * g), c1[g]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(w + 2 * stride + 4 * g), c2[g]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(w + 3 * stride + 4 * g), c3[g]);
  }
}

// Whole rows per instruction set (the AVX2 one also compiles Box–Muller for 8-float vectors). The
// three bodies differ only in their Philox call: spelled out so that each inlines its own.
__attribute__((target("avx2"))) inline void fill_normals_avx2(const RngSite& site, float* out, int d) {
  int i0 = 0;
  for (; i0 + 64 <= d; i0 += 64) {
    uint32_t w[4][16];
    philox_lanes_avx2<2>(site, static_cast<uint32_t>(i0 >> 2), &w[0][0], 16);
    box_muller_lanes<16>(w, out + i0);
  }
  if (i0 + 32 <= d) {
    uint32_t w[4][8];
    philox_lanes_avx2<1>(site, static_cast<uint32_t>(i0 >> 2), &w[0][0], 8);
    box_muller_lanes<8>(w, out + i0);
    i0 += 32;
  }
  fill_normals_tail(site, out, i0, d);
}

inline void fill_normals_sse2(const RngSite& site, float* out, int d) {
  int i0 = 0;
  for (; i0 + 64 <= d; i0 += 64) {
    uint32_t w[4][16];
    philox_lanes_sse2(site, static_cast<uint32_t>(i0 >> 2), &w[0][0], 16);
    philox_lanes_sse2(site, static_cast<uint32_t>(i0 >> 2) + 8, &w[0][8], 16);
    box_muller_lanes<16>(w, out + i0);
  }
  if (i0 + 32 <= d) {
    uint32_t w[4][8];
    philox_lanes_sse2(site, static_cast<uint32_t>(i0 >> 2), &w[0][0], 8);
    box_muller_lanes<8>(w, out + i0);
    i0 += 32;
  }
  fill_normals_tail(site, out, i0, d);
}
#endif

// Portable row fill (and the CUDA one: there one thread owns a chain, and lane arrays would spill).
LANGEVIN_HD void fill_normals_portable(const RngSite& site, float* out, int d) {
  int i0 = 0;
#if !defined(__CUDA_ARCH__)
  for (; i0 + 64 <= d; i0 += 64) {
    uint32_t w[4][16];
    philox_lanes(site, static_cast<uint32_t>(i0 >> 2), &w[0][0], 16);
    philox_lanes(site, static_cast<uint32_t>(i0 >> 2) + 8, &w[0][8], 16);
    box_muller_lanes<16>(w, out + i0);
  }
  if (i0 + 32 <= d) {
    uint32_t w[4][8];
    philox_lanes(site, static_cast<uint32_t>(i0 >> 2), &w[0][0], 8);
    box_muller_lanes<8>(w, out + i0);
    i0 += 32;
  }
#endif
  fill_normals_tail(site, out, i0, d);
}

// The d normals of (site) for elements 0..d-1 into out, as normal4 would give them.
LANGEVIN_HD void fill_normals(const RngSite& site, float* out, int d) {
#if LANGEVIN_X86_SIMD
  if (use_avx2())
    fill_normals_avx2(site, out, d);
  else
    fill_normals_sse2(site, out, d);
#else
  fill_normals_portable(site, out, d);
#endif
}

// Four uniforms in (0, 1) for the same addressing (used for mixture-component choices).
LANGEVIN_HD void uniform4(const RngSite& site, uint32_t block, float out[4]) {
  const Philox4 r = philox4x32_10(Philox4{{block, site.step, site.chain, site.stream}}, site.key);
  for (int j = 0; j < 4; ++j) out[j] = uniform_open(r.v[j]);
}

}  // namespace langevin

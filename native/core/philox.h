// SPDX-License-Identifier: MIT
// Philox4x32-10 (Salmon et al., SC'11) with Box–Muller normals. Counter-based: the normal for
// (seed, stream, chain, step, element) is a pure function of those numbers, so samples do not
// depend on thread count, launch shape, batch split or how many chains run alongside.
#pragma once
#include "hd.h"

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

// Uniform in the open interval (0, 1) from the top 24 bits: exactly representable in float.
LANGEVIN_HD float uniform_open(uint32_t bits) { return (static_cast<float>(bits >> 8) + 0.5f) * (1.0f / 16777216.0f); }

struct Normal4 {
  float v[4];
};

// Box–Muller maps exactly two uniforms to two normals, which fits a counter-based generator.
LANGEVIN_HD void box_muller(uint32_t a, uint32_t b, float* z0, float* z1) {
  const float r = sqrtf(-2.0f * logf(uniform_open(a)));
  const float theta = 6.283185307179586f * uniform_open(b);
  *z0 = r * cosf(theta);
  *z1 = r * sinf(theta);
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

// Four uniforms in (0, 1) for the same addressing (used for mixture-component choices).
LANGEVIN_HD void uniform4(const RngSite& site, uint32_t block, float out[4]) {
  const Philox4 r = philox4x32_10(Philox4{{block, site.step, site.chain, site.stream}}, site.key);
  for (int j = 0; j < 4; ++j) out[j] = uniform_open(r.v[j]);
}

}  // namespace langevin

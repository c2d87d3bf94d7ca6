// SPDX-License-Identifier: MIT
// Score of a Gaussian-mixture prior pushed through x -> a·x + b·z (z ~ N(0, I)):
//   p_{a,b}(x) = Σ_k w_k N(x; a μ_k, a² Σ_k + β_k b² I).
// β_k (default 1) lets one mixture express scale mixtures of the noise, e.g. DALMC's Student-t base
// (a Gamma mixture of Gaussians, discretised by quadrature into components with β_k = 1/g_j).
// One (a, b²) pair covers every path the samplers use: the clean prior (a=1, b=0), the VE-noised
// prior (a=1, b=σ), the OU/VP path of ALMC (a=e^{-t}, b²=1-e^{-2t}), DALMC's path (a=√λ, b²=1-λ)
// and the standard Gaussian (a=0, b=1) — all without dividing by a, so λ=0 is stable.
// Full covariances are stored as eigendecompositions Σ_k = U_k diag(λ_k) U_kᵀ computed once on
// the host: a² Σ_k + b² I = U_k diag(a² λ_k + b²) U_kᵀ then needs no per-noise-level factorisation.
#pragma once
#include "fastmath.h"
#include "hd.h"

namespace langevin {

enum class CovKind : int32_t { Isotropic = 0, Diagonal = 1, Full = 2 };

struct GmmView {
  CovKind kind;
  int32_t K;             // components
  int32_t d;             // dimension
  const float* log_w;    // [K] log weights
  const float* means;    // [K*d]
  const float* var;      // isotropic: [K]; diagonal: [K*d]; full: eigenvalues [K*d]
  const float* eigvec;   // full only: [K*d*d], U_k row-major, eigenvectors in columns
  const float* beta;     // [K] noise-variance multipliers, or nullptr for all ones
};

struct NoiseLevel {
  float a, b2;
};

// Variance a²v + β b² of one (noised) eigen-direction / coordinate.
LANGEVIN_HD float noised_var(float v, NoiseLevel nl, float beta) { return nl.a * nl.a * v + beta * nl.b2; }

LANGEVIN_HD float component_beta(const GmmView& g, int k) { return g.beta != nullptr ? g.beta[k] : 1.0f; }

// Per-noise-level tables shared by every chain at one step: log-determinants [K] and inverse
// variances (isotropic: [K]; diagonal and full: [K*d]). Computing them once per step for a block
// of chains keeps logs and divisions out of the per-chain loop.
LANGEVIN_HD int gmm_level_size(const GmmView& g) { return g.K + (g.kind == CovKind::Isotropic ? g.K : g.K * g.d); }

// Σ_i log c_i with c_i = noised_var(v_i): one log per component instead of one per coordinate
// (the tables are rebuilt every step for every block of chains, and d logf calls took ~13 % of a
// K = 8 diagonal step). The product runs in double, and every 4 factors its binary exponent moves
// into an integer, so it neither overflows nor underflows (4 floats span < 2^±600); the result is
// also more accurate than a float sum of logs. Non-positive or non-finite c falls back to Σ logf.
LANGEVIN_HD float sum_log_noised_var(const float* v, int n, NoiseLevel nl, float beta) {
  double prod = 1.0;
  int64_t e2 = 0;
  bool ok = true;
  for (int i = 0; i < n; ++i) {
    const float c = noised_var(v[i], nl, beta);
    ok &= c > 0.0f && c <= 3.402823466e38f;
    prod *= c;
    if ((i & 3) == 3 || i == n - 1) {  // prod = m·2^e with m in [1, 2): keep m, add e to e2
      const uint64_t b = double_as_bits(prod);
      e2 += static_cast<int64_t>((b >> 52) & 0x7ff) - 1023;
      prod = bits_as_double((b & 0x800fffffffffffffull) | (uint64_t(1023) << 52));
    }
  }
  if (ok) return static_cast<float>(log(prod) + static_cast<double>(e2) * 0.6931471805599453);
  float ld = 0.0f;
  for (int i = 0; i < n; ++i) ld += logf(noised_var(v[i], nl, beta));
  return ld;
}

// Component k's entries of the level table (GPU kernels fill components in parallel).
LANGEVIN_HD void gmm_prepare_component(const GmmView& g, NoiseLevel nl, int k, float* level) {
  const int K = g.K, d = g.d;
  float* logdet = level;
  float* inv = level + K;
  const float beta = component_beta(g, k);
  if (g.kind == CovKind::Isotropic) {
    const float c = noised_var(g.var[k], nl, beta);
    logdet[k] = d * logf(c);
    inv[k] = 1.0f / c;
  } else {
    const float* v = g.var + static_cast<size_t>(k) * d;  // variances or eigenvalues
    for (int i = 0; i < d; ++i) inv[static_cast<size_t>(k) * d + i] = 1.0f / noised_var(v[i], nl, beta);
    logdet[k] = sum_log_noised_var(v, d, nl, beta);
  }
}

LANGEVIN_HD void gmm_prepare_level(const GmmView& g, NoiseLevel nl, float* level) {
  for (int k = 0; k < g.K; ++k) gmm_prepare_component(g, nl, k, level);
}

// Σ z_i² v_i.
LANGEVIN_HD float weighted_sq(const float* z, const float* v, int n) {
  float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += z[i + j] * z[i + j] * v[i + j];
  for (; i < n; ++i) acc[i & 7] += z[i] * z[i] * v[i];
  return sum8(acc);
}

// Σ (x_i − a μ_i)² · v_i, or with all v_i = 1 when v is null.
LANGEVIN_HD float residual_quad(const float* x, const float* mu, float a, const float* v, int n) {
  float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  int i = 0;
  if (v != nullptr) {
    for (; i + 8 <= n; i += 8)
      for (int j = 0; j < 8; ++j) {
        const float r = x[i + j] - a * mu[i + j];
        acc[j] += r * r * v[i + j];
      }
    for (; i < n; ++i) {
      const float r = x[i] - a * mu[i];
      acc[i & 7] += r * r * v[i];
    }
  } else {
    for (; i + 8 <= n; i += 8)
      for (int j = 0; j < 8; ++j) {
        const float r = x[i + j] - a * mu[i + j];
        acc[j] += r * r;
      }
    for (; i < n; ++i) {
      const float r = x[i] - a * mu[i];
      acc[i & 7] += r * r;
    }
  }
  return sum8(acc);
}

// Scratch floats gmm_score_row needs per chain.
LANGEVIN_HD int gmm_scratch_size(const GmmView& g) { return g.K + (g.kind == CovKind::Full ? g.K * g.d : 0); }

// Turn log-responsibilities into responsibilities in place (stable log-sum-exp); returns the
// log-sum-exp log Σ_k e^{l_k}.
LANGEVIN_HD float softmax_inplace(float* l, int K) {
  float mx = l[0];
  for (int k = 1; k < K; ++k) mx = l[k] > mx ? l[k] : mx;
  float sum = 0.0f;
  for (int k = 0; k < K; ++k) {
    l[k] = expf(l[k] - mx);
    sum += l[k];
  }
  const float inv = 1.0f / sum;
  for (int k = 0; k < K; ++k) l[k] *= inv;
  return mx + logf(sum);
}

// ℓ_k = log w_k − ½(log det C_k + quad_k) from component k's quadratic form (2π left out).
LANGEVIN_HD float gmm_log_term(const GmmView& g, const float* level, int k, float quad) {
  return g.log_w[k] - 0.5f * (level[k] + quad);
}

// ℓ_k(x) = log w_k − ½(log det C_k + (x − aμ_k)ᵀC_k⁻¹(x − aμ_k)) into logl[K] (the −½d·log 2π
// shared by all components left out). Full covariances also leave w_k = C_k⁻¹Uᵀ(x − aμ_k) (the
// whitened residual in the eigenbasis, scaled) in w[K*d] for the score. With need_quad false the
// quadratic form of a single component is skipped: the score does not need it (its responsibility
// is 1 anyway).
LANGEVIN_HD void gmm_log_terms(const GmmView& g, NoiseLevel nl, const float* level, const float* x, float* logl,
                               float* w, bool need_quad) {
  const int K = g.K, d = g.d;
  const float* inv = level + K;
  for (int k = 0; k < K; ++k) {
    const float* mu = g.means + static_cast<size_t>(k) * d;
    float quad = 0.0f;
    switch (g.kind) {
      case CovKind::Isotropic: {
        if (need_quad) quad = residual_quad(x, mu, nl.a, nullptr, d) * inv[k];
        break;
      }
      case CovKind::Diagonal: {
        if (need_quad) quad = residual_quad(x, mu, nl.a, inv + static_cast<size_t>(k) * d, d);
        break;
      }
      case CovKind::Full: {
        const float* U = g.eigvec + static_cast<size_t>(k) * d * d;
        const float* ik = inv + static_cast<size_t>(k) * d;
        float* wk = w + static_cast<size_t>(k) * d;
        for (int j = 0; j < d; ++j) wk[j] = 0.0f;
        // z = Uᵀ (x − a μ), row-wise for contiguous access; four rows per pass over wk (each wk_j
        // still adds the rows in order i = 0, 1, …).
        int i = 0;
        for (; i + 4 <= d; i += 4) {
          const float r0 = x[i] - nl.a * mu[i], r1 = x[i + 1] - nl.a * mu[i + 1];
          const float r2 = x[i + 2] - nl.a * mu[i + 2], r3 = x[i + 3] - nl.a * mu[i + 3];
          const float* U0 = U + static_cast<size_t>(i) * d;
          const float *U1 = U0 + d, *U2 = U1 + d, *U3 = U2 + d;
          for (int j = 0; j < d; ++j) wk[j] = (((wk[j] + U0[j] * r0) + U1[j] * r1) + U2[j] * r2) + U3[j] * r3;
        }
        for (; i < d; ++i) {
          const float r = x[i] - nl.a * mu[i];
          const float* Ui = U + static_cast<size_t>(i) * d;
          for (int j = 0; j < d; ++j) wk[j] += Ui[j] * r;
        }
        if (need_quad) quad = weighted_sq(wk, ik, d);
        for (int j = 0; j < d; ++j) wk[j] *= ik[j];
        break;
      }
    }
    logl[k] = gmm_log_term(g, level, k, quad);
  }
}

// s = ∇ log p_{a,b}(x) for one chain's row x[d], with `level` from gmm_prepare_level for the same
// noise level. scratch: gmm_scratch_size(g) floats. The 2π constant cancels in the responsibilities.
// With want_logp, returns log p_{a,b}(x) + ½d·log 2π (else 0): the log-sum-exp of the ℓ_k comes
// free with the responsibilities.
LANGEVIN_HD float gmm_score_row(const GmmView& g, NoiseLevel nl, const float* level, const float* x, float* s,
                                float* scratch, bool want_logp = false) {
  const int K = g.K, d = g.d;
  const float* inv = level + K;
  float* logr = scratch;   // [K] log-terms, then responsibilities
  float* w = scratch + K;  // full: [K*d] whitened residuals z/e in the eigenbasis
  gmm_log_terms(g, nl, level, x, logr, w, K > 1 || want_logp);
  const float lse = softmax_inplace(logr, K);
  for (int i = 0; i < d; ++i) s[i] = 0.0f;
  for (int k = 0; k < K; ++k) {
    const float rk = logr[k];
    const float* mu = g.means + static_cast<size_t>(k) * d;
    switch (g.kind) {
      case CovKind::Isotropic: {
        const float f = rk * inv[k];
        for (int i = 0; i < d; ++i) s[i] += f * (nl.a * mu[i] - x[i]);
        break;
      }
      case CovKind::Diagonal: {
        const float* ik = inv + static_cast<size_t>(k) * d;
        for (int i = 0; i < d; ++i) s[i] += rk * (nl.a * mu[i] - x[i]) * ik[i];
        break;
      }
      case CovKind::Full: {  // s -= r_k U_k w_k
        const float* U = g.eigvec + static_cast<size_t>(k) * d * d;
        const float* wk = w + static_cast<size_t>(k) * d;
        for (int i = 0; i < d; ++i) s[i] -= rk * dot8(U + static_cast<size_t>(i) * d, wk, d);
        break;
      }
    }
  }
  return want_logp ? lse : 0.0f;
}

// log p_{a,b}(x) + ½d·log 2π for one row, without the score. scratch: gmm_scratch_size(g) floats.
LANGEVIN_HD float gmm_log_density_row(const GmmView& g, NoiseLevel nl, const float* level, const float* x,
                                      float* scratch) {
  float* logl = scratch;
  gmm_log_terms(g, nl, level, x, logl, scratch + g.K, true);
  return softmax_inplace(logl, g.K);
}

}  // namespace langevin

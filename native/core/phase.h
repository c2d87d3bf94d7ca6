// SPDX-License-Identifier: MIT
// One sampling phase: a sequence of fused Langevin steps
//   x ← x + h_k · (∇log p_{a_k,b_k}(x) + c_k · Aᵀ(y − A x)) + √(2 h_k) · ξ_k
// with every per-step scalar precomputed on the host. A chain whose new state is not finite is
// frozen at its last finite state and its status records the (global) step where that happened;
// it is never patched or zeroed.
#pragma once
#include "gmm.h"
#include "linear_operator.h"
#include "patch_prior.h"
#include "philox.h"

namespace langevin {

constexpr int32_t kChainFinite = -1;

struct StepScalars {
  float h;       // step size
  float noise;   // √(2h); 0 for a deterministic step
  float a, b2;   // prior noise level (see gmm.h)
  float c;       // likelihood weight, 1/η² on the plain posterior
};

struct PhaseView {
  int32_t dim;                // chain dimension d
  GmmView prior;              // the GMM prior, or the patch GMM of an image prior (dimension k·k)
  PatchPriorView patch;       // patch.k == 0: the GMM is the prior of the whole state
  const float* ext_score;     // [chains*d] prior score computed outside (a learned model), or null;
                              // it is only valid at the current state, so such a phase has one step
  OperatorView op;
  const float* y;             // [m] shared, or [chains*m] per chain (XGP's auxiliary observations)
  int32_t y_per_chain;        // 0 or 1
  const StepScalars* steps;   // [nsteps]
  int32_t nsteps;
  uint32_t step_offset;       // global index of steps[0] in the RNG stream
  PhiloxKey key;
  uint32_t stream;
  uint32_t chain_offset;      // global index of local chain 0 (batch splits keep chain identity)
  const float* precond;       // [d*d] lower-triangular L (row-major) of a preconditioner P = L Lᵀ, or null:
                              // x ← x + h P ∇log π(x) + √(2h) L ξ
  int32_t mala;               // 1: Metropolis-adjusted steps (every step's scalars equal)
  int32_t* accepted;          // MALA: [chains] accepted proposals, added to
};

// The MALA accept/reject uniforms: the phase's stream with the top bit set, at the step's (chain,
// step) — independent of the step's normals, which keep the unadjusted step's keys.
constexpr uint32_t kMalaUniformStreamBit = 0x80000000u;

// Scratch floats one chain needs (score, gradient/proposal, GMM and operator work space).
LANGEVIN_HD int prior_scratch_size(const PhaseView& p) {
  if (p.ext_score) return 0;
  return p.patch.k > 0 ? patch_scratch_size(p.patch, p.prior) : gmm_scratch_size(p.prior);
}
LANGEVIN_HD int max_int(int a, int b) { return a > b ? a : b; }
// Likelihood work space: the gradient's, or the residual's where log-densities are evaluated.
LANGEVIN_HD int lik_work_size(const PhaseView& p) {
  return p.mala ? max_int(lik_scratch_size(p.op), lik_residual_scratch_size(p.op)) : lik_scratch_size(p.op);
}
// Extra rows of d floats: a preconditioned step's product; MALA's proposal, its gradient, noise and products.
LANGEVIN_HD int extra_rows(const PhaseView& p) { return p.mala ? 4 : p.precond ? 1 : 0; }
LANGEVIN_HD int phase_scratch_size(const PhaseView& p) {
  return (2 + extra_rows(p)) * p.dim + prior_scratch_size(p) + lik_work_size(p);
}
// Scratch floats chain_log_densities needs.
LANGEVIN_HD int log_density_scratch_size(const PhaseView& p) {
  return prior_scratch_size(p) + max_int(lik_residual_scratch_size(p.op), 1);
}

// Floats of the per-step tables shared by a block of chains.
LANGEVIN_HD int phase_level_size(const PhaseView& p) { return gmm_level_size(p.prior); }

// The update for one element; shared by every backend and every loop shape.
LANGEVIN_HD float langevin_update(float x, float h, float drift, float noise_scale, float xi) {
  return x + h * drift + noise_scale * xi;
}

// out = L v and out = Lᵀ v for a lower-triangular row-major L (out ≠ v).
LANGEVIN_HD void lower_mul(const float* L, const float* v, float* out, int d) {
  for (int i = 0; i < d; ++i) out[i] = dot8(L + static_cast<size_t>(i) * d, v, i + 1);
}
LANGEVIN_HD void lower_t_mul(const float* L, const float* v, float* out, int d) {
  for (int i = 0; i < d; ++i) out[i] = 0.0f;
  for (int j = 0; j < d; ++j) {
    const float* Lj = L + static_cast<size_t>(j) * d;
    const float vj = v[j];
    for (int i = 0; i <= j; ++i) out[i] += Lj[i] * vj;
  }
}

// v ← P v = L Lᵀ v, through t[d].
LANGEVIN_HD void precondition(const float* L, float* v, float* t, int d) {
  lower_t_mul(L, v, t, d);
  lower_mul(L, t, v, d);
}

// Step k of local chain c on its row x[d], with the step's level tables already prepared.
LANGEVIN_HD void chain_step(const PhaseView& p, int c, int k, const float* level, float* x, int32_t* status,
                            float* scratch) {
  if (*status != kChainFinite) return;  // frozen
  const int d = p.dim;
  float* s = scratch;
  float* g = scratch + d;  // likelihood gradient, then the proposed state
  float* t = scratch + 2 * d;  // preconditioner products (extra_rows)
  float* prior_scratch = scratch + (2 + extra_rows(p)) * d;
  float* lik_scratch = prior_scratch + prior_scratch_size(p);
  const float* y = p.y + (p.y_per_chain ? static_cast<size_t>(c) * p.op.m : 0);
  const StepScalars st = p.steps[k];
  if (p.ext_score) {
    const float* e = p.ext_score + static_cast<size_t>(c) * d;
    for (int i = 0; i < d; ++i) s[i] = e[i];
  } else if (p.patch.k > 0)
    patch_score_row(p.patch, p.prior, NoiseLevel{st.a, st.b2}, level, x, s, prior_scratch);
  else
    gmm_score_row(p.prior, NoiseLevel{st.a, st.b2}, level, x, s, prior_scratch);
  lik_grad_row(p.op, x, y, st.c, g, lik_scratch);
  const RngSite site{p.key, p.stream, p.chain_offset + static_cast<uint32_t>(c), p.step_offset + static_cast<uint32_t>(k)};
  // Three simple loops instead of one: the drift sum and the update are branch-free, so the
  // compiler vectorises them; the noise fill runs Philox and Box–Muller in SIMD lanes.
  for (int i = 0; i < d; ++i) s[i] += g[i];  // drift
  fill_normals(site, g, d);                  // noise into g
  if (p.precond) {                           // drift P s, noise L ξ
    precondition(p.precond, s, t, d);
    lower_mul(p.precond, g, t, d);
    for (int i = 0; i < d; ++i) g[i] = t[i];
  }
  int bad = 0;
  for (int i = 0; i < d; ++i) {  // proposal into g
    const float v = langevin_update(x[i], st.h, s[i], st.noise, g[i]);
    bad |= !is_finite(v);
    g[i] = v;
  }
  const bool finite = bad == 0;
  if (!finite) {
    *status = static_cast<int32_t>(p.step_offset) + k;
    return;
  }
  for (int i = 0; i < d; ++i) x[i] = g[i];
}

// log π(x) = log p_{a,b}(x) − (c/2)‖Ax − y‖² (up to constants) and grad = ∇log π(x), for one chain.
// work: d floats; the prior's and the likelihood's scratch follow.
LANGEVIN_HD float log_target_grad(const PhaseView& p, const float* y, const StepScalars& st, const float* level,
                                  const float* x, float* grad, float* work, float* prior_scratch, float* lik_scratch) {
  const int d = p.dim;
  const NoiseLevel nl{st.a, st.b2};
  const float lp = p.patch.k > 0 ? patch_score_row(p.patch, p.prior, nl, level, x, grad, prior_scratch, true)
                                 : gmm_score_row(p.prior, nl, level, x, grad, prior_scratch, true);
  lik_grad_row(p.op, x, y, st.c, work, lik_scratch);
  for (int i = 0; i < d; ++i) grad[i] += work[i];
  return lp - 0.5f * st.c * lik_residual_sq_row(p.op, x, y, lik_scratch);
}

// Metropolis-adjusted (preconditioned) Langevin, steps [s0, s1) of local chain c at one level:
//   x' = x + h P ∇log π(x) + √(2h) L ξ, accepted with probability
//   min(1, π(x') q(x | x') / (π(x) q(x' | x))), log q(x | x') − log q(x' | x) = ‖ξ‖²/2 − ‖h Lᵀ(∇ + ∇') + √(2h) ξ‖²/(4h).
// ξ are the unadjusted step's normals; the uniform comes from the kMalaUniformStreamBit stream. A
// proposal whose log-density is not finite has π(x') = 0 and is rejected.
LANGEVIN_HD void mala_chain_steps(const PhaseView& p, int c, int s0, int s1, const float* level, float* x,
                                  int32_t* status, float* scratch) {
  if (*status != kChainFinite) return;
  const int d = p.dim;
  float* gx = scratch;
  float* gp = scratch + d;
  float* xp = scratch + 2 * d;
  float* xi = scratch + 3 * d;
  float* t = scratch + 4 * d;
  float* w = scratch + 5 * d;
  float* prior_scratch = scratch + 6 * d;
  float* lik_scratch = prior_scratch + prior_scratch_size(p);
  const float* y = p.y + (p.y_per_chain ? static_cast<size_t>(c) * p.op.m : 0);
  const StepScalars st = p.steps[s0];
  float lx = log_target_grad(p, y, st, level, x, gx, t, prior_scratch, lik_scratch);
  int accepted = 0;
  for (int k = s0; k < s1; ++k) {
    const uint32_t chain = p.chain_offset + static_cast<uint32_t>(c), step = p.step_offset + static_cast<uint32_t>(k);
    fill_normals(RngSite{p.key, p.stream, chain, step}, xi, d);
    for (int i = 0; i < d; ++i) xp[i] = gx[i];
    if (p.precond) {
      precondition(p.precond, xp, t, d);  // P ∇
      lower_mul(p.precond, xi, t, d);     // L ξ
    } else {
      for (int i = 0; i < d; ++i) t[i] = xi[i];
    }
    for (int i = 0; i < d; ++i) xp[i] = langevin_update(x[i], st.h, xp[i], st.noise, t[i]);
    const float lp = log_target_grad(p, y, st, level, xp, gp, t, prior_scratch, lik_scratch);
    for (int i = 0; i < d; ++i) t[i] = gx[i] + gp[i];
    if (p.precond) lower_t_mul(p.precond, t, w, d);
    else
      for (int i = 0; i < d; ++i) w[i] = t[i];
    float back = 0.0f, fwd = 0.0f;
    int bad = 0;
    for (int i = 0; i < d; ++i) {
      const float e = st.h * w[i] + st.noise * xi[i];
      back += e * e;
      fwd += xi[i] * xi[i];
      bad |= !is_finite(xp[i]);
    }
    const float log_alpha = lp - lx + 0.5f * fwd - back / (4.0f * st.h);
    float u[4];
    uniform4(RngSite{p.key, p.stream | kMalaUniformStreamBit, chain, step}, 0, u);
    if (bad == 0 && is_finite(log_alpha) && logf(u[0]) < log_alpha) {
      for (int i = 0; i < d; ++i) {
        x[i] = xp[i];
        gx[i] = gp[i];
      }
      lx = lp;
      ++accepted;
    }
  }
  if (p.accepted) p.accepted[c] += accepted;
}

// log p_{a_k,b_k}(x) for every step's level (GMM: + ½d·log 2π; patch prior: its weighted patch sum)
// into out[nsteps], and ‖Ax − y‖² into *rss, for local chain c. levels: the steps' level tables,
// phase_level_size floats each. scratch: log_density_scratch_size floats.
LANGEVIN_HD void chain_log_densities(const PhaseView& p, int c, const float* levels, const float* x, float* out,
                                     float* rss, float* scratch) {
  const int level_size = phase_level_size(p);
  for (int k = 0; k < p.nsteps; ++k) {
    const NoiseLevel nl{p.steps[k].a, p.steps[k].b2};
    const float* level = levels + static_cast<size_t>(k) * level_size;
    out[k] = p.patch.k > 0 ? patch_score_row(p.patch, p.prior, nl, level, x, nullptr, scratch)
                           : gmm_log_density_row(p.prior, nl, level, x, scratch);
  }
  const float* y = p.y + (p.y_per_chain ? static_cast<size_t>(c) * p.op.m : 0);
  *rss = lik_residual_sq_row(p.op, x, y, scratch + prior_scratch_size(p));
}

// Steps [s0, s1) of local chains [c0, c1) (rows x_rows + c*d): step-major so each step's level
// tables are prepared once for the block. level: phase_level_size floats; scratch: per chain.
LANGEVIN_HD void run_block_steps(const PhaseView& p, int c0, int c1, int s0, int s1, float* x_rows, int32_t* status,
                                 float* scratch, float* level) {
  const int d = p.dim;
  if (p.mala) {  // one level for the whole phase: chain-major, the gradient carried across steps
    gmm_prepare_level(p.prior, NoiseLevel{p.steps[s0].a, p.steps[s0].b2}, level);
    for (int c = c0; c < c1; ++c) mala_chain_steps(p, c, s0, s1, level, x_rows + static_cast<size_t>(c) * d, status + c, scratch);
    return;
  }
  for (int k = s0; k < s1; ++k) {
    gmm_prepare_level(p.prior, NoiseLevel{p.steps[k].a, p.steps[k].b2}, level);
    for (int c = c0; c < c1; ++c) chain_step(p, c, k, level, x_rows + static_cast<size_t>(c) * d, status + c, scratch);
  }
}

}  // namespace langevin

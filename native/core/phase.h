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
};

// Scratch floats one chain needs (score, gradient/proposal, GMM and operator work space).
LANGEVIN_HD int prior_scratch_size(const PhaseView& p) {
  if (p.ext_score) return 0;
  return p.patch.k > 0 ? patch_scratch_size(p.patch, p.prior) : gmm_scratch_size(p.prior);
}
LANGEVIN_HD int phase_scratch_size(const PhaseView& p) { return 2 * p.dim + prior_scratch_size(p) + lik_scratch_size(p.op); }

// Floats of the per-step tables shared by a block of chains.
LANGEVIN_HD int phase_level_size(const PhaseView& p) { return gmm_level_size(p.prior); }

// The update for one element; shared by every backend and every loop shape.
LANGEVIN_HD float langevin_update(float x, float h, float drift, float noise_scale, float xi) {
  return x + h * drift + noise_scale * xi;
}

// Step k of local chain c on its row x[d], with the step's level tables already prepared.
LANGEVIN_HD void chain_step(const PhaseView& p, int c, int k, const float* level, float* x, int32_t* status,
                            float* scratch) {
  if (*status != kChainFinite) return;  // frozen
  const int d = p.dim;
  float* s = scratch;
  float* g = scratch + d;  // likelihood gradient, then the proposed state
  float* prior_scratch = scratch + 2 * d;
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

// Steps [s0, s1) of local chains [c0, c1) (rows x_rows + c*d): step-major so each step's level
// tables are prepared once for the block. level: phase_level_size floats; scratch: per chain.
LANGEVIN_HD void run_block_steps(const PhaseView& p, int c0, int c1, int s0, int s1, float* x_rows, int32_t* status,
                                 float* scratch, float* level) {
  const int d = p.dim;
  for (int k = s0; k < s1; ++k) {
    gmm_prepare_level(p.prior, NoiseLevel{p.steps[k].a, p.steps[k].b2}, level);
    for (int c = c0; c < c1; ++c) chain_step(p, c, k, level, x_rows + static_cast<size_t>(c) * d, status + c, scratch);
  }
}

}  // namespace langevin

// SPDX-License-Identifier: MIT
// Kernels of the Staged family (gpu_runner.h): a step is a few chain-batched stages — the
// likelihood term r = Aᵀ(y − A x) of every chain (op_batch.h: GEMMs or imaging kernels), the prior
// score of a full covariance by GEMMs (full_cov_score.h) or of a patch GMM (patch_score_batch.h),
// then one coalesced update. Written once for nvcc and the SIMT
// emulation; included inside the backend's namespace after phase_kernels.cuh.
//   full_residuals  Res[c][q·d + i] = x_c[i] − a μ_q[i]: one thread per element (coalesced).
//   full_weights    one block per chain: from Z_q = Res_q U_q (the residual in component q's
//                   eigenbasis), the quadratic forms (block_sum), the core's log-terms and
//                   stable log-sum-exp, then W_q = r_q · C_q⁻¹ z_q in place, so that the score is
//                   one more GEMM, s = −Σ_q U_q W_q.
//   staged_update   one block per chain, threads over groups of 4 elements (one normal4 each,
//                   keyed as on the CPU): drift = prior score (read, or the isotropic/diagonal
//                   GMM's computed here) + c·r; the proposal goes to a scratch row and is copied
//                   into x only when every element is finite, else the chain freezes with
//                   status = global step.
#pragma once

__global__ void full_residuals(GmmView g, const StepScalars* steps, int32_t k, const float* x, int32_t chains,
                               float* res) {
  const int d = g.d, kd = g.K * d;
  const size_t t = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= static_cast<size_t>(chains) * kd) return;
  const size_t c = t / kd;
  const int qi = static_cast<int>(t % kd), i = qi % d;
  res[t] = x[c * d + i] - steps[k].a * g.means[qi];
}

struct FullArgs {
  GmmView g;
  const StepScalars* steps;
  const float* level;  // step k's tables: log-determinants [K], inverse eigen-variances [K·d]
  float* z;            // [chains][K·d]: Z in, W out
  int32_t k;
};

__global__ void full_weights(FullArgs a) {
  const GmmView& g = a.g;
  const int K = g.K, d = g.d, T = blockDim.x, tid = threadIdx.x;
  float* zc = a.z + static_cast<size_t>(blockIdx.x) * K * d;
  const float* inv = a.level + K;
  float r[kElemMaxK];
  if (K > 1) {
    LANGEVIN_UNROLL
    for (int q = 0; q < kElemMaxK; ++q) {
      r[q] = 0.0f;
      if (q >= K) continue;
      for (int i = tid; i < d; i += T) {
        const float z = zc[q * d + i];
        r[q] += z * z * inv[q * d + i];
      }
    }
    block_sum(r, K, shared_mem<float>());  // ends with a barrier: every read of Z is done
    LANGEVIN_UNROLL
    for (int q = 0; q < kElemMaxK; ++q)
      if (q < K) r[q] = gmm_log_term(g, a.level, q, r[q]);
    softmax_inplace(r, K);
  } else {
    r[0] = 1.0f;
  }
  LANGEVIN_UNROLL
  for (int q = 0; q < kElemMaxK; ++q) {
    if (q >= K) continue;
    for (int i = tid; i < d; i += T) zc[q * d + i] *= r[q] * inv[q * d + i];
  }
}

struct StagedArgs {
  PhaseView p;
  const float* levels;  // [s1 − s0][level_size]
  int32_t level_size, s0, k;
  float* x;             // [chains][d]
  int32_t* status;      // [chains]
  const float* prior_s; // [chains][d] precomputed prior score, or null: isotropic/diagonal GMM here
  const float* lik_r;   // [chains][d] Aᵀ(y − A x), or null: no likelihood
  float* prop;          // [chains][d] proposal scratch; may alias prior_s or lik_r (same thread, same index)
};

__global__ void staged_update(StagedArgs a) {
  const PhaseView& p = a.p;
  const GmmView& g = p.prior;
  const int c = blockIdx.x, d = p.dim, T = blockDim.x, tid = threadIdx.x, k = a.k;
  if (a.status[c] != kChainFinite) return;  // the whole block leaves: frozen
  const size_t row = static_cast<size_t>(c) * d;
  float* x = a.x + row;
  const StepScalars sc = p.steps[k];
  const float* level = a.levels + static_cast<size_t>(k - a.s0) * a.level_size;
  float r[kElemMaxK];
  if (a.prior_s == nullptr) elem_responsibilities(g, sc, level, x, r, shared_mem<float>());
  const RngSite site{p.key, p.stream, p.chain_offset + static_cast<uint32_t>(c), p.step_offset + static_cast<uint32_t>(k)};
  const int bad = row_langevin_step(site, sc, d, x, a.prop + row, [&](int i, float xv) {
    const float s = a.prior_s != nullptr ? a.prior_s[row + i] : elem_score(g, sc, level + g.K, r, i, xv);
    const float lik = a.lik_r != nullptr ? sc.c * a.lik_r[row + i] : 0.0f;
    return s + lik;
  });
  if (__syncthreads_or(bad)) {
    if (tid == 0) a.status[c] = static_cast<int32_t>(p.step_offset) + k;
    return;
  }
  for (int i = tid; i < d; i += T) {  // not the groups' mapping: a barrier passed, all of prop is whole
    x[i] = a.prop[row + i];
  }
}

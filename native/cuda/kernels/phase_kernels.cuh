// SPDX-License-Identifier: MIT
// The phase kernels, written once for nvcc and for the SIMT emulation (portable.cuh). The math
// is native/core's; these kernels only arrange loops and memory for a GPU. Included inside
// namespace langevin::LANGEVIN_GPU_NS so the CUDA and emulated builds never share a symbol.
//
//   level_tables      one block per step of the chunk, one thread per mixture component: the
//                     per-step tables (gmm_prepare_component) computed once for all chains.
//   elementwise_steps one block per chain, S fused steps per launch (the chunk). The row lives in
//                     shared memory (or a global double buffer when it does not fit), threads
//                     stride over groups of 4 elements, so a warp reads 512 contiguous bytes and each
//                     thread makes exactly one Philox call (normal4) per group: the noise is keyed
//                     like the CPU's. Per-chain responsibilities: block_sum of the K quadratic
//                     forms, then the core's stable log-sum-exp. A step whose proposal has a
//                     non-finite element (block OR) freezes the chain, as on the CPU.
//   chain_steps       fallback for what neither the elementwise nor the Staged family runs
//                     (preconditioned and MALA steps, an external score, GMMs of > kElemMaxK
//                     components): one thread per chain running the core chain_step with the
//                     precomputed tables.
//   draw_normals      the samplers' noise as a [chains, n] array (one thread per group of 4).
#pragma once

constexpr int kElemMaxK = 16;  // components the elementwise kernel keeps in registers

struct ElemArgs {
  PhaseView p;
  const float* levels;       // [s1 − s0][level_size]
  int32_t level_size;
  const int32_t* mask_pos;   // Mask operator: [d] position of element i in y, or −1
  float* x;                  // [chains][d]
  int32_t* status;           // [chains]
  float* rows;               // [chains][2d] global double buffer, or null: rows in shared memory
  int32_t s0, s1;
};

// Shared floats of one elementwise block: the reduction buffer, then (if it fits) two rows.
LANGEVIN_HD int elem_red_floats(int threads, int K) { return (threads / 32) * (K > 0 ? K : 1); }

__global__ void level_tables(GmmView g, const StepScalars* steps, int s0, float* levels, int level_size) {
  const int k = threadIdx.x;
  const StepScalars st = steps[s0 + blockIdx.x];
  for (int comp = k; comp < g.K; comp += blockDim.x)
    gmm_prepare_component(g, NoiseLevel{st.a, st.b2}, comp, levels + static_cast<size_t>(blockIdx.x) * level_size);
}

// Responsibilities r_k ∝ w_k N(x; aμ_k, C_k) of an isotropic/diagonal GMM at one chain's row,
// which the whole block reads (threads stride over elements): the K quadratic forms summed over
// the block, then the core's stable log-sum-exp. Every thread gets r. red: elem_red_floats floats.
LANGEVIN_DEV void elem_responsibilities(const GmmView& g, const StepScalars& sc, const float* level, const float* row,
                                        float (&r)[kElemMaxK], float* red) {
  const int d = g.d, K = g.K, T = blockDim.x, tid = threadIdx.x;
  const bool iso = g.kind == CovKind::Isotropic;
  const float* inv = level + K;
  if (K == 1) {
    r[0] = 1.0f;
    return;
  }
  LANGEVIN_UNROLL
  for (int q = 0; q < kElemMaxK; ++q) r[q] = 0.0f;
  for (int i = tid; i < d; i += T) {
    const float xi = row[i];
    LANGEVIN_UNROLL
    for (int q = 0; q < kElemMaxK; ++q) {
      if (q >= K) continue;
      const float res = xi - sc.a * g.means[static_cast<size_t>(q) * d + i];
      r[q] += iso ? res * res : res * res * inv[static_cast<size_t>(q) * d + i];
    }
  }
  block_sum(r, K, red);
  LANGEVIN_UNROLL
  for (int q = 0; q < kElemMaxK; ++q)
    if (q < K) r[q] = gmm_log_term(g, level, q, iso ? r[q] * inv[q] : r[q]);
  softmax_inplace(r, K);  // the core's stable log-sum-exp
}

// Element i of the isotropic/diagonal GMM score at x_i = xv, given the responsibilities.
LANGEVIN_DEV float elem_score(const GmmView& g, const StepScalars& sc, const float* inv, const float (&r)[kElemMaxK],
                              int i, float xv) {
  const int d = g.d;
  const bool iso = g.kind == CovKind::Isotropic;
  float s = 0.0f;
  LANGEVIN_UNROLL
  for (int q = 0; q < kElemMaxK; ++q) {
    if (q >= g.K) continue;
    const float mu = g.means[static_cast<size_t>(q) * d + i];
    if (iso) s += (r[q] * inv[q]) * (sc.a * mu - xv);
    else s += r[q] * (sc.a * mu - xv) * inv[static_cast<size_t>(q) * d + i];
  }
  return s;
}

// One Langevin step of a chain's row by its block: nxt[i] = cur[i] + h·drift(i, cur[i]) + √(2h)·ξ_i,
// four elements (one Philox normal4, keyed as on the CPU) per thread per pass. Returns this
// thread's "a new value is not finite" flag; the caller ORs it over the block.
template <class Drift>
LANGEVIN_DEV int row_langevin_step(const RngSite& site, const StepScalars& sc, int d, const float* cur, float* nxt,
                                   Drift drift) {
  int bad = 0;
  for (int b = threadIdx.x; 4 * b < d; b += blockDim.x) {
    const Normal4 z = normal4(site, static_cast<uint32_t>(b));
    LANGEVIN_UNROLL
    for (int j = 0; j < 4; ++j) {
      const int i = 4 * b + j;
      if (i >= d) break;
      const float v = langevin_update(cur[i], sc.h, drift(i, cur[i]), sc.noise, z.v[j]);
      bad |= !is_finite(v);
      nxt[i] = v;
    }
  }
  return bad;
}

__global__ void elementwise_steps(ElemArgs a) {
  const PhaseView& p = a.p;
  const GmmView& g = p.prior;
  const int c = blockIdx.x, d = p.dim, K = g.K, T = blockDim.x, tid = threadIdx.x;
  float* sm = shared_mem<float>();
  float* red = sm;
  float* cur = a.rows ? a.rows + static_cast<size_t>(c) * 2 * d : sm + elem_red_floats(T, K);
  float* nxt = cur + d;
  float* xrow = a.x + static_cast<size_t>(c) * d;
  for (int i = tid; i < d; i += T) cur[i] = xrow[i];
  int32_t st = a.status[c];
  __syncthreads();
  const float* y = p.y != nullptr ? p.y + (p.y_per_chain ? static_cast<size_t>(c) * p.op.m : 0) : nullptr;
  const uint32_t chain = p.chain_offset + static_cast<uint32_t>(c);
  for (int k = a.s0; k < a.s1 && st == kChainFinite; ++k) {
    const StepScalars sc = p.steps[k];
    const float* level = a.levels + static_cast<size_t>(k - a.s0) * a.level_size;
    const float* inv = level + K;
    float r[kElemMaxK];
    elem_responsibilities(g, sc, level, cur, r, red);
    const RngSite site{p.key, p.stream, chain, p.step_offset + static_cast<uint32_t>(k)};
    const int bad = row_langevin_step(site, sc, d, cur, nxt, [&](int i, float xv) {
      const float s = elem_score(g, sc, inv, r, i, xv);
      float lik = 0.0f;
      if (p.op.kind == OpKind::Identity) {
        lik = sc.c * (y[i] - xv);
      } else if (p.op.kind == OpKind::Mask) {
        const int jy = a.mask_pos[i];
        if (jy >= 0) lik = sc.c * (y[jy] - xv);
      }
      return s + lik;
    });
    // The OR is also the barrier that makes nxt whole before anyone reads it.
    if (__syncthreads_or(bad)) {
      st = static_cast<int32_t>(p.step_offset) + k;
    } else {
      float* t = cur;
      cur = nxt;
      nxt = t;
    }
  }
  for (int i = tid; i < d; i += T) xrow[i] = cur[i];
  if (tid == 0) a.status[c] = st;
}

struct ChainArgs {
  PhaseView p;
  const float* levels;
  int32_t level_size;
  float* x;
  int32_t* status;
  float* scratch;        // [chains][scratch_per_chain]
  int32_t scratch_per_chain, chains, s0, s1;
};

__global__ void chain_steps(ChainArgs a) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= a.chains) return;
  const PhaseView& p = a.p;
  float* x = a.x + static_cast<size_t>(c) * p.dim;
  float* scratch = a.scratch + static_cast<size_t>(c) * a.scratch_per_chain;
  if (p.mala) {  // one level for the whole phase
    mala_chain_steps(p, c, a.s0, a.s1, a.levels, x, a.status + c, scratch);
    return;
  }
  for (int k = a.s0; k < a.s1; ++k)
    chain_step(p, c, k, a.levels + static_cast<size_t>(k - a.s0) * a.level_size, x, a.status + c, scratch);
}

__global__ void draw_normals(PhiloxKey key, uint32_t stream, uint32_t step, uint32_t chain_offset, int chains, int n,
                             int uniform, float* out) {
  const int groups = (n + 3) / 4;
  const size_t t = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= static_cast<size_t>(chains) * groups) return;
  const int c = static_cast<int>(t / groups), b = static_cast<int>(t % groups);
  const RngSite site{key, stream, chain_offset + static_cast<uint32_t>(c), step};
  float v[4];
  if (uniform) {
    uniform4(site, static_cast<uint32_t>(b), v);
  } else {
    const Normal4 z = normal4(site, static_cast<uint32_t>(b));
    for (int j = 0; j < 4; ++j) v[j] = z.v[j];
  }
  float* row = out + static_cast<size_t>(c) * n;
  for (int j = 0; j < 4 && 4 * b + j < n; ++j) row[4 * b + j] = v[j];
}

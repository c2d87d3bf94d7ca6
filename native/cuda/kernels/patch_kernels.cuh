// SPDX-License-Identifier: MIT
// The patch-GMM prior's score (native/core/patch_prior.h) for a batch of chains, written once for
// nvcc and the SIMT emulation; driven by patch_score_batch.h. Included inside the backend's
// namespace after image_kernels.cuh (img_tid, img_nthreads).
//
//   patch_scores      one thread per patch (grid-stride): consecutive threads take consecutive
//                     patches of a row, so each of the k² gathers reads consecutive pixels; the
//                     patch's score by core's gmm_score_row (stable log-sum-exp responsibilities)
//                     in a per-thread scratch (shared memory, or global when it does not fit),
//                     stored element-major ps[chain][ch][k²][patch] (coalesced stores).
//   patch_accumulate  one thread per pixel: the sum of w·(patch score) over the patches covering
//                     it, in core's order (grid rows ascending, then columns) — a gather, so no
//                     atomics, and the same bits on every run.
#pragma once

struct PatchArgs {
  PatchPriorView pp;
  GmmView g;
  NoiseLevel nl;
  const float* level;  // gmm_prepare_level tables of the step
  const float* x;      // [chains][d]
  float* ps;           // [chains][C][k²][npr·npc]
  int chains, npr, npc;
  int scratch;         // floats per thread (patch_scratch_size)
  float* gscratch;     // null: scratch in shared memory; else [gridDim.x·blockDim.x][scratch]
};

__global__ void patch_scores(PatchArgs a) {
  const PatchPriorView& pp = a.pp;
  const int k = pp.k, kk = k * k, np = a.npr * a.npc, H = pp.height, W = pp.width;
  const size_t d = static_cast<size_t>(pp.channels) * H * W;
  const size_t n = static_cast<size_t>(a.chains) * pp.channels * np;
  float* sc = a.gscratch != nullptr ? a.gscratch + img_tid() * a.scratch : shared_mem<float>() + threadIdx.x * a.scratch;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) {
    const size_t img = t / np;  // chain · C + channel
    const int p = static_cast<int>(t % np);
    const float* src = a.x + (img / pp.channels) * d + (img % pp.channels) * H * W;
    patch_gather(src, H, W, k, p / a.npc * pp.stride, p % a.npc * pp.stride, sc);
    gmm_score_row(a.g, a.nl, a.level, sc, sc + kk, sc + 2 * kk);
    float* out = a.ps + img * kk * np + p;
    for (int e = 0; e < kk; ++e) out[static_cast<size_t>(e) * np] = sc[kk + e];
  }
}

// Offset u of the t-th patch covering row r (of n ≥ k rows, k ≥ 1) in ascending order of the
// patch's first row (r − u) mod n: the unwrapped ones (u = min(k−1, r) … 0), then the wrapped ones
// (u = k−1 … r+1).
LANGEVIN_HD int patch_cover_offset(int t, int r, int k) {
  const int n1 = (k - 1 < r ? k - 1 : r) + 1;
  return t < n1 ? n1 - 1 - t : k - 1 - (t - n1);
}

struct PatchAccArgs {
  PatchPriorView pp;
  const float* ps;  // as PatchArgs::ps
  float* out;       // [chains][d]
  int chains, npr, npc;
};

__global__ void patch_accumulate(PatchAccArgs a) {
  const PatchPriorView& pp = a.pp;
  const int k = pp.k, kk = k * k, np = a.npr * a.npc, H = pp.height, W = pp.width, HW = H * W;
  const size_t n = static_cast<size_t>(a.chains) * pp.channels * HW;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) {
    const size_t img = t / HW;
    const int r = static_cast<int>(t % HW) / W, c = static_cast<int>(t % HW) % W;
    const float* ps = a.ps + img * kk * np;
    float s = 0.0f;
    for (int tu = 0; tu < k; ++tu) {
      const int u = patch_cover_offset(tu, r, k), r0 = imod(r - u, H);
      if (r0 % pp.stride != 0) continue;
      for (int tv = 0; tv < k; ++tv) {
        const int v = patch_cover_offset(tv, c, k), c0 = imod(c - v, W);
        if (c0 % pp.stride != 0) continue;
        s += pp.weight * ps[static_cast<size_t>(u * k + v) * np + (r0 / pp.stride) * a.npc + c0 / pp.stride];
      }
    }
    a.out[t] = s;
  }
}

// SPDX-License-Identifier: MIT
// The patch-GMM prior's score s = w·Σ_j P_jᵀ ∇log p_{a,b}(P_j x) for all chains at once, on the GPU
// or under the SIMT emulation (kernels/patch_kernels.cuh): per batch of chains, every patch's
// score into a device buffer, then one gather per pixel. Asynchronous (no synchronise).
//
// Policy: as GpuRunner's. Include after image_op_batch.h (or kernels/image_kernels.cuh), inside the
// backend's namespace; needs <algorithm> and <stdexcept>.
#pragma once
#include "kernels/patch_kernels.cuh"

template <class Policy>
class PatchScoreBatch {
  template <class T>
  using Buf = typename Policy::template Buffer<T>;

 public:
  // prior_on_device: the patch GMM (dimension k²) with device pointers. batch_chains: chains per
  // pass of the patch-score buffer (0: as many as fit in kPatchBufferFloats).
  PatchScoreBatch(const PhaseJob& job, const GmmView& prior_on_device, int chains, int threads = 64, int batch_chains = 0)
      : pp_(job.patch), g_(prior_on_device), chains_(chains) {
    if (pp_.k < 1) throw std::invalid_argument("PatchScoreBatch: the job has no patch prior");
    const Layout l = layout(job, chains, threads, batch_chains);
    Policy::check_memory(l.bytes());
    layout_ = l;
    ps_ = Buf<float>(l.ps);
    gscratch_ = Buf<float>(l.gscratch);
  }

  static size_t device_bytes(const PhaseJob& job, int chains, int threads = 64, int batch_chains = 0) {
    return layout(job, chains, threads, batch_chains).bytes();
  }

  // out[chains][d] = the prior's score at x[chains][d], for the step whose gmm_prepare_level
  // tables are `level_tables` (device) at noise level nl (the means are scaled by nl.a).
  void score(const float* x, const float* level_tables, NoiseLevel nl, float* out) {
    const size_t d = static_cast<size_t>(pp_.channels) * pp_.height * pp_.width;
    const Layout& l = layout_;
    for (int c0 = 0; c0 < chains_; c0 += l.batch) {
      const int nc = std::min(l.batch, chains_ - c0);
      PatchArgs a{pp_, g_, nl, level_tables, x + c0 * d, ps_.get(), nc, l.npr, l.npc, l.scratch, nullptr};
      const size_t patches = static_cast<size_t>(nc) * pp_.channels * l.npr * l.npc;
      size_t blocks = (patches + l.threads - 1) / l.threads, shmem = 0;
      if (l.gscratch > 0) {
        a.gscratch = gscratch_.get();
        blocks = std::min(blocks, static_cast<size_t>(kPatchGlobalBlocks));
      } else {
        blocks = std::min(blocks, static_cast<size_t>(4096));
        shmem = sizeof(float) * l.scratch * l.threads;
      }
      Policy::launch(dim3(static_cast<unsigned>(blocks)), dim3(l.threads), shmem, patch_scores, a);
      PatchAccArgs b{pp_, ps_.get(), out + c0 * d, nc, l.npr, l.npc};
      const int acc_threads = 128;
      Policy::launch(dim3(img_blocks(static_cast<size_t>(nc) * d, acc_threads)), dim3(acc_threads), 0, patch_accumulate, b);
    }
  }

 private:
  static constexpr size_t kPatchBufferFloats = size_t(1) << 26;  // 256 MiB of patch scores per pass
  static constexpr int kPatchGlobalBlocks = 1024;                // grid of the global-scratch fallback

  struct Layout {
    int npr = 0, npc = 0, batch = 1, threads = 32, scratch = 0;
    size_t ps = 0, gscratch = 0;  // floats
    size_t bytes() const { return sizeof(float) * (ps + gscratch); }
  };

  static Layout layout(const PhaseJob& job, int chains, int threads, int batch_chains) {
    const PatchPriorView& pp = job.patch;
    const GmmView g{job.kind, job.K, job.gmm_d, nullptr, nullptr, nullptr, nullptr, nullptr};
    Layout l;
    l.npr = patch_grid(pp.height, pp.stride);
    l.npc = patch_grid(pp.width, pp.stride);
    l.scratch = patch_scratch_size(pp, g);
    const size_t per_chain = static_cast<size_t>(pp.channels) * l.npr * l.npc * pp.k * pp.k;
    const size_t fit = std::max<size_t>(1, kPatchBufferFloats / per_chain);
    l.batch = batch_chains > 0 ? std::min(batch_chains, chains) : static_cast<int>(std::min<size_t>(chains, fit));
    l.batch = std::max(1, l.batch);
    l.ps = per_chain * l.batch;
    // Per-thread scratch in shared memory with as many threads (multiples of 32) as fit.
    l.threads = std::max(32, threads / 32 * 32);
    while (l.threads > 32 && sizeof(float) * l.scratch * l.threads > Policy::shared_limit()) l.threads -= 32;
    if (sizeof(float) * l.scratch * l.threads > Policy::shared_limit())
      l.gscratch = static_cast<size_t>(kPatchGlobalBlocks) * l.threads * l.scratch;
    return l;
  }

  PatchPriorView pp_;
  GmmView g_;
  int chains_;
  Layout layout_;
  Buf<float> ps_, gscratch_;
};

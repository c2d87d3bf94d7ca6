// SPDX-License-Identifier: MIT
// EPLL-style image prior: a Gaussian mixture over k×k patches. The log-prior of an image is
// w·Σ_j log GMM(P_j x) over patches P_j on a stride grid (circular boundary, each channel
// separately), so its score is w·Σ_j P_jᵀ ∇log GMM(P_j x). With w = (stride/k)² every pixel's
// score averages the scores of the patches covering it. Annealed samplers noise the patch GMM
// (a μ, a²Σ + b²I) — the usual EPLL approximation to the noised image prior.
#pragma once
#include "gmm.h"

namespace langevin {

struct PatchPriorView {
  int32_t channels, height, width;  // image shape; the chain state is [channels*height*width]
  int32_t k;                        // patch side; the patch GMM has dimension k*k
  int32_t stride;                   // patch grid spacing (1 = every pixel)
  float weight;                     // w above
};

// Patches along a side of n pixels: grid points 0, stride, 2·stride, … < n.
LANGEVIN_HD int patch_grid(int n, int stride) { return (n + stride - 1) / stride; }

// patch[k·k] = the k×k patch of one channel img[H][W] at (r0, c0), wrapping circularly.
LANGEVIN_HD void patch_gather(const float* img, int H, int W, int k, int r0, int c0, float* patch) {
  for (int u = 0; u < k; ++u) {
    const int r = (r0 + u) % H;
    for (int v = 0; v < k; ++v) patch[u * k + v] = img[r * W + (c0 + v) % W];
  }
}

// Scratch floats patch_score_row needs: patch, its score, and the patch GMM's own scratch.
LANGEVIN_HD int patch_scratch_size(const PatchPriorView& pp, const GmmView& g) {
  return 2 * pp.k * pp.k + gmm_scratch_size(g);
}

// s[d] = w·Σ_j P_jᵀ ∇log p_{a,b}(P_j x) for one chain's image x. `level` from gmm_prepare_level(g, nl).
// With want_logp, returns the log-prior w·Σ_j log p_{a,b}(P_j x) (each patch's ½k²·log 2π left out),
// else 0; with s null, only that.
LANGEVIN_HD float patch_score_row(const PatchPriorView& pp, const GmmView& g, NoiseLevel nl, const float* level,
                                  const float* x, float* s, float* scratch, bool want_logp = false) {
  const int H = pp.height, W = pp.width, k = pp.k, kk = pp.k * pp.k;
  float* patch = scratch;
  float* ps = scratch + kk;
  float* gs = scratch + 2 * kk;
  const int d = pp.channels * H * W;
  if (s != nullptr)
    for (int i = 0; i < d; ++i) s[i] = 0.0f;
  double logp = 0.0;  // thousands of patch terms: accumulate in double
  for (int ch = 0; ch < pp.channels; ++ch) {
    const float* img = x + static_cast<size_t>(ch) * H * W;
    float* out = s != nullptr ? s + static_cast<size_t>(ch) * H * W : nullptr;
    for (int r0 = 0; r0 < H; r0 += pp.stride) {
      for (int c0 = 0; c0 < W; c0 += pp.stride) {
        patch_gather(img, H, W, k, r0, c0, patch);
        if (s == nullptr) {
          logp += gmm_log_density_row(g, nl, level, patch, gs);
          continue;
        }
        logp += gmm_score_row(g, nl, level, patch, ps, gs, want_logp);
        for (int u = 0; u < k; ++u) {
          const int r = (r0 + u) % H;
          for (int v = 0; v < k; ++v) out[r * W + (c0 + v) % W] += pp.weight * ps[u * k + v];
        }
      }
    }
  }
  return static_cast<float>(pp.weight * logp);
}

}  // namespace langevin

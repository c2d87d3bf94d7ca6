// SPDX-License-Identifier: MIT
// Kernels of OpBatch (op_batch.h): r = Aᵀ(y − A x) for every chain at once, rows [chains][·].
// Written once for nvcc and the SIMT emulation; included inside the backend's namespace.
//   rows_fill         E = Y: the observation broadcast to every chain (or each chain's own), the
//                     C operand of the dense GEMM E ← E − X Aᵀ.
//   simple_residual   None / Identity / Mask: one thread per element, coalesced.
// Imaging programs run on image_op_batch.h's kernels.
#pragma once

constexpr int kOpThreads = 128;

// The 1-D launch covering n work items.
inline dim3 op_grid(size_t n) { return dim3(static_cast<unsigned>((n + kOpThreads - 1) / kOpThreads)); }

__global__ void rows_fill(const float* y, int32_t y_per_chain, int32_t m, int32_t chains, float* e) {
  const size_t t = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= static_cast<size_t>(chains) * m) return;
  e[t] = y_per_chain ? y[t] : y[t % m];
}

// mask_pos: Mask only, [d] position of element i in y, or −1 (no scatter, every r written).
__global__ void simple_residual(OperatorView op, const int32_t* mask_pos, const float* x, const float* y,
                                int32_t y_per_chain, int32_t chains, float* r) {
  const size_t t = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int d = op.d;
  if (t >= static_cast<size_t>(chains) * d) return;
  const size_t c = t / d;
  const int i = static_cast<int>(t % d);
  const float* yc = y_per_chain ? y + c * op.m : y;
  float v = 0.0f;
  if (op.kind == OpKind::Identity) {
    v = yc[i] - x[t];
  } else if (op.kind == OpKind::Mask) {
    const int j = mask_pos[i];
    if (j >= 0) v = yc[j] - x[t];
  }
  r[t] = v;
}

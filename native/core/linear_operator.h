// SPDX-License-Identifier: MIT
// Likelihood gradient of y = A x + N(0, η² I): g = c · Aᵀ (y − A x), with c = 1/η² (times any
// annealing weight). Identity, mask (inpainting) and dense operators.
#pragma once
#include "hd.h"

namespace langevin {

enum class OpKind : int32_t { None = 0, Identity = 1, Mask = 2, Dense = 3 };

struct OperatorView {
  OpKind kind;
  int32_t m;               // measurements
  int32_t d;               // input dimension
  const int32_t* indices;  // mask: [m] kept coordinates, ascending
  const float* matrix;     // dense: [m*d] row-major
};

// Scratch floats lik_grad_row needs per chain.
LANGEVIN_HD int lik_scratch_size(const OperatorView& op) { return op.kind == OpKind::Dense ? op.m : 0; }

// g[d] = c Aᵀ(y − A x) for one chain. y: that chain's [m] observation.
LANGEVIN_HD void lik_grad_row(const OperatorView& op, const float* x, const float* y, float c, float* g,
                              float* scratch) {
  const int d = op.d, m = op.m;
  switch (op.kind) {
    case OpKind::None:
      for (int i = 0; i < d; ++i) g[i] = 0.0f;
      break;
    case OpKind::Identity:
      for (int i = 0; i < d; ++i) g[i] = c * (y[i] - x[i]);
      break;
    case OpKind::Mask:
      for (int i = 0; i < d; ++i) g[i] = 0.0f;
      for (int j = 0; j < m; ++j) g[op.indices[j]] = c * (y[j] - x[op.indices[j]]);
      break;
    case OpKind::Dense: {
      float* r = scratch;
      for (int j = 0; j < m; ++j) {
        const float* Aj = op.matrix + static_cast<size_t>(j) * d;
        float ax = 0.0f;
        for (int i = 0; i < d; ++i) ax += Aj[i] * x[i];
        r[j] = c * (y[j] - ax);
      }
      for (int i = 0; i < d; ++i) g[i] = 0.0f;
      for (int j = 0; j < m; ++j) {
        const float* Aj = op.matrix + static_cast<size_t>(j) * d;
        const float rj = r[j];
        for (int i = 0; i < d; ++i) g[i] += Aj[i] * rj;
      }
      break;
    }
  }
}

}  // namespace langevin

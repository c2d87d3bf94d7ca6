// SPDX-License-Identifier: MIT
// The likelihood term of a step for every chain at once: r = Aᵀ(y − A x), rows [chains][d],
// queued asynchronously (no synchronise). The Staged family (gpu_runner.h) calls it once per step
// and scales by the step's c in its update kernel.
//   Dense            two chain-batched GEMMs: E = Y − X Aᵀ, then R = E A (gemm.h)
//   None/Identity/Mask  one elementwise kernel
//   programs         (Blur, Downsample, Fourier, Compose) ImageOpBatch (image_op_batch.h): the
//                    chain-batched imaging kernels, stage by stage.
// Include after the kernels (gemm.cuh, op_batch_kernels.cuh), gemm.h and image_op_batch.h, inside
// the same namespace.
#pragma once

// [d] position of element i in y for a Mask operator, or −1: the mask as a per-element lookup.
inline std::vector<int32_t> mask_positions(const PhaseJob& job) {
  std::vector<int32_t> pos(static_cast<size_t>(job.d), -1);
  for (int j = 0; j < job.m; ++j) pos[job.indices[j]] = j;
  return pos;
}

template <class Policy>
class OpBatch {
  template <class T>
  using Buf = typename Policy::template Buffer<T>;

 public:
  OpBatch(const PhaseJob& job, const OperatorView& op_on_device, int chains)
      : op_(op_on_device), chains_(chains) {
    if (op_.kind == OpKind::Dense) e_ = Buf<float>(static_cast<size_t>(chains) * op_.m);
    if (op_.kind == OpKind::Mask) mask_pos_ = Buf<int32_t>(mask_positions(job));
    if (op_is_program(op_.kind)) image_ = std::make_unique<ImageOpBatch<Policy>>(job, op_on_device, chains);
  }

  // Device memory the batch allocates beyond the operator itself.
  static size_t device_bytes(const PhaseJob& job, int chains) {
    if (job.op_kind == OpKind::Dense) return sizeof(float) * static_cast<size_t>(chains) * job.m;
    if (job.op_kind == OpKind::Mask) return sizeof(int32_t) * static_cast<size_t>(job.d);
    if (op_is_program(job.op_kind)) return ImageOpBatch<Policy>::device_bytes(job, chains);
    return 0;
  }

  // r[chains][d] = Aᵀ(y − A x) of every row of x[chains][d]; y is [m], or [chains][m] per chain.
  void residual_adjoint(const float* x, const float* y, bool y_per_chain, float* r) {
    const int m = op_.m, d = op_.d;
    if (op_.kind == OpKind::Dense) {
      Policy::launch(op_grid(static_cast<size_t>(chains_) * m), dim3(kOpThreads), 0, rows_fill, y, y_per_chain ? 1 : 0,
                     m, chains_, e_.get());
      gemm<Policy>(chains_, m, d, false, true, -1.0f, x, d, op_.matrix, d, 1.0f, e_.get(), m);  // E −= X Aᵀ
      gemm<Policy>(chains_, d, m, false, false, 1.0f, e_.get(), m, op_.matrix, d, 0.0f, r, d);  // R = E A
    } else if (image_) {
      image_->residual_adjoint(x, y, y_per_chain, r);
    } else {
      Policy::launch(op_grid(static_cast<size_t>(chains_) * d), dim3(kOpThreads), 0, simple_residual, op_,
                     mask_pos_.get(), x, y, y_per_chain ? 1 : 0, chains_, r);
    }
  }

 private:
  OperatorView op_;
  int chains_;
  Buf<float> e_;
  Buf<int32_t> mask_pos_;
  std::unique_ptr<ImageOpBatch<Policy>> image_;
};

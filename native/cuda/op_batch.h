// SPDX-License-Identifier: MIT
// The likelihood term of a step for every chain at once: r = Aᵀ(y − A x), rows [chains][d],
// queued asynchronously (no synchronise). The Staged family (gpu_runner.h) calls it once per step
// and scales by the step's c in its update kernel.
//   Dense            two chain-batched GEMMs: E = Y − X Aᵀ, then R = E A (gemm.h)
//   None/Identity/Mask  one elementwise kernel
//   programs         (Blur, Downsample, Fourier, Compose) ProgramOps below: one thread per chain
//                    over the core's operator functions. This is the single plug point for image
//                    kernels: native/cuda/image_op_batch.h will define a class with the same three
//                    members, and `using ImageOps` below switches to it.
// Include after the kernels (gemm.cuh, op_batch_kernels.cuh) and gemm.h, inside the same namespace.
#pragma once

// [d] position of element i in y for a Mask operator, or −1: the mask as a per-element lookup.
inline std::vector<int32_t> mask_positions(const PhaseJob& job) {
  std::vector<int32_t> pos(static_cast<size_t>(job.d), -1);
  for (int j = 0; j < job.m; ++j) pos[job.indices[j]] = j;
  return pos;
}

// Imaging programs, one thread per chain (what the Chain family does per step today).
template <class Policy>
class ProgramOps {
 public:
  ProgramOps(const PhaseJob& job, const OperatorView& op, int chains)
      : op_(op), chains_(chains), per_chain_(lik_scratch_size(op)),
        scratch_(static_cast<size_t>(per_chain_) * chains) {
    (void)job;
  }
  static size_t device_bytes(const PhaseJob& job, int chains) {
    const OperatorView host{job.op_kind, job.m, job.d, job.indices.data(), job.matrix.data()};
    return sizeof(float) * static_cast<size_t>(lik_scratch_size(host)) * chains;
  }
  void residual_adjoint(const float* x, const float* y, bool y_per_chain, float* r) {
    const int t = Policy::chain_block();
    Policy::launch(dim3((chains_ + t - 1) / t), dim3(t), 0, program_residual, op_, x, y, y_per_chain ? 1 : 0, chains_,
                   scratch_.get(), per_chain_, r);
  }

 private:
  OperatorView op_;
  int chains_, per_chain_;
  typename Policy::template Buffer<float> scratch_;
};

template <class Policy>
using ImageOps = ProgramOps<Policy>;  // ← native/cuda/image_op_batch.h plugs in here

template <class Policy>
class OpBatch {
  template <class T>
  using Buf = typename Policy::template Buffer<T>;

 public:
  OpBatch(const PhaseJob& job, const OperatorView& op_on_device, int chains)
      : op_(op_on_device), chains_(chains) {
    if (op_.kind == OpKind::Dense) e_ = Buf<float>(static_cast<size_t>(chains) * op_.m);
    if (op_.kind == OpKind::Mask) mask_pos_ = Buf<int32_t>(mask_positions(job));
    if (op_is_program(op_.kind)) image_ = std::make_unique<ImageOps<Policy>>(job, op_on_device, chains);
  }

  // Device memory the batch allocates beyond the operator itself.
  static size_t device_bytes(const PhaseJob& job, int chains) {
    if (job.op_kind == OpKind::Dense) return sizeof(float) * static_cast<size_t>(chains) * job.m;
    if (job.op_kind == OpKind::Mask) return sizeof(int32_t) * static_cast<size_t>(job.d);
    if (op_is_program(job.op_kind)) return ImageOps<Policy>::device_bytes(job, chains);
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
  std::unique_ptr<ImageOps<Policy>> image_;
};

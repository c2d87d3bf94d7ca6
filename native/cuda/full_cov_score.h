// SPDX-License-Identifier: MIT
// The full-covariance GMM prior score of every chain at once, as GEMMs (Σ_q = U_q Λ_q U_qᵀ):
//   Res_q = X − a 1μ_qᵀ            full_residuals            [chains][K·d]
//   Z_q   = Res_q U_q              one strided-batched GEMM (batch = K)
//   W_q   = r_q · C_q⁻¹ ∘ Z_q      full_weights (quadratic forms, log-sum-exp: the core's)
//   S     = −Σ_q W_q U_qᵀ          one GEMM over the inner dimension K·d
// Both GEMMs read the eigenvectors as one row-major [d][K·d] matrix U_h = [U_0 | U_1 | …] (laid out
// once on the host): Z_q's B operand is U_h + q·d with ld K·d, and S's is U_h transposed.
// Asynchronous. Include after the kernels and gemm.h, inside the same namespace.
#pragma once

template <class Policy>
class FullCovScore {
  template <class T>
  using Buf = typename Policy::template Buffer<T>;

 public:
  FullCovScore(const PhaseJob& job, int chains)
      : K_(job.K), d_(job.d), chains_(chains), threads_(std::min(128, std::max(32, (job.d + 31) / 32 * 32))) {
    const size_t d = static_cast<size_t>(d_), kd = static_cast<size_t>(K_) * d;
    std::vector<float> uh(d * kd);
    for (int q = 0; q < K_; ++q)
      for (size_t i = 0; i < d; ++i)
        for (size_t j = 0; j < d; ++j) uh[i * kd + q * d + j] = job.eigvec[(q * d + i) * d + j];
    uh_ = Buf<float>(uh);
    res_ = Buf<float>(static_cast<size_t>(chains) * kd);
    z_ = Buf<float>(static_cast<size_t>(chains) * kd);
  }

  static size_t device_bytes(const PhaseJob& job, int chains) {
    const size_t kd = static_cast<size_t>(job.K) * job.d;
    return sizeof(float) * (kd * job.d + 2 * static_cast<size_t>(chains) * kd);
  }

  // s[chains][d] = ∇log p_{a,b}(x) at step k. g: the device prior; level: step k's tables.
  void score(const GmmView& g, const StepScalars* steps, int k, const float* level, const float* x, float* s) {
    const int d = d_, kd = K_ * d_;
    Policy::launch(op_grid(static_cast<size_t>(chains_) * kd), dim3(kOpThreads), 0, full_residuals, g, steps, k, x,
                   chains_, res_.get());
    gemm<Policy>(GemmArgs{chains_, d, d, 0, 0, 1.0f, 0.0f, res_.get(), kd, d, uh_.get(), kd, d, z_.get(), kd, d, K_});
    Policy::launch(dim3(chains_), dim3(threads_), sizeof(float) * elem_red_floats(threads_, K_), full_weights,
                   FullArgs{g, steps, level, z_.get(), k});
    gemm<Policy>(chains_, d, kd, false, true, -1.0f, z_.get(), kd, uh_.get(), kd, 0.0f, s, d);
  }

 private:
  int K_, d_, chains_, threads_;
  Buf<float> uh_, res_, z_;
};

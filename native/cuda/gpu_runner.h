// SPDX-License-Identifier: MIT
// The GPU phase runner, shared by the CUDA backend and its SIMT emulation: which kernel runs
// which family, how memory is laid out, what each chunk launches. A Policy supplies the memory and
// the launches (CudaPolicy in cuda_backend.cu, SimtPolicy in native/simt/simt_backend.cc), so the
// logic CI exercises under emulation is the logic the GPU runs. Include after phase_kernels.cuh,
// inside the same namespace.
//
// Policy:  template <class T> using Buffer  (ctor(n), ctor(vector), get(), download(vector&))
//          launch(grid, block, shmem, kernel, args...)   finish_chunk()   shared_limit()
//          chain_block()   check_memory(bytes)   blas_gemm(GemmArgs) (false: use our kernel)
// Needs <algorithm>, <memory>, <vector> included by the includer (outside any namespace), and
// op_batch.h, full_cov_score.h and patch_score_batch.h included before it.
#pragma once

// Which kernels a phase runs on.
//   Elementwise  one fused kernel per chunk (phase_kernels.cuh)
//   Staged       per step, chain-batched stages (likelihood term, prior score), then one update
//                kernel (staged_kernels.cuh)
//   Chain        fallback: one thread per chain running the core's chain_step
enum class GpuFamily { Elementwise, Staged, Chain };

// Plain (unpreconditioned, unadjusted) steps with the prior's score computed here. A GMM prior over
// the whole state with at most kElemMaxK components (kept in registers) goes to Elementwise when it
// is isotropic or diagonal and the operator none, identity or mask, else to Staged (a dense
// operator or an imaging program through OpBatch, a full covariance through FullCovScore). A
// patch-GMM prior goes to Staged (PatchScoreBatch; any K and covariance, any operator). External
// scores, MALA and preconditioned steps stay on Chain, as do GMMs with more than kElemMaxK
// components.
inline GpuFamily gpu_family(const PhaseJob& job) {
  const bool plain = job.ext_score.empty() && job.precond.empty() && !job.mala && job.K >= 1;
  if (!plain) return GpuFamily::Chain;
  if (job.patch.k > 0) return GpuFamily::Staged;
  if (job.K > kElemMaxK) return GpuFamily::Chain;
  const bool elem_op = job.op_kind == OpKind::None || job.op_kind == OpKind::Identity || job.op_kind == OpKind::Mask;
  return job.kind != CovKind::Full && elem_op ? GpuFamily::Elementwise : GpuFamily::Staged;
}

inline const char* gpu_family_name(GpuFamily f) {
  return f == GpuFamily::Elementwise ? "elementwise" : f == GpuFamily::Staged ? "staged" : "chain";
}

// Threads per elementwise block: one per group of 4 elements, 32 … 256.
inline int elem_threads(int d) {
  const int groups = (d + 3) / 4;
  return std::min(256, std::max(32, (groups + 31) / 32 * 32));
}

template <class Policy>
class GpuRunner final : public PhaseRunner {
  template <class T>
  using Buf = typename Policy::template Buffer<T>;

 public:
  explicit GpuRunner(PhaseJob& job) : job_(job), family_(gpu_family(job)) {
    const PhaseView host = job.host_view();
    level_size_ = phase_level_size(host);
    const size_t chains = static_cast<size_t>(job.chains), d = static_cast<size_t>(job.d);
    if (family_ == GpuFamily::Elementwise) {
      threads_ = elem_threads(job.d);
      const size_t red = static_cast<size_t>(elem_red_floats(threads_, job.K));
      const size_t in_shared = sizeof(float) * (red + 2 * d);
      shmem_ = in_shared <= Policy::shared_limit() ? in_shared : sizeof(float) * red;
      rows_in_shared_ = in_shared <= Policy::shared_limit();
    } else if (family_ == GpuFamily::Staged) {
      threads_ = elem_threads(job.d);
      // The update kernel reduces responsibilities only for a GMM score it computes itself.
      if (job.kind != CovKind::Full && job.patch.k == 0)
        shmem_ = sizeof(float) * static_cast<size_t>(elem_red_floats(threads_, job.K));
    } else {
      threads_ = Policy::chain_block();
      scratch_per_chain_ = phase_scratch_size(host);
    }
    const bool staged = family_ == GpuFamily::Staged, patch = job.patch.k > 0;
    const bool full = job.kind == CovKind::Full && !patch, lik = job.op_kind != OpKind::None;
    size_t need = sizeof(float) * (job.x.size() + job.y.size() + job.means.size() + job.var.size() +
                                   job.eigvec.size() + job.matrix.size() + job.ext_score.size() +
                                   job.precond.size() + static_cast<size_t>(scratch_per_chain_) * chains +
                                   (rows_in_shared_ ? 0 : 2 * chains * d)) +
                  sizeof(StepScalars) * job.steps.size();
    if (staged)
      need += sizeof(float) * chains * d * ((full || patch ? 1 : 0) + (lik ? 1 : 0)) +
              (full ? FullCovScore<Policy>::device_bytes(job, job.chains) : 0) +
              (patch ? PatchScoreBatch<Policy>::device_bytes(job, job.chains) : 0) +
              (lik ? OpBatch<Policy>::device_bytes(job, job.chains) : 0);
    Policy::check_memory(need);
    x_ = Buf<float>(job.x);
    status_ = Buf<int32_t>(job.status);
    log_w_ = Buf<float>(job.log_w);
    means_ = Buf<float>(job.means);
    var_ = Buf<float>(job.var);
    eigvec_ = Buf<float>(job.eigvec);
    beta_ = Buf<float>(job.beta);
    indices_ = Buf<int32_t>(job.indices);
    matrix_ = Buf<float>(job.matrix);
    y_ = Buf<float>(job.y);
    steps_ = Buf<StepScalars>(job.steps);
    ext_score_ = Buf<float>(job.ext_score);
    precond_ = Buf<float>(job.precond);
    accepted_ = Buf<int32_t>(job.accepted);
    if (family_ == GpuFamily::Chain) scratch_ = Buf<float>(static_cast<size_t>(scratch_per_chain_) * chains);
    if (family_ == GpuFamily::Elementwise && !rows_in_shared_) rows_ = Buf<float>(2 * chains * d);
    if (job.op_kind == OpKind::Mask && family_ == GpuFamily::Elementwise) {
      mask_pos_ = Buf<int32_t>(mask_positions(job));
    }
    view_ = job.view(y_.get(), steps_.get(), log_w_.get(), means_.get(), var_.get(), eigvec_.get(), beta_.get(),
                     indices_.get(), matrix_.get(), ext_score_.get(), precond_.get(), accepted_.get());
    if (staged) {  // the stages' rows: the prior score and/or the likelihood term (also the proposal)
      if (full) full_ = std::make_unique<FullCovScore<Policy>>(job, job.chains);
      if (patch) patch_ = std::make_unique<PatchScoreBatch<Policy>>(job, view_.prior, job.chains);
      if (full || patch) prior_s_ = Buf<float>(chains * d);
      if (lik) {
        op_ = std::make_unique<OpBatch<Policy>>(job, view_.op, job.chains);
        lik_r_ = Buf<float>(chains * d);
      }
    }
  }

  GpuFamily family() const { return family_; }
  const char* family_name() const { return gpu_family_name(family_); }
  bool rows_in_shared() const { return rows_in_shared_; }

  // One chunk: its level tables, then its steps (Elementwise and Chain: all fused in one launch;
  // Staged: a few launches per step). No synchronise here but the policy's finish_chunk (the
  // progress and cancellation point).
  void run_steps(int s0, int s1) override {
    const int n = s1 - s0;
    if (n <= 0) return;
    if (level_size_ > 0) {
      const size_t want = static_cast<size_t>(level_size_) * n;
      if (levels_cap_ < want) {
        levels_ = Buf<float>(want);
        levels_cap_ = want;
      }
      const int lt = std::min(128, std::max(32, (job_.K + 31) / 32 * 32));
      Policy::launch(dim3(n), dim3(lt), 0, level_tables, view_.prior, steps_.get(), s0, levels_.get(), level_size_);
    }
    if (family_ == GpuFamily::Elementwise) {
      ElemArgs a{view_, levels_.get(), level_size_, mask_pos_.get(), x_.get(), status_.get(),
                 rows_in_shared_ ? nullptr : rows_.get(), s0, s1};
      Policy::launch(dim3(job_.chains), dim3(threads_), shmem_, elementwise_steps, a);
    } else if (family_ == GpuFamily::Staged) {
      for (int k = s0; k < s1; ++k) staged_step(s0, k);
    } else {
      ChainArgs a{view_, levels_.get(), level_size_, x_.get(), status_.get(), scratch_.get(),
                  scratch_per_chain_, job_.chains, s0, s1};
      Policy::launch(dim3((job_.chains + threads_ - 1) / threads_), dim3(threads_), 0, chain_steps, a);
    }
    Policy::finish_chunk();
  }

  void finish() override {
    x_.download(job_.x);
    status_.download(job_.status);
    if (!job_.accepted.empty()) accepted_.download(job_.accepted);
  }

 private:
  // Step k of the Staged family: the likelihood term and the prior score for all chains, then the
  // update (the proposal overwrites whichever row it is computed from).
  void staged_step(int s0, int k) {
    const float* level = levels_.get() + static_cast<size_t>(k - s0) * level_size_;
    if (op_) op_->residual_adjoint(x_.get(), y_.get(), job_.y_per_chain, lik_r_.get());
    if (full_) full_->score(view_.prior, steps_.get(), k, level, x_.get(), prior_s_.get());
    if (patch_) patch_->score(x_.get(), level, NoiseLevel{job_.steps[k].a, job_.steps[k].b2}, prior_s_.get());
    float* prior_s = full_ || patch_ ? prior_s_.get() : nullptr;
    StagedArgs a{view_, levels_.get(), level_size_, s0, k, x_.get(), status_.get(), prior_s, lik_r_.get(),
                 prior_s != nullptr ? prior_s : lik_r_.get()};
    Policy::launch(dim3(job_.chains), dim3(threads_), shmem_, staged_update, a);
  }

  PhaseJob& job_;
  GpuFamily family_;
  PhaseView view_{};
  int level_size_ = 0, threads_ = 0, scratch_per_chain_ = 0;
  size_t shmem_ = 0, levels_cap_ = 0;
  bool rows_in_shared_ = false;
  Buf<float> x_, scratch_, rows_, levels_, log_w_, means_, var_, eigvec_, beta_, matrix_, y_, ext_score_, precond_;
  Buf<int32_t> status_, indices_, accepted_, mask_pos_;
  Buf<StepScalars> steps_;
  Buf<float> prior_s_, lik_r_;  // Staged: [chains][d] rows
  std::unique_ptr<FullCovScore<Policy>> full_;
  std::unique_ptr<PatchScoreBatch<Policy>> patch_;
  std::unique_ptr<OpBatch<Policy>> op_;
};

// The samplers' noise [chains, n] (normals, or uniforms in (0, 1)) on the device, into out.
template <class Policy>
void gpu_draw(uint64_t seed, uint32_t stream, uint32_t step, uint32_t chain_offset, int chains, int n, bool uniform,
              float* out) {
  typename Policy::template Buffer<float> buf(static_cast<size_t>(chains) * n);
  const size_t work = static_cast<size_t>(chains) * ((n + 3) / 4);
  const int threads = 128;
  Policy::launch(dim3(static_cast<unsigned>((work + threads - 1) / threads)), dim3(threads), 0, draw_normals,
                 key_from_seed(seed), stream, step, chain_offset, chains, n, uniform ? 1 : 0, buf.get());
  std::vector<float> host;
  buf.download(host);
  std::copy(host.begin(), host.end(), out);
}

// SPDX-License-Identifier: MIT
// Host-side owner of one phase's inputs and outputs, and the backend-independent driver that runs
// it in chunks of steps (so progress and cancellation happen between chunks on every backend).
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "phase.h"

namespace langevin {

struct PhaseJob {
  // prior
  CovKind kind = CovKind::Isotropic;
  int32_t K = 0, d = 0;  // components; chain dimension
  int32_t gmm_d = 0;      // dimension of the GMM: d, or k·k for a patch prior
  PatchPriorView patch{1, 1, 1, 0, 1, 1.0f};  // k = 0: no patch prior
  std::vector<float> log_w, means, var, eigvec, beta;  // beta empty = all ones
  std::vector<float> ext_score;  // [chains*d] prior score from outside (K = 0), or empty
  // likelihood
  OpKind op_kind = OpKind::None;
  int32_t m = 0;
  std::vector<int32_t> indices;
  std::vector<float> matrix;
  std::vector<float> y;
  bool y_per_chain = false;
  // step kind
  std::vector<float> precond;     // [d*d] lower-triangular factor of the preconditioner, or empty
  bool mala = false;              // Metropolis-adjusted steps at one level
  std::vector<int32_t> accepted;  // MALA: [chains] accepted proposals (out)
  // schedule and randomness
  std::vector<StepScalars> steps;
  uint32_t step_offset = 0;
  uint64_t seed = 0;
  uint32_t stream = 0;
  uint32_t chain_offset = 0;
  // state: in and out
  int32_t chains = 0;
  std::vector<float> x;         // [chains*d]
  std::vector<int32_t> status;  // [chains], kChainFinite or the step of divergence
  int threads = 0;              // CPU threads; 0 = hardware concurrency
  // Set by drive_phase: a runner may poll it inside a long chunk and return early (the phase is
  // then discarded as cancelled, so a half-advanced state is never seen).
  const std::atomic<bool>* cancel = nullptr;

  PhaseView view(const float* y_ptr, const StepScalars* steps_ptr, const float* log_w_ptr, const float* means_ptr,
                 const float* var_ptr, const float* eigvec_ptr, const float* beta_ptr, const int32_t* idx_ptr,
                 const float* mat_ptr, const float* ext_score_ptr, const float* precond_ptr,
                 int32_t* accepted_ptr) const {
    PhaseView p;
    p.dim = d;
    p.patch = patch;
    p.ext_score = ext_score.empty() ? nullptr : ext_score_ptr;
    p.prior = GmmView{kind, K, gmm_d, log_w_ptr, means_ptr, var_ptr, eigvec_ptr, beta.empty() ? nullptr : beta_ptr};
    p.op = OperatorView{op_kind, m, d, idx_ptr, mat_ptr};
    p.y = y_ptr;
    p.y_per_chain = y_per_chain ? 1 : 0;
    p.steps = steps_ptr;
    p.nsteps = static_cast<int32_t>(steps.size());
    p.step_offset = step_offset;
    p.key = key_from_seed(seed);
    p.stream = stream;
    p.chain_offset = chain_offset;
    p.precond = precond.empty() ? nullptr : precond_ptr;
    p.mala = mala ? 1 : 0;
    p.accepted = mala ? accepted_ptr : nullptr;
    return p;
  }
  PhaseView host_view() {
    return view(y.data(), steps.data(), log_w.data(), means.data(), var.data(), eigvec.data(), beta.data(),
                indices.data(), matrix.data(), ext_score.data(), precond.data(), accepted.data());
  }
  // Rough floating-point work of one chain-step, for chunking and memory estimates.
  double work_per_chain_step() const {
    const double g = gmm_d;  // per GMM evaluation; a patch prior evaluates one per patch
    const double evals = patch.k > 0 ? static_cast<double>(d) / (patch.stride * patch.stride) : 1.0;
    const double gmm = ext_score.empty() ? evals * (kind == CovKind::Full ? 2.0 * K * g * g : 3.0 * K * g) : d;
    const double lik = op_kind == OpKind::Dense ? 2.0 * m * d : d;
    const double pre = precond.empty() ? 0.0 : 1.5 * d * d;
    return (mala ? 2.0 : 1.0) * (gmm + lik + pre) + 8.0 * d;
  }
};

// A backend holding the phase's state (on the host or a device) between chunks.
class PhaseRunner {
 public:
  virtual ~PhaseRunner() = default;
  virtual void run_steps(int s0, int s1) = 0;  // advance every chain through steps [s0, s1)
  virtual void finish() = 0;                   // copy state and status back into the job
};

// Thrown when a backend cannot allocate what the phase needs (mapped to E_OOM).
struct OutOfMemory : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct PhaseCancelled : std::runtime_error {
  PhaseCancelled() : std::runtime_error("cancelled") {}
};

// Chunks of steps. The first chunk's size comes from a work estimate sized for a CPU; after each
// chunk the size follows the measured time towards kChunkTarget, so a GPU (where one step of a big
// phase is microseconds and a chunk is one fused launch) gets long launches, a slow step gets
// short chunks (prompt cancellation), and every backend reports progress at least ~50 times.
// Chunk boundaries never change the samples: the noise is keyed by (chain, global step).
class ChunkPlan {
 public:
  static constexpr double kChunkTarget = 0.025;  // seconds between progress/cancellation points

  explicit ChunkPlan(const PhaseJob& job) {
    const double work = job.work_per_chain_step() * job.chains;
    max_ = (static_cast<int>(job.steps.size()) + 49) / 50;  // ≥ 50 progress reports
    if (max_ < 1) max_ = 1;
    size_ = clamp(static_cast<double>(static_cast<int>(2e6 / (work > 1 ? work : 1)) + 1));
  }
  int size() const { return size_; }
  // The next chunk's size after one of `steps` steps took `seconds`: at most ×2 per chunk (a fast
  // chunk may be a warm cache, not a fast step), down at once to the target.
  void observe(int steps, double seconds) {
    if (steps <= 0) return;
    const double per_step = seconds / steps;
    const double want = per_step > 0 ? kChunkTarget / per_step : 2.0 * size_;
    size_ = clamp(want < 2.0 * size_ ? want : 2.0 * size_);
  }

 private:
  int clamp(double c) const { return c < 1 ? 1 : c > max_ ? max_ : static_cast<int>(c); }
  int max_ = 1, size_ = 1;
};

// Runs all steps through the runner. progress(done, total) is called after each chunk; the
// cancel flag is polled between chunks and throws PhaseCancelled.
inline void drive_phase(PhaseJob& job, PhaseRunner& runner, const std::atomic<bool>& cancel,
                        const std::function<void(int, int)>& progress) {
  using Clock = std::chrono::steady_clock;
  const int n = static_cast<int>(job.steps.size());
  job.cancel = &cancel;
  ChunkPlan plan(job);
  for (int s0 = 0; s0 < n;) {
    if (cancel.load(std::memory_order_relaxed)) throw PhaseCancelled();
    const int s1 = s0 + plan.size() < n ? s0 + plan.size() : n;
    const Clock::time_point t0 = Clock::now();
    runner.run_steps(s0, s1);  // returns when the chunk is done (GPU runners synchronise here)
    if (cancel.load(std::memory_order_relaxed)) throw PhaseCancelled();  // a runner may stop mid-chunk
    plan.observe(s1 - s0, std::chrono::duration<double>(Clock::now() - t0).count());
    if (progress) progress(s1, n);
    s0 = s1;
  }
  if (cancel.load(std::memory_order_relaxed)) throw PhaseCancelled();
  runner.finish();
}

}  // namespace langevin

// SPDX-License-Identifier: MIT
#include "cpu_backend.h"

#include "cpu_kernels.h"

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace langevin {

int cpu_default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

namespace {

// Worker threads kept for the life of the process. Creating and joining threads for every chunk
// of steps cost ~0.2 ms per chunk on the 2-core development VM (thread start, cold caches), about
// a whole step of a 1024 × 256 phase, and the driver runs such phases one step per chunk. One
// caller uses the pool at a time; a concurrent caller gets false and spawns threads as before.
class WorkerPool {
 public:
  static WorkerPool& instance() {
    static WorkerPool* pool = new WorkerPool;  // never destroyed: idle workers just end with the process
    return *pool;
  }

  // Runs part(1) … part(parts − 1) on workers and part(0) on the calling thread; returns when all
  // are done.
  bool try_run(int parts, const std::function<void(int)>& part) {
    std::unique_lock<std::mutex> owner(owner_, std::try_to_lock);
    if (!owner.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(m_);
      while (static_cast<int>(workers_.size()) < parts - 1) {
        const int index = static_cast<int>(workers_.size()) + 1;
        workers_.emplace_back([this, index] { work(index); });
        workers_.back().detach();
      }
      part_ = &part;
      parts_ = parts;
      pending_ = parts - 1;
      ++generation_;
    }
    wake_.notify_all();
    part(0);
    std::unique_lock<std::mutex> lock(m_);
    done_.wait(lock, [this] { return pending_ == 0; });
    part_ = nullptr;
    return true;
  }

 private:
  void work(int index) {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (index >= parts_) continue;
      const std::function<void(int)>* part = part_;
      lock.unlock();
      (*part)(index);
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::mutex owner_;  // held by the caller of try_run
  std::mutex m_;      // guards everything below
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* part_ = nullptr;
  int parts_ = 0, pending_ = 0;
  uint64_t generation_ = 0;
};

// Calls body(begin, end) on contiguous ranges of [0, n) from up to `threads` threads.
template <class F>
void parallel_ranges(int n, int threads, F body) {
  const int t = std::max(1, std::min(threads, n));
  if (t == 1) {
    body(0, n);
    return;
  }
  const auto range = [&](int i) { body(static_cast<int>(int64_t(n) * i / t), static_cast<int>(int64_t(n) * (i + 1) / t)); };
  if (WorkerPool::instance().try_run(t, range)) return;
  std::vector<std::thread> pool;
  pool.reserve(t - 1);
  for (int i = 1; i < t; ++i) pool.emplace_back(range, i);
  range(0);
  for (auto& th : pool) th.join();
}

// Steps [s0, s1) of chains [c0, c1), block by block. Where the CPU has AVX2 the same loop runs from
// cpu_kernels_avx2.cc, compiled for it (the core's loops are vectorised 8 floats wide there).
// Both builds give bit-identical states: test/fastmath.test.ts checks this through
// LANGEVIN_CPU_ISA=baseline.
void run_blocks(const PhaseView& p, int c0, int c1, int s0, int s1, float* x, int32_t* status, float* scratch,
                float* level) {
#if defined(LANGEVIN_CPU_AVX2_TU)
  if (use_avx2()) return cpu_run_blocks_avx2(&p, sizeof p, c0, c1, s0, s1, x, status, scratch, level);
#endif
  for (int b = c0; b < c1; b += kCpuBlock)
    run_block_steps(p, b, std::min(b + kCpuBlock, c1), s0, s1, x, status, scratch, level);
}

class CpuRunner final : public PhaseRunner {
  static constexpr int kCancelSlice = 128 * kCpuBlock;  // chains between cancel checks

 public:
  explicit CpuRunner(PhaseJob& job)
      : job_(job), view_(job.host_view()), threads_(job.threads > 0 ? job.threads : cpu_default_threads()) {}

  void run_steps(int s0, int s1) override {
    const int scratch = phase_scratch_size(view_);
    const int level = phase_level_size(view_);
    parallel_ranges(job_.chains, threads_, [&](int c0, int c1) {
      std::vector<float> buf(static_cast<size_t>(scratch + level));  // once per thread per chunk, not per step
      // Slices of chains with a cancel check between them: one step over 10⁶ chains takes ~0.5 s, so
      // a cancel waits for a slice (milliseconds), not the step. Chains are independent: slicing
      // never changes a result.
      for (int b = c0; b < c1; b += kCancelSlice) {
        if (job_.cancel != nullptr && job_.cancel->load(std::memory_order_relaxed)) return;
        run_blocks(view_, b, std::min(b + kCancelSlice, c1), s0, s1, job_.x.data(), job_.status.data(), buf.data(),
                   buf.data() + scratch);
      }
    });
  }
  void finish() override {}

 private:
  PhaseJob& job_;
  PhaseView view_;
  int threads_;
};

}  // namespace

std::unique_ptr<PhaseRunner> make_cpu_runner(PhaseJob& job) { return std::make_unique<CpuRunner>(job); }

void cpu_log_densities(PhaseJob& job, float* out, float* rss) {
  const PhaseView view = job.host_view();
  const int n = view.nsteps, level_size = phase_level_size(view), scratch = log_density_scratch_size(view);
  std::vector<float> levels(static_cast<size_t>(n) * level_size);  // every level's tables, shared by all chains
  for (int k = 0; k < n; ++k)
    gmm_prepare_level(view.prior, NoiseLevel{view.steps[k].a, view.steps[k].b2}, levels.data() + static_cast<size_t>(k) * level_size);
  parallel_ranges(job.chains, job.threads > 0 ? job.threads : cpu_default_threads(), [&](int c0, int c1) {
    std::vector<float> buf(static_cast<size_t>(scratch));
    for (int c = c0; c < c1; ++c)
      chain_log_densities(view, c, levels.data(), job.x.data() + static_cast<size_t>(c) * job.d,
                          out + static_cast<size_t>(c) * n, rss + c, buf.data());
  });
}

void cpu_draw(uint64_t seed, uint32_t stream, uint32_t step, uint32_t chain_offset, int chains, int n, bool uniform,
              int threads, float* out) {
  const PhiloxKey key = key_from_seed(seed);
  parallel_ranges(chains, threads > 0 ? threads : cpu_default_threads(), [&](int c0, int c1) {
    for (int c = c0; c < c1; ++c) {
      const RngSite site{key, stream, chain_offset + static_cast<uint32_t>(c), step};
      float* row = out + static_cast<size_t>(c) * n;
      if (!uniform) {
        fill_normals(site, row, n);
        continue;
      }
      for (int i0 = 0; i0 < n; i0 += 4) {
        float v[4];
        uniform4(site, static_cast<uint32_t>(i0 >> 2), v);
        for (int j = 0; j < 4 && i0 + j < n; ++j) row[i0 + j] = v[j];
      }
    }
  });
}

}  // namespace langevin

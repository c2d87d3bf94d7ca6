// SPDX-License-Identifier: MIT
#include "cpu_backend.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace langevin {

int cpu_default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

namespace {

// Calls body(begin, end) on contiguous ranges of [0, n) from up to `threads` threads.
template <class F>
void parallel_ranges(int n, int threads, F body) {
  const int t = std::max(1, std::min(threads, n));
  if (t == 1) {
    body(0, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(t - 1);
  for (int i = 1; i < t; ++i) pool.emplace_back(body, static_cast<int>(int64_t(n) * i / t), static_cast<int>(int64_t(n) * (i + 1) / t));
  body(0, static_cast<int>(n / t));
  for (auto& th : pool) th.join();
}

class CpuRunner final : public PhaseRunner {
 public:
  explicit CpuRunner(PhaseJob& job)
      : job_(job), view_(job.host_view()), threads_(job.threads > 0 ? job.threads : cpu_default_threads()) {}

  void run_steps(int s0, int s1) override {
    const int scratch = phase_scratch_size(view_);
    const int level = phase_level_size(view_);
    // Blocks of chains advance step by step: the block's rows stay in cache across the chunk and
    // each step's level tables are shared by the block.
    constexpr int kBlock = 32;
    parallel_ranges(job_.chains, threads_, [&](int c0, int c1) {
      std::vector<float> buf(static_cast<size_t>(scratch + level));  // once per thread per chunk, not per step
      for (int b = c0; b < c1; b += kBlock)
        run_block_steps(view_, b, std::min(b + kBlock, c1), s0, s1, job_.x.data(), job_.status.data(), buf.data(),
                        buf.data() + scratch);
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

void cpu_draw(uint64_t seed, uint32_t stream, uint32_t step, uint32_t chain_offset, int chains, int n, bool uniform,
              int threads, float* out) {
  const PhiloxKey key = key_from_seed(seed);
  parallel_ranges(chains, threads > 0 ? threads : cpu_default_threads(), [&](int c0, int c1) {
    for (int c = c0; c < c1; ++c) {
      const RngSite site{key, stream, chain_offset + static_cast<uint32_t>(c), step};
      float* row = out + static_cast<size_t>(c) * n;
      for (int i0 = 0; i0 < n; i0 += 4) {
        float v[4];
        if (uniform) {
          uniform4(site, static_cast<uint32_t>(i0 >> 2), v);
        } else {
          const Normal4 z = normal4(site, static_cast<uint32_t>(i0 >> 2));
          for (int j = 0; j < 4; ++j) v[j] = z.v[j];
        }
        for (int j = 0; j < 4 && i0 + j < n; ++j) row[i0 + j] = v[j];
      }
    }
  });
}

}  // namespace langevin

// SPDX-License-Identifier: MIT
#include "cpu_backend.h"

#include "cpu_kernels.h"

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
 public:
  explicit CpuRunner(PhaseJob& job)
      : job_(job), view_(job.host_view()), threads_(job.threads > 0 ? job.threads : cpu_default_threads()) {}

  void run_steps(int s0, int s1) override {
    const int scratch = phase_scratch_size(view_);
    const int level = phase_level_size(view_);
    parallel_ranges(job_.chains, threads_, [&](int c0, int c1) {
      std::vector<float> buf(static_cast<size_t>(scratch + level));  // once per thread per chunk, not per step
      run_blocks(view_, c0, c1, s0, s1, job_.x.data(), job_.status.data(), buf.data(), buf.data() + scratch);
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

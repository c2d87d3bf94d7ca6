// SPDX-License-Identifier: MIT
// SimtPolicy: host vectors as device memory, simt::launch as the kernel launch.
#include "simt_backend.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/phase.h"
#include "../cuda/kernels/portable.cuh"

namespace langevin {
namespace simt_impl {

#include "../cuda/kernels/phase_kernels.cuh"
#include "../cuda/kernels/gemm.cuh"
#include "../cuda/kernels/op_batch_kernels.cuh"
#include "../cuda/kernels/staged_kernels.cuh"
#include "../cuda/gemm.h"
#include "../cuda/image_op_batch.h"
#include "../cuda/patch_score_batch.h"
#include "../cuda/op_batch.h"
#include "../cuda/full_cov_score.h"
#include "../cuda/gpu_runner.h"

// "Device" memory: a host vector (empty = null, like a zero-size cudaMalloc).
template <class T>
class HostBuffer {
 public:
  HostBuffer() = default;
  explicit HostBuffer(size_t n) : v_(n) {}
  explicit HostBuffer(const std::vector<T>& host) : v_(host) {}
  T* get() { return v_.empty() ? nullptr : v_.data(); }
  void download(std::vector<T>& host) const { host = v_; }

 private:
  std::vector<T> v_;
};

struct SimtPolicy {
  template <class T>
  using Buffer = HostBuffer<T>;
  template <class... P, class... A>
  static void launch(dim3 grid, dim3 block, size_t shmem, void (*kernel)(P...), A&&... args) {
    simt::launch(grid, block, shmem, kernel, std::forward<A>(args)...);
  }
  static void finish_chunk() {}
  static void check_memory(size_t) {}
  // 48 KiB like a default CUDA launch; LANGEVIN_SIMT_SHARED_BYTES lowers it so tests reach the
  // global-memory row path.
  static size_t shared_limit() {
    const char* env = std::getenv("LANGEVIN_SIMT_SHARED_BYTES");
    return env != nullptr ? static_cast<size_t>(std::strtoull(env, nullptr, 10)) : 48 * 1024;
  }
  static int chain_block() { return 32; }
  static bool blas_gemm(const GemmArgs&) { return false; }  // CI runs our GEMM kernel
};

}  // namespace simt_impl

std::unique_ptr<PhaseRunner> make_simt_runner(PhaseJob& job) {
  return std::make_unique<simt_impl::GpuRunner<simt_impl::SimtPolicy>>(job);
}

const char* simt_family(const PhaseJob& job) {
  return simt_impl::gpu_family_name(simt_impl::gpu_family(job));
}

void simt_draw(uint64_t seed, uint32_t stream, uint32_t step, uint32_t chain_offset, int chains, int n, bool uniform,
               float* out) {
  simt_impl::gpu_draw<simt_impl::SimtPolicy>(seed, stream, step, chain_offset, chains, n, uniform, out);
}

}  // namespace langevin

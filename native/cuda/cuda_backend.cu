// SPDX-License-Identifier: MIT
// CUDA backend: the shared GPU runner (gpu_runner.h) and kernels (kernels/phase_kernels.cuh) over
// CudaPolicy — device buffers, <<<>>> launches on the default stream, and one synchronise per
// chunk (the progress and cancellation point). The same runner and kernels run under the SIMT
// emulation in CI (native/simt/simt_backend.cc).
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/phase.h"
#include "cublas_dl.h"
#include "cuda_backend.h"
#include "device_buffer.h"
#include "kernels/portable.cuh"

namespace langevin {
namespace cuda_impl {

#include "kernels/phase_kernels.cuh"
#include "kernels/gemm.cuh"
#include "kernels/op_batch_kernels.cuh"
#include "kernels/staged_kernels.cuh"
#include "gemm.h"
#include "image_op_batch.h"
#include "patch_score_batch.h"
#include "op_batch.h"
#include "full_cov_score.h"
#include "gpu_runner.h"

struct CudaPolicy {
  template <class T>
  using Buffer = DeviceBuffer<T>;
  template <class... P, class... A>
  static void launch(dim3 grid, dim3 block, size_t shmem, void (*kernel)(P...), A&&... args) {
    if (grid.x == 0) return;
    if (shmem > 48 * 1024)  // opt in to the large carve-out (Hopper: up to 227 KiB per block)
      LANGEVIN_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shmem)));
    kernel<<<grid, block, shmem>>>(std::forward<A>(args)...);
    LANGEVIN_CUDA_CHECK(cudaGetLastError());
  }
  // The chunk boundary is where the driver reports progress and polls cancellation.
  static void finish_chunk() { LANGEVIN_CUDA_CHECK(cudaDeviceSynchronize()); }
  static size_t shared_limit() {
    static const size_t limit = [] {
      int v = 48 * 1024;
      cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, 0);
      return static_cast<size_t>(v);
    }();
    return limit;
  }
  static int chain_block() { return 128; }
  // cuBLAS when it loads (cublas_dl.h), else false: gemm.h launches our kernel.
  static bool blas_gemm(const GemmArgs& g) {
    return CublasDl::gemm(g.M, g.N, g.K, g.trans_a != 0, g.trans_b != 0, g.alpha, g.A, g.lda, g.stride_a, g.B,
                                     g.ldb, g.stride_b, g.beta, g.C, g.ldc, g.stride_c, g.batch);
  }
  static void check_memory(size_t need) {
    LANGEVIN_CUDA_CHECK(cudaSetDevice(0));
    size_t free_b = 0, total_b = 0;
    LANGEVIN_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    if (need > free_b)
      throw OutOfMemory("the phase needs " + std::to_string(need) + " bytes of device memory, " + std::to_string(free_b) +
                        " are free");
  }
};

}  // namespace cuda_impl

int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return 0;
  }
  return n;
}

CudaDeviceInfo cuda_device_info() {
  CudaDeviceInfo info;
  cudaDeviceProp prop{};
  LANGEVIN_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  info.name = prop.name;
  info.major = prop.major;
  info.minor = prop.minor;
  LANGEVIN_CUDA_CHECK(cudaSetDevice(0));
  LANGEVIN_CUDA_CHECK(cudaMemGetInfo(&info.free_bytes, &info.total_bytes));
  LANGEVIN_CUDA_CHECK(cudaDriverGetVersion(&info.driver_version));
  LANGEVIN_CUDA_CHECK(cudaRuntimeGetVersion(&info.runtime_version));
  return info;
}

std::unique_ptr<PhaseRunner> make_cuda_runner(PhaseJob& job) {
  LANGEVIN_CUDA_CHECK(cudaSetDevice(0));
  return std::make_unique<cuda_impl::GpuRunner<cuda_impl::CudaPolicy>>(job);
}

void cuda_draw(uint64_t seed, uint32_t stream, uint32_t step, uint32_t chain_offset, int chains, int n, bool uniform,
               float* out) {
  LANGEVIN_CUDA_CHECK(cudaSetDevice(0));
  cuda_impl::gpu_draw<cuda_impl::CudaPolicy>(seed, stream, step, chain_offset, chains, n, uniform, out);
}

}  // namespace langevin

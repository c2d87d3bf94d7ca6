// SPDX-License-Identifier: MIT
// CUDA runner. The chains stay on the device for the whole phase; each launch advances every
// chain through a chunk of steps with the score, likelihood gradient, in-kernel Philox noise and
// update fused (run_chain_steps from native/core, the same code the CPU backend runs).
#include <algorithm>

#include "cuda_backend.h"
#include "device_buffer.h"

namespace langevin {

namespace {

constexpr int kThreads = 128;

// One thread per chain: the row, its scratch and its level tables stay in that thread's cache
// lines for the chunk (a block of one chain in run_block_steps).
__global__ void phase_kernel(PhaseView p, float* x, int32_t* status, float* scratch, int scratch_per_chain, int chains,
                             int s0, int s1) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= chains) return;
  float* mine = scratch + static_cast<size_t>(c) * scratch_per_chain;
  run_block_steps(p, c, c + 1, s0, s1, x, status, mine, mine + phase_scratch_size(p));
}

__global__ void draw_kernel(PhiloxKey key, uint32_t stream, uint32_t step, uint32_t chain_offset, int chains, int n,
                            int blocks_per_row, bool uniform, float* out) {
  const size_t t = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= static_cast<size_t>(chains) * blocks_per_row) return;
  const int c = static_cast<int>(t / blocks_per_row), b = static_cast<int>(t % blocks_per_row);
  const RngSite site{key, stream, chain_offset + static_cast<uint32_t>(c), step};
  float v[4];
  if (uniform) {
    uniform4(site, static_cast<uint32_t>(b), v);
  } else {
    const Normal4 z = normal4(site, static_cast<uint32_t>(b));
    for (int j = 0; j < 4; ++j) v[j] = z.v[j];
  }
  float* row = out + static_cast<size_t>(c) * n;
  for (int j = 0; j < 4 && 4 * b + j < n; ++j) row[4 * b + j] = v[j];
}

int grid_for(size_t n) { return static_cast<int>((n + kThreads - 1) / kThreads); }

class CudaRunner final : public PhaseRunner {
 public:
  explicit CudaRunner(PhaseJob& job) : job_(job) {
    LANGEVIN_CUDA_CHECK(cudaSetDevice(0));
    const PhaseView host = job.host_view();
    scratch_per_chain_ = phase_scratch_size(host) + phase_level_size(host);
    const size_t need = sizeof(float) * (job.x.size() + static_cast<size_t>(scratch_per_chain_) * job.chains + job.y.size() +
                                         job.means.size() + job.var.size() + job.eigvec.size() + job.matrix.size() +
                                         job.ext_score.size() + job.precond.size() + job.accepted.size()) +
                        sizeof(StepScalars) * job.steps.size();
    size_t free_b = 0, total_b = 0;
    LANGEVIN_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    if (need > free_b)
      throw OutOfMemory("the phase needs " + std::to_string(need) + " bytes of device memory, " + std::to_string(free_b) +
                        " are free");
    x_ = DeviceBuffer<float>(job.x);
    status_ = DeviceBuffer<int32_t>(job.status);
    scratch_ = DeviceBuffer<float>(static_cast<size_t>(scratch_per_chain_) * job.chains);
    log_w_ = DeviceBuffer<float>(job.log_w);
    means_ = DeviceBuffer<float>(job.means);
    var_ = DeviceBuffer<float>(job.var);
    eigvec_ = DeviceBuffer<float>(job.eigvec);
    beta_ = DeviceBuffer<float>(job.beta);
    indices_ = DeviceBuffer<int32_t>(job.indices);
    matrix_ = DeviceBuffer<float>(job.matrix);
    y_ = DeviceBuffer<float>(job.y);
    steps_ = DeviceBuffer<StepScalars>(job.steps);
    ext_score_ = DeviceBuffer<float>(job.ext_score);
    precond_ = DeviceBuffer<float>(job.precond);
    accepted_ = DeviceBuffer<int32_t>(job.accepted);
    view_ = job.view(y_.get(), steps_.get(), log_w_.get(), means_.get(), var_.get(), eigvec_.get(), beta_.get(),
                     indices_.get(), matrix_.get(), ext_score_.get(), precond_.get(), accepted_.get());
  }

  void run_steps(int s0, int s1) override {
    phase_kernel<<<grid_for(job_.chains), kThreads>>>(view_, x_.get(), status_.get(), scratch_.get(), scratch_per_chain_,
                                                      job_.chains, s0, s1);
    LANGEVIN_CUDA_CHECK(cudaGetLastError());
    LANGEVIN_CUDA_CHECK(cudaDeviceSynchronize());  // chunk boundary: progress and cancellation points
  }

  void finish() override {
    x_.download(job_.x);
    status_.download(job_.status);
    if (!job_.accepted.empty()) accepted_.download(job_.accepted);
  }

 private:
  PhaseJob& job_;
  PhaseView view_{};
  int scratch_per_chain_ = 0;
  DeviceBuffer<float> x_, scratch_, log_w_, means_, var_, eigvec_, beta_, matrix_, y_, ext_score_, precond_;
  DeviceBuffer<int32_t> status_, indices_, accepted_;
  DeviceBuffer<StepScalars> steps_;
};

}  // namespace

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

std::unique_ptr<PhaseRunner> make_cuda_runner(PhaseJob& job) { return std::make_unique<CudaRunner>(job); }

void cuda_draw(uint64_t seed, uint32_t stream, uint32_t step, uint32_t chain_offset, int chains, int n, bool uniform,
               float* out) {
  LANGEVIN_CUDA_CHECK(cudaSetDevice(0));
  DeviceBuffer<float> buf(static_cast<size_t>(chains) * n);
  const int blocks_per_row = (n + 3) / 4;
  draw_kernel<<<grid_for(static_cast<size_t>(chains) * blocks_per_row), kThreads>>>(
      key_from_seed(seed), stream, step, chain_offset, chains, n, blocks_per_row, uniform, buf.get());
  LANGEVIN_CUDA_CHECK(cudaGetLastError());
  LANGEVIN_CUDA_CHECK(cudaMemcpy(out, buf.get(), buf.size() * sizeof(float), cudaMemcpyDeviceToHost));
}

}  // namespace langevin

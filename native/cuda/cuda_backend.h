// SPDX-License-Identifier: MIT
// CUDA backend entry points. Built only when CMake finds nvcc (LANGEVIN_WITH_CUDA); the addon
// never calls these otherwise.
#pragma once
#include <memory>
#include <string>

#include "../core/phase_job.h"

namespace langevin {

struct CudaDeviceInfo {
  std::string name;
  int major = 0, minor = 0;
  size_t free_bytes = 0, total_bytes = 0;
  int driver_version = 0, runtime_version = 0;
};

// Number of usable GPUs; 0 (not an error) when there is no driver or device.
int cuda_device_count();
// Properties of device 0. Throws std::runtime_error if unavailable.
CudaDeviceInfo cuda_device_info();
// Runner that keeps the chains on device 0 for the whole phase.
std::unique_ptr<PhaseRunner> make_cuda_runner(PhaseJob& job);
// Device version of cpu_draw (same numbers up to float rounding).
void cuda_draw(uint64_t seed, uint32_t stream, uint32_t step, uint32_t chain_offset, int chains, int n, bool uniform,
               float* out);

}  // namespace langevin

// SPDX-License-Identifier: MIT
// CUDA errors become exceptions carrying file:line; the addon turns them into rejected promises.
// Never exit(): that would take the user's Node process down.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "../core/phase_job.h"

#define LANGEVIN_CUDA_CHECK(expr)                                                                          \
  do {                                                                                                     \
    const cudaError_t err_ = (expr);                                                                       \
    if (err_ != cudaSuccess) {                                                                             \
      const std::string msg_ = std::string(cudaGetErrorString(err_)) + " at " + __FILE__ + ":" +          \
                               std::to_string(__LINE__);                                                   \
      if (err_ == cudaErrorMemoryAllocation) throw ::langevin::OutOfMemory("device memory: " + msg_);      \
      throw std::runtime_error("CUDA error: " + msg_);                                                     \
    }                                                                                                      \
  } while (0)

// SPDX-License-Identifier: MIT
// The CPU step loop, compiled once more for AVX2 (cpu_kernels_avx2.cc) and chosen at run time by
// cpu_backend.cc. Only plain types cross this boundary: see cpu_kernels_avx2.cc for why.
#pragma once
#include <cstddef>
#include <cstdint>

namespace langevin {

// Blocks of kCpuBlock chains advance through a chunk of steps together: the block's rows stay in
// cache across the chunk and each step's level tables are shared by the block.
constexpr int kCpuBlock = 32;

#if defined(LANGEVIN_CPU_AVX2_TU)
// run_block_steps over [c0, c1) in blocks of kCpuBlock, built with -mavx2. view points to a
// PhaseView of view_size bytes.
void cpu_run_blocks_avx2(const void* view, size_t view_size, int c0, int c1, int s0, int s1, float* x, int32_t* status,
                         float* scratch, float* level);
#endif

}  // namespace langevin

// SPDX-License-Identifier: MIT
// The CPU step loop built with -mavx2 (CMakeLists.txt adds this file on x86-64 with GCC or Clang);
// cpu_backend.cc calls it only when the CPU has AVX2. No FMA (-mfma is not given, and
// -ffp-contract=off), so it computes the same bits as the baseline build of the same loop.
//
// The core headers are compiled here under the namespace name langevin_avx2. Under their own
// name, their inline functions would be emitted here as AVX2 code with the same symbols as the
// baseline copies in the other files, and the linker keeps one copy of each: the baseline path
// could end up running AVX2 instructions on a CPU without them. Hence also the untyped view.
#include <cstring>

#define langevin langevin_avx2
#include "../core/phase.h"
#undef langevin

#include "cpu_kernels.h"

void langevin::cpu_run_blocks_avx2(const void* view, size_t view_size, int c0, int c1, int s0, int s1, float* x,
                                   int32_t* status, float* scratch, float* level) {
  langevin_avx2::PhaseView p;
  if (view_size != sizeof p) __builtin_trap();  // the two builds of phase.h must agree on the layout
  std::memcpy(&p, view, sizeof p);              // same definition, compiled under another name
  for (int b = c0; b < c1; b += kCpuBlock)
    langevin_avx2::run_block_steps(p, b, b + kCpuBlock < c1 ? b + kCpuBlock : c1, s0, s1, x, status, scratch, level);
}

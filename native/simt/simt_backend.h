// SPDX-License-Identifier: MIT
// The GPU runner and kernels (native/cuda) compiled by g++ over the SIMT emulation (simt.h). For
// tests only: the addon accepts device 'simt' internally (test/simt.test.ts reaches it by
// rewriting the job's device), the public `device` option never does.
#pragma once
#include <memory>

#include "../core/phase_job.h"

namespace langevin {

std::unique_ptr<PhaseRunner> make_simt_runner(PhaseJob& job);
// Which kernel family the runner chooses for the job: "elementwise", "staged" or "chain".
const char* simt_family(const PhaseJob& job);
void simt_draw(uint64_t seed, uint32_t stream, uint32_t step, uint32_t chain_offset, int chains, int n, bool uniform,
               float* out);

}  // namespace langevin

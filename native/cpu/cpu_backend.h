// SPDX-License-Identifier: MIT
#pragma once
#include <memory>

#include "../core/phase_job.h"

namespace langevin {

// Multithreaded CPU runner: chains are split statically over threads; each thread advances its
// chains through a chunk of steps with the row kept hot in cache.
std::unique_ptr<PhaseRunner> make_cpu_runner(PhaseJob& job);

// Fill out[chains*n] with normals (or uniforms in (0,1)) addressed like the samplers' noise.
void cpu_draw(uint64_t seed, uint32_t stream, uint32_t step, uint32_t chain_offset, int chains, int n, bool uniform,
              int threads, float* out);

int cpu_default_threads();

// log p_{a_k,b_k}(x) at every step's level and ‖Ax − y‖² of every chain (chain_log_densities):
// out[chains*nsteps], rss[chains]. The job's state is read, not changed.
void cpu_log_densities(PhaseJob& job, float* out, float* rss);

}  // namespace langevin

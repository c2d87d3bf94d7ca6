// SPDX-License-Identifier: MIT
// Standalone check of the emulated GPU kernels, built with -fsanitize=thread (and ASan+UBSan) by
// scripts/sanitize.sh: every kernel family runs through the SIMT layer and is compared with the
// core's host loop (run_block_steps, what the CPU backend runs), and a reduction kernel shows that
// dropping __syncthreads changes its answer. Exit 0 when all checks pass.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "simt_backend.h"
#include "../core/schedule.h"
#include "../cuda/kernels/portable.cuh"

using namespace langevin;

namespace {

int failures = 0;
void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

PhaseJob make_job(CovKind kind, int K, int d, OpKind op, int chains, int nsteps, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n01;
  std::uniform_real_distribution<float> u(0.5f, 2.0f);
  PhaseJob j;
  j.kind = kind;
  j.K = K;
  j.d = j.gmm_d = d;
  for (int k = 0; k < K; ++k) j.log_w.push_back(std::log(1.0f / K) + 0.1f * n01(rng));
  for (int i = 0; i < K * d; ++i) j.means.push_back(2.0f * n01(rng));
  const int nvar = kind == CovKind::Isotropic ? K : K * d;
  for (int i = 0; i < nvar; ++i) j.var.push_back(u(rng));
  if (kind == CovKind::Full) {  // U_k = identity: orthonormal
    for (int k = 0; k < K; ++k)
      for (int a = 0; a < d; ++a)
        for (int b = 0; b < d; ++b) j.eigvec.push_back(a == b ? 1.0f : 0.0f);
  }
  j.op_kind = op;
  if (op == OpKind::Identity) {
    j.m = d;
  } else if (op == OpKind::Mask) {
    for (int i = 0; i < d; i += 2) j.indices.push_back(i);
    j.m = static_cast<int>(j.indices.size());
  } else if (op == OpKind::Dense) {
    j.m = d / 2 + 1;
    for (int i = 0; i < j.m * d; ++i) j.matrix.push_back(0.3f * n01(rng));
  }
  for (int i = 0; i < j.m; ++i) j.y.push_back(n01(rng));
  for (int s = 0; s < nsteps; ++s) {
    const float t = 1.0f - static_cast<float>(s) / nsteps;
    const float a = std::exp(-t), h = 0.01f;
    j.steps.push_back(step_scalars(StepSchedule{h, a, 1.0 - static_cast<double>(a) * a, 2.0}));
  }
  j.seed = 0x1234567890ull + seed;
  j.stream = 7;
  j.step_offset = 3;
  j.chain_offset = 11;
  j.chains = chains;
  for (int i = 0; i < chains * d; ++i) j.x.push_back(n01(rng));
  j.status.assign(chains, kChainFinite);
  return j;
}

// The reference: the core's host loop over chains, chunk by chunk as drive_phase runs it.
void reference(PhaseJob& j, int chunk) {
  PhaseView p = j.host_view();
  std::vector<float> scratch(phase_scratch_size(p)), level(phase_level_size(p) + 1);
  for (int s0 = 0; s0 < static_cast<int>(j.steps.size()); s0 += chunk)
    for (int c = 0; c < j.chains; ++c)
      run_block_steps(p, c, c + 1, s0, std::min(static_cast<int>(j.steps.size()), s0 + chunk), j.x.data(), j.status.data(), scratch.data(),
                      level.data());
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

void parity(const char* name, CovKind kind, int K, int d, OpKind op, int chains, int nsteps, int chunk,
            const char* want_family) {
  PhaseJob ref = make_job(kind, K, d, op, chains, nsteps, static_cast<uint32_t>(d * 31 + K));
  PhaseJob emu = ref;
  reference(ref, chunk);
  auto runner = make_simt_runner(emu);
  for (int s0 = 0; s0 < nsteps; s0 += chunk) runner->run_steps(s0, std::min(nsteps, s0 + chunk));
  runner->finish();
  const float diff = max_abs_diff(ref.x, emu.x);
  // Float rounding only: the responsibilities' sums are added in another order (block reduction).
  check(std::string(simt_family(emu)) == want_family && diff < 1e-4f && ref.status == emu.status,
        std::string(name) + " (" + simt_family(emu) + "): max |ref − simt| = " + std::to_string(diff));
}

// A block reduction whose second warp writes late: without the barrier the first warp reads the
// shared buffer before that write lands.
__global__ void late_sum(float* out) {
  float v[1] = {static_cast<float>(threadIdx.x + 1)};
  if (threadIdx.x / 32 == 1) std::this_thread::sleep_for(std::chrono::milliseconds(30));
  block_sum(v, 1, shared_mem<float>());
  if (threadIdx.x == 0) *out = v[0];
}

}  // namespace

int main() {
  for (OpKind op : {OpKind::None, OpKind::Identity, OpKind::Mask}) {
    const std::string o = op == OpKind::None ? "none" : op == OpKind::Identity ? "identity" : "mask";
    parity(("isotropic K=3 d=9 " + o).c_str(), CovKind::Isotropic, 3, 9, op, 5, 12, 5, "elementwise");
    parity(("diagonal K=4 d=150 " + o).c_str(), CovKind::Diagonal, 4, 150, op, 3, 8, 3, "elementwise");
  }
  parity("isotropic K=1 d=70 identity", CovKind::Isotropic, 1, 70, OpKind::Identity, 3, 6, 6, "elementwise");
  setenv("LANGEVIN_SIMT_SHARED_BYTES", "64", 1);  // rows in global memory
  parity("diagonal K=2 d=150 mask, global rows", CovKind::Diagonal, 2, 150, OpKind::Mask, 3, 6, 4, "elementwise");
  unsetenv("LANGEVIN_SIMT_SHARED_BYTES");
  parity("full K=2 d=6 dense", CovKind::Full, 2, 6, OpKind::Dense, 40, 6, 3, "chain");
  parity("diagonal K=2 d=6 dense", CovKind::Diagonal, 2, 6, OpKind::Dense, 33, 6, 6, "chain");

  // Divergence: a huge step freezes chains at the same step as the reference.
  {
    PhaseJob ref = make_job(CovKind::Diagonal, 2, 40, OpKind::Identity, 4, 10, 5);
    for (size_t s = 3; s < ref.steps.size(); ++s) ref.steps[s].h = 3e38f;  // overflows at step 3
    PhaseJob emu = ref;
    reference(ref, 10);
    auto runner = make_simt_runner(emu);
    runner->run_steps(0, 10);
    runner->finish();
    check(ref.status == emu.status && ref.status[0] == 3 + 3 && max_abs_diff(ref.x, emu.x) < 1e-4f,
          "divergence freezes at the same step: ref " + std::to_string(ref.status[0]) + ", simt " +
              std::to_string(emu.status[0]) + ", max |Δx| " + std::to_string(max_abs_diff(ref.x, emu.x)));
  }

  // Noise: the draw kernel gives the CPU's normals and uniforms.
  {
    const int chains = 3, n = 37;
    std::vector<float> emu(chains * n), ref(chains * n);
    simt_draw(99, 4, 2, 5, chains, n, false, emu.data());
    for (int c = 0; c < chains; ++c)
      fill_normals(RngSite{key_from_seed(99), 4, 5u + c, 2}, ref.data() + c * n, n);
    check(max_abs_diff(ref, emu) < 1e-6f, "draw kernel normals equal the CPU's");
  }

  // The barrier matters: with it the sum is right, without it (test hook) it is not.
  const char* tsan = std::getenv("LANGEVIN_SIMT_TSAN");
  if (tsan == nullptr || *tsan == 0) {  // the barrier-less run is a race on purpose
    float out = 0.0f;
    simt::launch(dim3(1), dim3(64), 64 * sizeof(float), late_sum, &out);
    check(out == 64.0f * 65.0f / 2.0f, "block_sum with barriers: " + std::to_string(out));
    simt::skip_block_barriers() = true;
    simt::launch(dim3(1), dim3(64), 64 * sizeof(float), late_sum, &out);
    simt::skip_block_barriers() = false;
    check(out != 64.0f * 65.0f / 2.0f, "block_sum without barriers is wrong: " + std::to_string(out));
  }
  std::printf("simt selftest: %d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}

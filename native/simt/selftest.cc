// SPDX-License-Identifier: MIT
// Standalone check of the emulated GPU kernels, built with -fsanitize=thread (and ASan+UBSan) by
// scripts/sanitize.sh: every kernel family runs through the SIMT layer and is compared with the
// core's host loop (run_block_steps, what the CPU backend runs), and a reduction kernel shows that
// dropping __syncthreads changes its answer. Exit 0 when all checks pass.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "simt_backend.h"
#include "../core/schedule.h"
#include "../core/operator_build.h"
#include "../cuda/kernels/portable.cuh"

namespace langevin {
namespace gpu {  // the GEMM kernel alone, checked against a naive product
#include "../cuda/kernels/gemm.cuh"
}  // namespace gpu
}  // namespace langevin

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
  if (kind == CovKind::Full) {  // U_k: a random orthonormal basis (Gram–Schmidt), so transposes matter
    for (int k = 0; k < K; ++k) {
      std::vector<double> u(static_cast<size_t>(d) * d);
      for (double& v : u) v = n01(rng);
      for (int c = 0; c < d; ++c) {  // columns are the eigenvectors
        for (int e = 0; e < c; ++e) {
          double dot = 0;
          for (int r = 0; r < d; ++r) dot += u[r * d + c] * u[r * d + e];
          for (int r = 0; r < d; ++r) u[r * d + c] -= dot * u[r * d + e];
        }
        double nrm = 0;
        for (int r = 0; r < d; ++r) nrm += u[r * d + c] * u[r * d + c];
        for (int r = 0; r < d; ++r) u[r * d + c] /= std::sqrt(nrm);
      }
      for (double v : u) j.eigvec.push_back(static_cast<float>(v));
    }
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

std::string sci(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2e", v);
  return b;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

void parity(const char* name, CovKind kind, int K, int d, OpKind op, int chains, int nsteps, int chunk,
            const char* want_family, bool per_chain_y = false, const std::function<void(PhaseJob&)>& tweak = {}) {
  PhaseJob ref = make_job(kind, K, d, op, chains, nsteps, static_cast<uint32_t>(d * 31 + K));
  if (tweak) tweak(ref);
  if (per_chain_y) {  // XGP: every chain its own observation
    std::vector<float> y;
    for (int c = 0; c < chains; ++c)
      for (int i = 0; i < ref.m; ++i) y.push_back(ref.y[i] + 0.5f * c);
    ref.y = y;
    ref.y_per_chain = true;
  }
  PhaseJob emu = ref;
  reference(ref, chunk);
  auto runner = make_simt_runner(emu);
  for (int s0 = 0; s0 < nsteps; s0 += chunk) runner->run_steps(s0, std::min(nsteps, s0 + chunk));
  runner->finish();
  const float diff = max_abs_diff(ref.x, emu.x);
  // Float rounding only: the responsibilities' sums (block reduction) and the Staged family's
  // matrix products (GEMM tiles vs the core's 8-lane dots) are added in another order. Each
  // product of ≤ 130 terms of size ≲ 10 is off by ≲ 130·6e-8·10 ≈ 1e-4 in the drift, times h = 0.01
  // per step: ≈ 1e-6 a step, ≤ 1e-5 over these runs; 1e-4 leaves room and still fails on any
  // wrong index or transpose (those change states by O(h) = 1e-2 in one step).
  check(std::string(simt_family(emu)) == want_family && diff < 1e-4f && ref.status == emu.status,
        std::string(name) + " (" + simt_family(emu) + "): max |ref − simt| = " + sci(diff));
}

// The GEMM kernel against a naive double-precision product: every transpose, shapes that are not
// multiples of the tiles (and smaller than one), K = 0, batches with interleaved strides (as the
// full-covariance score uses), beta = 0 over NaN (C must not be read) and beta ≠ 0.
void gemm_case(int M, int N, int K, bool ta, bool tb, float alpha, float beta, int batch, bool interleaved) {
  std::mt19937 rng(static_cast<uint32_t>(M * 7 + N * 13 + K * 17 + ta + 2 * tb + batch));
  std::normal_distribution<float> n01;
  // Interleaved: batch b's matrices are column blocks b·cols of one wide row-major matrix.
  const int a_rows = ta ? K : M, a_cols = ta ? M : K, b_rows = tb ? N : K, b_cols = tb ? K : N;
  const int lda = interleaved ? a_cols * batch : a_cols + 3, ldb = interleaved ? b_cols * batch : b_cols + 1,
            ldc = interleaved ? N * batch : N + 2;
  const int64_t sa = interleaved ? a_cols : static_cast<int64_t>(a_rows) * lda,
                sb = interleaved ? b_cols : static_cast<int64_t>(b_rows) * ldb,
                sc = interleaved ? N : static_cast<int64_t>(M) * ldc;
  std::vector<float> A(static_cast<size_t>(sa) * (batch - 1) + static_cast<size_t>(a_rows) * lda + 1),
      B(static_cast<size_t>(sb) * (batch - 1) + static_cast<size_t>(b_rows) * ldb + 1),
      C(static_cast<size_t>(sc) * (batch - 1) + static_cast<size_t>(M) * ldc + 1);
  for (float& v : A) v = n01(rng);
  for (float& v : B) v = n01(rng);
  for (float& v : C) v = beta == 0.0f ? std::nanf("") : n01(rng);
  std::vector<float> C0 = C;
  const gpu::GemmArgs g{M, N, K, ta, tb, alpha, beta, A.data(), lda, sa, B.data(), ldb, sb, C.data(), ldc, sc, batch};
  simt::launch(gpu::gemm_grid(g), dim3(gpu::kGemmThreads), sizeof(float) * gpu::kGemmSharedFloats, gpu::gemm_tiled, g);
  double worst = 0.0;
  bool untouched = true;
  for (int b = 0; b < batch; ++b)
    for (int r = 0; r < M; ++r)
      for (int c = 0; c < N; ++c) {
        double acc = 0.0, mag = 0.0;
        for (int k = 0; k < K; ++k) {
          const double av = ta ? A[b * sa + static_cast<int64_t>(k) * lda + r] : A[b * sa + static_cast<int64_t>(r) * lda + k];
          const double bv = tb ? B[b * sb + static_cast<int64_t>(c) * ldb + k] : B[b * sb + static_cast<int64_t>(k) * ldb + c];
          acc += av * bv;
          mag += std::fabs(av * bv);
        }
        const size_t at = b * sc + static_cast<int64_t>(r) * ldc + c;
        const double want = alpha * acc + (beta == 0.0f ? 0.0 : beta * static_cast<double>(C0[at]));
        // Float sums of K products: error ≤ K·eps·Σ|a·b| (loose form); NaN fails the comparison.
        const double err = std::fabs(C[at] - want) / (1.0 + std::fabs(alpha) * mag);
        worst = std::isfinite(C[at]) ? std::max(worst, err) : 1e30;
      }
  // Outside the matrices (padding columns, the tail): never written.
  std::vector<char> inside(C.size(), 0);
  for (int bb = 0; bb < batch; ++bb)
    for (int r = 0; r < M; ++r)
      for (int c = 0; c < N; ++c) inside[bb * sc + static_cast<int64_t>(r) * ldc + c] = 1;
  for (size_t i = 0; i < C.size(); ++i)
    if (!inside[i] && std::memcmp(&C[i], &C0[i], sizeof(float)) != 0) untouched = false;
  char name[160];
  std::snprintf(name, sizeof name, "gemm M=%d N=%d K=%d %c%c alpha=%g beta=%g batch=%d%s: max rel err %.2e", M, N, K,
                ta ? 'T' : 'N', tb ? 'T' : 'N', alpha, beta, batch, interleaved ? " interleaved" : "", worst);
  check(worst < 1e-6 && untouched, name);
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
  // Staged: dense operators and full covariances, sizes around and off the 64-wide GEMM tiles (few
  // steps: every step is ~8 launches of up to 256 emulated threads; test/simtDense.test.ts covers
  // more shapes through the addon).
  parity("full K=2 d=6 dense", CovKind::Full, 2, 6, OpKind::Dense, 40, 4, 2, "staged");
  parity("isotropic K=1 d=130 dense (m=66)", CovKind::Isotropic, 1, 130, OpKind::Dense, 3, 2, 2, "staged");
  parity("diagonal K=3 d=65 dense, per-chain y", CovKind::Diagonal, 3, 65, OpKind::Dense, 67, 2, 2, "staged", true);
  parity("full K=3 d=70 dense", CovKind::Full, 3, 70, OpKind::Dense, 3, 2, 2, "staged");
  parity("full K=2 d=20 mask, per-chain y", CovKind::Full, 2, 20, OpKind::Mask, 5, 2, 2, "staged", true);
  // An imaging program (FFT blur on a 4×6 image) under a full covariance: ImageOpBatch's fused
  // transform of x + i·y.
  parity("full K=2 d=24 blur (FFT program)", CovKind::Full, 2, 24, OpKind::None, 3, 2, 2, "staged", false, [](PhaseJob& j) {
    StageSpec blur;
    blur.kind = OpKind::Blur;
    blur.m = blur.d = 24;
    blur.C = 1, blur.H = 4, blur.W = 6, blur.kh = blur.kw = 3, blur.method = 1;
    blur.kernel = {0.05, 0.1, 0.05, 0.1, 0.4, 0.1, 0.05, 0.1, 0.05};
    build_operator_program(OpKind::Blur, {blur}, 24, 24, j.indices, j.matrix);
    j.op_kind = OpKind::Blur;
    j.m = 24;
    j.y.clear();
    for (int i = 0; i < 24; ++i) j.y.push_back(0.1f * static_cast<float>(i % 7) - 0.3f);
  });

  // A composition (direct blur → downsample ×2, 2 channels of 4×6) under a diagonal GMM: ImageOpBatch
  // stage by stage, the GMM's score in the update kernel.
  parity("diagonal K=2 d=48 blur → downsample (program)", CovKind::Diagonal, 2, 48, OpKind::None, 3, 2, 2, "staged", false,
         [](PhaseJob& j) {
           StageSpec blur, down;
           blur.kind = OpKind::Blur;
           blur.m = blur.d = 48;
           blur.C = 2, blur.H = 4, blur.W = 6, blur.kh = blur.kw = 3, blur.method = 0;
           blur.kernel = {0.05, 0.1, 0.05, 0.1, 0.4, 0.1, 0.05, 0.1, 0.05};
           down.kind = OpKind::Downsample;
           down.d = 48, down.m = 12;
           down.C = 2, down.H = 4, down.W = 6, down.factor = 2;
           build_operator_program(OpKind::Compose, {blur, down}, 48, 12, j.indices, j.matrix);
           j.op_kind = OpKind::Compose;
           j.m = 12;
           j.y.clear();
           for (int i = 0; i < 12; ++i) j.y.push_back(0.1f * static_cast<float>(i % 5) - 0.2f);
         });
  // A patch-GMM prior (2×2 patches, stride 1, on a 5×6 image; the job's K = 2 full GMM of dimension
  // 4 as the patch GMM) with an identity operator: PatchScoreBatch, then the update.
  parity("patch prior 2×2 on 5×6, full K=2, identity", CovKind::Full, 2, 4, OpKind::None, 3, 3, 3, "staged", false,
         [](PhaseJob& j) {
           const int d = 30;
           j.patch = PatchPriorView{1, 5, 6, 2, 1, 0.25f};
           j.d = d;  // gmm_d stays k² = 4
           j.op_kind = OpKind::Identity;
           j.m = d;
           j.y.clear();
           j.x.clear();
           for (int i = 0; i < d; ++i) j.y.push_back(0.05f * static_cast<float>(i % 9));
           for (int i = 0; i < j.chains * d; ++i) j.x.push_back(0.3f * std::sin(0.7f * static_cast<float>(i)));
         });

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

  // Divergence on the Staged family: the same step, the last finite state.
  {
    PhaseJob ref = make_job(CovKind::Full, 2, 20, OpKind::Dense, 4, 4, 6);
    for (size_t s = 2; s < ref.steps.size(); ++s) ref.steps[s].h = 3e38f;  // overflows at step 2
    PhaseJob emu = ref;
    reference(ref, 4);
    auto runner = make_simt_runner(emu);
    runner->run_steps(0, 4);
    runner->finish();
    check(std::string(simt_family(emu)) == "staged" && ref.status == emu.status && ref.status[0] == 3 + 2 &&
              max_abs_diff(ref.x, emu.x) < 1e-4f,
          "staged divergence freezes at the same step: ref " + std::to_string(ref.status[0]) + ", simt " +
              std::to_string(emu.status[0]) + ", max |Δx| " + std::to_string(max_abs_diff(ref.x, emu.x)));
  }

  // The GEMM kernel on its own.
  gemm_case(1, 1, 1, false, false, 1.0f, 0.0f, 1, false);
  gemm_case(65, 67, 17, false, true, -1.0f, 1.0f, 1, false);
  gemm_case(7, 130, 129, true, false, 0.5f, 0.0f, 1, false);
  gemm_case(64, 64, 16, true, true, 1.0f, -2.0f, 1, false);
  gemm_case(33, 5, 0, false, false, 1.0f, 0.5f, 1, false);
  gemm_case(70, 70, 70, false, false, 1.0f, 0.0f, 3, true);
  gemm_case(129, 2, 3, false, false, 1.0f, 0.0f, 2, false);

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

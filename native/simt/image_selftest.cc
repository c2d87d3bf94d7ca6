// SPDX-License-Identifier: MIT
// Standalone check of the imaging and patch-prior GPU kernels (native/cuda/image_op_batch.h,
// patch_score_batch.h) under the SIMT emulation, against core's per-chain functions on random
// inputs: r = Aᵀ(y − A x) for direct and FFT blurs (radix-2, DFT and Bluestein sizes, kernels
// 3…15, odd/even, images not multiples of the tile), downsampling by 2/3/4, subsampled Fourier,
// compositions, shared and per-chain y, several chains, shared memory and the global-memory
// fallbacks; the patch prior for k = 4…8, K = 1…5, every covariance kind. Negative checks: a
// wrong halo, and (outside TSan) the kernels without their barriers, must be detected.
// Built and run by test/imageKernels.test.ts (g++ -O1) and scripts/sanitize.sh (ASan+UBSan, TSan):
//   g++ -std=c++17 -O1 -ffp-contract=off -pthread native/simt/image_selftest.cc -o image_selftest
// Exit 0 when all checks pass.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/operator_build.h"
#include "../core/phase_job.h"
#include "../cuda/kernels/portable.cuh"

namespace langevin {
namespace img_test {

// "Device" memory: a host vector (empty = null).
template <class T>
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t n) : v_(n) {}
  explicit Buffer(const std::vector<T>& host) : v_(host) {}
  T* get() { return v_.empty() ? nullptr : v_.data(); }
  const std::vector<T>& host() const { return v_; }

 private:
  std::vector<T> v_;
};

struct TestPolicy {
  template <class T>
  using Buffer = img_test::Buffer<T>;
  template <class... P, class... A>
  static void launch(dim3 grid, dim3 block, size_t shmem, void (*kernel)(P...), A&&... args) {
    if (shmem > shared_limit()) throw std::logic_error("launch asks for more shared memory than the limit");
    simt::launch(grid, block, shmem, kernel, std::forward<A>(args)...);
  }
  static size_t& limit() {
    static size_t v = 48 * 1024;
    return v;
  }
  static size_t shared_limit() { return limit(); }
  static void check_memory(size_t) {}
  static void finish_chunk() {}
};

#include "../cuda/image_op_batch.h"
#include "../cuda/patch_score_batch.h"

}  // namespace img_test
}  // namespace langevin

using namespace langevin;
using namespace langevin::img_test;

namespace {

int failures = 0;
void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

std::mt19937 rng(20261206);
float randn() { return std::normal_distribution<float>()(rng); }
std::vector<float> randv(size_t n, float scale = 1.0f) {
  std::vector<float> v(n);
  for (float& e : v) e = scale * randn();
  return v;
}

// max |a − b| / (1 + max |b|): float rounding of O(1) data is ~1e-6.
float rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0.0f, s = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) {
    m = std::max(m, std::fabs(a[i] - b[i]));
    s = std::max(s, std::fabs(b[i]));
  }
  return a.size() == b.size() ? m / (1.0f + s) : 1e30f;
}

StageSpec blur(int C, int H, int W, int kh, int kw, int method) {
  StageSpec s;
  s.kind = OpKind::Blur;
  s.C = C, s.H = H, s.W = W, s.kh = kh, s.kw = kw, s.method = method;
  s.d = s.m = static_cast<int64_t>(C) * H * W;
  for (int i = 0; i < kh * kw; ++i) s.kernel.push_back(i % 5 == 3 ? 0.0 : std::fabs(randn()) / (kh * kw));  // some zero taps
  return s;
}
StageSpec downsample(int C, int H, int W, int f) {
  StageSpec s;
  s.kind = OpKind::Downsample;
  s.C = C, s.H = H, s.W = W, s.factor = f;
  s.d = static_cast<int64_t>(C) * H * W;
  s.m = static_cast<int64_t>(C) * (H / f) * (W / f);
  return s;
}
// S distinct frequencies, none in channel `empty` (−1: any), in random order.
StageSpec fourier(int C, int H, int W, int S, int empty = -1) {
  StageSpec s;
  s.kind = OpKind::Fourier;
  s.C = C, s.H = H, s.W = W;
  s.d = static_cast<int64_t>(C) * H * W;
  std::vector<int32_t> all;
  for (int i = 0; i < s.d; ++i)
    if (i / (H * W) != empty) all.push_back(i);
  std::shuffle(all.begin(), all.end(), rng);
  s.indices.assign(all.begin(), all.begin() + S);
  s.m = 2 * S;
  return s;
}
StageSpec mask(int d) {
  StageSpec s;
  s.kind = OpKind::Mask;
  s.d = d;
  for (int i = 0; i < d; ++i)
    if (i % 3 != 1) s.indices.push_back(i);
  s.m = static_cast<int64_t>(s.indices.size());
  return s;
}
StageSpec dense(int m, int d) {
  StageSpec s;
  s.kind = OpKind::Dense;
  s.m = m, s.d = d;
  s.matrix = randv(static_cast<size_t>(m) * d, 0.2f);
  return s;
}
StageSpec identity(int d) {
  StageSpec s;
  s.kind = OpKind::Identity;
  s.m = s.d = d;
  return s;
}

struct Op {
  PhaseJob job;
  Buffer<int32_t> ints;
  Buffer<float> floats;
  OperatorView host() { return OperatorView{job.op_kind, job.m, job.d, job.indices.data(), job.matrix.data()}; }
  OperatorView dev() { return OperatorView{job.op_kind, job.m, job.d, ints.get(), floats.get()}; }
};

void make_op(Op& op, const std::vector<StageSpec>& stages) {
  const OpKind top = stages.size() == 1 ? stages[0].kind : OpKind::Compose;
  op.job.op_kind = top;
  op.job.d = static_cast<int32_t>(stages.front().d);
  op.job.m = static_cast<int32_t>(stages.back().m);
  build_operator_program(top, stages, op.job.d, op.job.m, op.job.indices, op.job.matrix);
  op.ints = Buffer<int32_t>(op.job.indices);
  op.floats = Buffer<float>(op.job.matrix);
}

// ImageOpBatch's r = Aᵀ(y − A x) for every chain against core's lik_grad_row with c = 1.
void op_case(const std::string& name, const std::vector<StageSpec>& stages, int chains, bool per_chain,
             int threads = 32) {
  Op op;
  make_op(op, stages);
  const int d = op.job.d, m = op.job.m;
  const std::vector<float> x = randv(static_cast<size_t>(chains) * d);
  const std::vector<float> y = randv(static_cast<size_t>(per_chain ? chains : 1) * m);
  std::vector<float> ref(static_cast<size_t>(chains) * d), scratch(std::max(1, lik_scratch_size(op.host())));
  for (int c = 0; c < chains; ++c)
    lik_grad_row(op.host(), x.data() + static_cast<size_t>(c) * d, y.data() + (per_chain ? static_cast<size_t>(c) * m : 0),
                 1.0f, ref.data() + static_cast<size_t>(c) * d, scratch.data());
  Buffer<float> xd(x), yd(y), rd(ref.size());
  ImageOpBatch<TestPolicy> batch(op.job, op.dev(), chains, threads);
  batch.residual_adjoint(xd.get(), yd.get(), per_chain, rd.get());
  const float diff = rel_diff(rd.host(), ref);
  float scale = 0.0f;  // a reference of zeros would prove nothing
  for (float v : ref) scale = std::max(scale, std::fabs(v));
  char buf[96];
  std::snprintf(buf, sizeof buf, ": rel |gpu − core| = %.2e (max |ref| %.2f)", diff, scale);
  check(diff < 1e-5f && scale > 0.05f, name + (per_chain ? ", per-chain y" : "") + ", " + std::to_string(chains) + " chains" + buf);
}

// The direct blur kernel launched by hand with a given geometry, against core's forward blur.
float blur_direct_diff(bool wrong_halo) {
  const int C = 2, H = 11, W = 37, chains = 2;
  Op op;
  make_op(op, {blur(C, H, W, 5, 7, 0)});
  const Stage hs = op_stage(op.host(), 0), ds = op_stage(op.dev(), 0);
  const int d = C * H * W;
  const std::vector<float> x = randv(static_cast<size_t>(chains) * d);
  std::vector<float> ref(x.size());
  for (int c = 0; c < chains; ++c)
    for (int ch = 0; ch < C; ++ch)
      blur_direct_channel(x.data() + c * d + ch * H * W, ref.data() + c * d + ch * H * W, H, W, hs.floats(), 5, 7, false);
  Buffer<float> xd(x), od(x.size());
  ImgBlurArgs a = img_blur_geometry(hs, ds.floats(), 32, TestPolicy::shared_limit());
  a.in = ImgCRows{xd.get(), d};
  a.out = ImgRows{od.get(), d};
  const size_t shmem = sizeof(float) * img_blur_shared_floats(a);  // sized for the right halo
  if (wrong_halo) a.halo_w -= 1;
  TestPolicy::launch(dim3(chains * C * a.tiles_x * a.tiles_y), dim3(32), shmem, img_blur_direct, a);
  return rel_diff(od.host(), ref);
}

// Random orthonormal k×k (Gram–Schmidt), row-major, eigenvectors in columns.
std::vector<float> orthonormal(int n) {
  std::vector<double> q(static_cast<size_t>(n) * n);
  for (double& v : q) v = randn();
  for (int j = 0; j < n; ++j) {  // columns
    for (int p = 0; p < j; ++p) {
      double dp = 0.0;
      for (int i = 0; i < n; ++i) dp += q[i * n + j] * q[i * n + p];
      for (int i = 0; i < n; ++i) q[i * n + j] -= dp * q[i * n + p];
    }
    double nr = 0.0;
    for (int i = 0; i < n; ++i) nr += q[i * n + j] * q[i * n + j];
    for (int i = 0; i < n; ++i) q[i * n + j] /= std::sqrt(nr);
  }
  return std::vector<float>(q.begin(), q.end());
}

void patch_case(CovKind kind, int K, int k, int stride, int C, int H, int W, int chains, int batch_chains = 0,
                size_t shared_limit = 48 * 1024) {
  PhaseJob job;
  job.kind = kind;
  job.K = K;
  job.gmm_d = k * k;
  job.d = C * H * W;
  job.patch = PatchPriorView{C, H, W, k, stride, static_cast<float>(stride * stride) / (k * k)};
  const int kk = k * k;
  for (int q = 0; q < K; ++q) job.log_w.push_back(std::log(1.0f / K) + 0.2f * randn());
  job.means = randv(static_cast<size_t>(K) * kk, 0.5f);
  const int nvar = kind == CovKind::Isotropic ? K : K * kk;
  for (int i = 0; i < nvar; ++i) job.var.push_back(0.3f + std::fabs(randn()));
  if (kind == CovKind::Full)
    for (int q = 0; q < K; ++q) {
      const std::vector<float> u = orthonormal(kk);
      job.eigvec.insert(job.eigvec.end(), u.begin(), u.end());
    }
  if (K > 1) job.beta.assign(K, 1.0f), job.beta[0] = 0.5f;
  const NoiseLevel nl{0.8f, 0.36f};
  const GmmView hg{kind, K, kk, job.log_w.data(), job.means.data(), job.var.data(), job.eigvec.data(),
                   job.beta.empty() ? nullptr : job.beta.data()};
  std::vector<float> level(gmm_level_size(hg));
  gmm_prepare_level(hg, nl, level.data());
  const std::vector<float> x = randv(static_cast<size_t>(chains) * job.d);
  std::vector<float> ref(x.size()), scratch(patch_scratch_size(job.patch, hg));
  for (int c = 0; c < chains; ++c)
    patch_score_row(job.patch, hg, nl, level.data(), x.data() + static_cast<size_t>(c) * job.d,
                    ref.data() + static_cast<size_t>(c) * job.d, scratch.data());
  Buffer<float> lw(job.log_w), mu(job.means), var(job.var), ev(job.eigvec), beta(job.beta), lv(level), xd(x), od(x.size());
  const GmmView dg{kind, K, kk, lw.get(), mu.get(), var.get(), ev.get(), beta.get()};
  const size_t old = TestPolicy::limit();
  TestPolicy::limit() = shared_limit;
  PatchScoreBatch<TestPolicy> batch(job, dg, chains, 64, batch_chains);
  batch.score(xd.get(), lv.get(), nl, od.get());
  TestPolicy::limit() = old;
  const float diff = rel_diff(od.host(), ref);
  const char* kn = kind == CovKind::Isotropic ? "isotropic" : kind == CovKind::Diagonal ? "diagonal" : "full";
  char buf[200];
  std::snprintf(buf, sizeof buf, "patch prior %s K=%d k=%d stride=%d %dx%dx%d, %d chains%s%s: rel |gpu − core| = %.2e", kn, K,
                k, stride, C, H, W, chains, batch_chains ? ", batched" : "", shared_limit < 4096 ? ", global scratch" : "",
                diff);
  check(diff < 1e-5f, buf);
}

}  // namespace

int main() {
  // Direct blur: odd/even kernels 3…15, images not multiples of the 32×2 tile, kernel wider than the image.
  op_case("blur direct 13x37 k3x3", {blur(1, 13, 37, 3, 3, 0)}, 3, false);
  op_case("blur direct 2ch 12x10 k4x6", {blur(2, 12, 10, 4, 6, 0)}, 2, true);
  op_case("blur direct 9x33 k8x5", {blur(1, 9, 33, 8, 5, 0)}, 2, false);
  op_case("blur direct 16x16 k15x15", {blur(1, 16, 16, 15, 15, 0)}, 2, true);
  op_case("blur direct 3ch 7x5 k9x11 (kernel > image)", {blur(3, 7, 5, 9, 11, 0)}, 2, false);
  op_case("blur direct 10x65 k7x7, 64 threads", {blur(1, 10, 65, 7, 7, 0)}, 2, false, 64);
  TestPolicy::limit() = 256;  // taps and tile miss shared memory: global reads
  op_case("blur direct 13x37 k5x5, global memory", {blur(1, 13, 37, 5, 5, 0)}, 2, true);
  TestPolicy::limit() = 48 * 1024;
  // FFT blur (fused x + i·y path): radix-2, DFT (≤ 24) and Bluestein lengths.
  op_case("blur fft 16x16 k5x5 (radix-2)", {blur(1, 16, 16, 5, 5, 1)}, 3, false);
  op_case("blur fft 2ch 13x20 k7x4 (DFT)", {blur(2, 13, 20, 7, 4, 1)}, 2, true);
  op_case("blur fft 30x37 k9x9 (Bluestein)", {blur(1, 30, 37, 9, 9, 1)}, 2, false);
  op_case("blur fft 8x1 k3x1 (one column)", {blur(1, 8, 1, 3, 1, 1)}, 2, false);
  {  // rows of 30 (Bluestein, M = 64: 1 KiB a line) miss 512 bytes of shared memory: global work
    Op op;
    make_op(op, {blur(2, 32, 30, 5, 5, 1)});
    const size_t roomy = ImageOpBatch<TestPolicy>::device_bytes(op.job, 2, 32);
    TestPolicy::limit() = 512;
    const size_t tight = ImageOpBatch<TestPolicy>::device_bytes(op.job, 2, 32);
    check(tight > roomy, "a 512-byte shared limit moves FFT work to global memory: " + std::to_string(roomy) + " -> " +
                             std::to_string(tight) + " bytes");
    op_case("blur fft 2ch 32x30 k5x5, global FFT work", {blur(2, 32, 30, 5, 5, 1)}, 2, true);
    op_case("fourier 29x16 S=40, global FFT work", {fourier(1, 29, 16, 40)}, 2, false);
    TestPolicy::limit() = 48 * 1024;
  }
  // Downsample by 2, 3, 4.
  op_case("downsample 2ch 12x12 f2", {downsample(2, 12, 12, 2)}, 3, false);
  op_case("downsample 18x9 f3", {downsample(1, 18, 9, 3)}, 2, true);
  op_case("downsample 3ch 16x8 f4", {downsample(3, 16, 8, 4)}, 2, false);
  // Subsampled Fourier (a channel without samples; radix-2, DFT, Bluestein).
  op_case("fourier 8x8 S=20", {fourier(1, 8, 8, 20)}, 3, false);
  op_case("fourier 2ch 13x10 S=30 (channel 0 empty)", {fourier(2, 13, 10, 30, 0)}, 2, true);
  op_case("fourier 3ch 27x7 S=50", {fourier(3, 27, 7, 50)}, 2, false);
  // Compositions.
  op_case("compose fft blur 16x12 -> downsample f2", {blur(1, 16, 12, 5, 5, 1), downsample(1, 16, 12, 2)}, 2, true);
  op_case("compose direct blur 2ch 9x14 -> mask", {blur(2, 9, 14, 3, 5, 0), mask(2 * 9 * 14)}, 3, false);
  op_case("compose downsample f3 2ch 12x9 -> fourier", {downsample(2, 12, 9, 3), fourier(2, 4, 3, 10)}, 2, true);
  op_case("compose identity -> direct blur -> fft blur (adjoint conj) -> dense",
          {identity(10 * 11), blur(1, 10, 11, 4, 3, 0), blur(1, 10, 11, 3, 6, 1), dense(17, 110)}, 2, false);

  // The direct blur's halo matters: one column short gives a wrong answer (deterministic, race-free).
  {
    const float good = blur_direct_diff(false), bad = blur_direct_diff(true);
    check(good < 1e-6f, "blur direct kernel launched by hand = core: " + std::to_string(good));
    check(bad > 1e-3f, "blur direct kernel with a halo one column short is wrong: " + std::to_string(bad));
  }

  // Patch prior: k = 4…8, K = 1…5, every covariance kind, strides, channels, sizes off the grid.
  patch_case(CovKind::Isotropic, 1, 4, 1, 1, 9, 11, 2);
  patch_case(CovKind::Diagonal, 3, 5, 2, 2, 11, 10, 2);
  patch_case(CovKind::Full, 2, 4, 3, 1, 10, 8, 3);
  patch_case(CovKind::Isotropic, 5, 6, 4, 3, 12, 13, 2);
  patch_case(CovKind::Diagonal, 4, 7, 5, 1, 16, 12, 2);
  patch_case(CovKind::Full, 5, 8, 8, 1, 16, 17, 2);
  patch_case(CovKind::Diagonal, 2, 8, 3, 1, 8, 9, 2);  // patches as large as the image
  patch_case(CovKind::Isotropic, 2, 4, 2, 2, 8, 10, 5, 2);  // chains in batches of 2
  patch_case(CovKind::Full, 3, 5, 2, 1, 9, 9, 2, 0, 512);  // per-thread scratch in global memory

  // Barriers matter: without them (test hook) the FFT and blur kernels give wrong answers. Skipped
  // under TSan: the barrier-less run is a race on purpose.
  const char* tsan = std::getenv("LANGEVIN_SIMT_TSAN");
  if (tsan == nullptr || *tsan == 0) {
    Op op;
    make_op(op, {blur(1, 16, 16, 5, 5, 1)});
    const int chains = 2, d = op.job.d;
    const std::vector<float> x = randv(static_cast<size_t>(chains) * d), y = randv(d);
    Buffer<float> xd(x), yd(y), r1(x.size()), r2(x.size());
    ImageOpBatch<TestPolicy> batch(op.job, op.dev(), chains, 32);
    batch.residual_adjoint(xd.get(), yd.get(), false, r1.get());
    simt::skip_block_barriers() = true;
    batch.residual_adjoint(xd.get(), yd.get(), false, r2.get());
    simt::skip_block_barriers() = false;
    const float diff = rel_diff(r2.host(), r1.host());
    check(diff > 1e-3f, "FFT blur without barriers is wrong: rel diff " + std::to_string(diff));
  }
  std::printf("image selftest: %d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}

// SPDX-License-Identifier: MIT
// Host side of the imaging operators: validate a list of stage descriptions and build the int
// program and float tables that linear_operator.h reads (FFT twiddles and chirps, blur kernel
// spectra — all in double precision, stored as float). Host-only (std::vector, exceptions).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "linear_operator.h"

namespace langevin {

// One stage as the host describes it (lib/engine/nativeTables.ts → native/addon/marshal.cc).
struct StageSpec {
  OpKind kind = OpKind::None;
  int64_t m = 0, d = 0;
  std::vector<int32_t> indices;  // mask: kept coordinates (ascending); fourier: flat indices c·H·W + u·W + v, y order
  std::vector<float> matrix;     // dense: [m*d]
  int64_t C = 0, H = 0, W = 0;   // blur, downsample, fourier
  std::vector<double> kernel;    // blur: [kh*kw]
  int64_t kh = 0, kw = 0;
  int64_t factor = 0;            // downsample
  int method = -1;               // blur: -1 automatic, 0 direct, 1 FFT
};

constexpr int64_t kMaxImagePixels = int64_t(1) << 22;  // H·W per channel
constexpr int64_t kMaxOperatorDim = int64_t(1) << 26;  // C·H·W, as LIMITS.dim in lib/problem/check.ts
constexpr int64_t kMaxKernelTaps = int64_t(1) << 20;

// Direct or FFT blur: whichever is faster for the image and kernel size. Cost model in ns per
// pixel of the fused gradient c·Aᵀ(y − Ax) on one channel, fitted to measurements on the 2-core
// x86-64 development machine (float, one thread, g++ -O3, best of 9 runs):
//   direct: 0.28 · kh·kw · (1 + 24/W)  (two passes, A x then Aᵀ r; short rows cost more per tap);
//   FFT:    3 + 2·(g(H) + g(W)), two 2-D transforms plus pointwise work, g(n) the cost per point of
//           the length-n pass: radix-2 0.45·log2 n + 24/n, DFT 0.72·n + 4, Bluestein M·log2 M / n.
// Measured per channel (µs), direct 3×3 / 5×5 / 7×7 / 9×9 / 15×15 vs FFT:
//   16×16:   2.4 / 6.3 / 12 / 19 / 57         vs 4.8
//   32×32:   5.6 / 16 / 52 / 85 / 217         vs 12
//   64×64:   14 / 39 / 75 / 116 / 330         vs 51   (61×61 direct: 5700)
//   128×128: 48 / 126 / 232 / 371 / 1012     vs 226
//   256×256: 168 / 412 / 779 / 1249 / 3498   vs 1116
//   48×48 (Bluestein):   8.8 / 24 / 47 / 74 / 213     vs 170
//   63×63 (Bluestein):   15 / 40 / 72 / 119 / 323     vs 248
//   100×100 (Bluestein): 30 / 79 / 151 / 239 / 687    vs 796
// So the FFT is used from 7×7 on for 32×32 and 64×64, from 9×9 on for 128×128 and 256×256, from
// 15×15 on for 48×48 and 63×63 and from 17×17 on for 100×100; direct below.
inline double fft_ns_per_point(int n) {
  switch (fft_kind_for(n)) {
    case FftKind::Radix2:
      return n <= 1 ? 0.0 : 0.45 * std::log2(static_cast<double>(n)) + 24.0 / n;
    case FftKind::Dft:
      return 0.72 * n + 4.0;
    case FftKind::Bluestein: {
      const double M = fft_pow2_len(n);
      return M * std::log2(M) / n;
    }
  }
  return 0.0;
}
inline bool blur_prefers_fft(int64_t H, int64_t W, int64_t taps) {
  const double fft = 3.0 + 2.0 * (fft_ns_per_point(static_cast<int>(H)) + fft_ns_per_point(static_cast<int>(W)));
  const double direct = 0.28 * static_cast<double>(taps) * (1.0 + 24.0 / static_cast<double>(W));
  return direct > fft;
}

namespace detail {

[[noreturn]] inline void bad(const std::string& where, const std::string& what) { throw std::invalid_argument(where + ": " + what); }

// Appends the tables of a plan for length n to `tables` (as T) and fills its record.
template <class T>
void append_fft_plan(int n, std::vector<T>& tables, int32_t* rec) {
  const FftKind kind = fft_kind_for(n);
  const int M = fft_pow2_len(n);
  const double pi = 3.14159265358979323846;
  const int64_t base = static_cast<int64_t>(tables.size());
  rec[0] = n;
  rec[1] = static_cast<int32_t>(kind);
  rec[2] = M;
  rec[3] = rec[4] = rec[5] = static_cast<int32_t>(base);
  auto push = [&](double re, double im) {
    tables.push_back(static_cast<T>(re));
    tables.push_back(static_cast<T>(im));
  };
  if (kind == FftKind::Dft) {
    for (int k = 0; k < n; ++k) push(std::cos(2 * pi * k / n), -std::sin(2 * pi * k / n));
    return;
  }
  for (int k = 0; k < M / 2; ++k) push(std::cos(2 * pi * k / M), -std::sin(2 * pi * k / M));
  if (kind == FftKind::Radix2) return;
  // Bluestein: w_j = e^{−πi j²/n} with j² reduced mod 2n exactly.
  rec[4] = static_cast<int32_t>(tables.size());
  std::vector<double> w(2 * static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    const double ang = pi * static_cast<double>((j * j) % (2 * static_cast<int64_t>(n))) / n;
    w[2 * j] = std::cos(ang);
    w[2 * j + 1] = -std::sin(ang);
    push(w[2 * j], w[2 * j + 1]);
  }
  // b_j = conj(w_j), wrapped circularly into length M; its DFT, divided by M.
  std::vector<double> b(2 * static_cast<size_t>(M), 0.0), tw(M);
  for (int j = 0; j < n; ++j) {
    b[2 * j] = w[2 * j];
    b[2 * j + 1] = -w[2 * j + 1];
    if (j > 0) {
      b[2 * (M - j)] = w[2 * j];
      b[2 * (M - j) + 1] = -w[2 * j + 1];
    }
  }
  for (int k = 0; k < M / 2; ++k) {
    tw[2 * k] = std::cos(2 * pi * k / M);
    tw[2 * k + 1] = -std::sin(2 * pi * k / M);
  }
  fft_radix2(b.data(), M, tw.data(), M);
  rec[5] = static_cast<int32_t>(tables.size());
  for (int k = 0; k < M; ++k) push(b[2 * k] / M, b[2 * k + 1] / M);
}

// K̂ = DFT2(kernel embedded circularly: k[a][b] at ((a − ⌊kh/2⌋) mod H, (b − ⌊kw/2⌋) mod W)), double.
inline std::vector<double> kernel_spectrum(const StageSpec& s) {
  const int H = static_cast<int>(s.H), W = static_cast<int>(s.W);
  std::vector<double> z(2 * static_cast<size_t>(H) * W, 0.0);
  for (int64_t a = 0; a < s.kh; ++a)
    for (int64_t b = 0; b < s.kw; ++b) {
      const int i = imod(static_cast<int>(a - s.kh / 2), H), j = imod(static_cast<int>(b - s.kw / 2), W);
      z[2 * (static_cast<size_t>(i) * W + j)] += s.kernel[a * s.kw + b];
    }
  std::vector<double> tables;
  int32_t ph[kPlanInts], pw[kPlanInts];
  append_fft_plan<double>(H, tables, ph);
  append_fft_plan<double>(W, tables, pw);
  std::vector<double> work(fft2d_work_size(H, W));
  fft2d(z.data(), ph, pw, tables.data(), work.data(), false);
  return z;
}

inline void check_image(const std::string& where, const StageSpec& s) {
  if (s.C < 1 || s.H < 1 || s.W < 1) bad(where, "shape entries must be ≥ 1");
  if (s.H * s.W > kMaxImagePixels) bad(where, "H·W must be ≤ " + std::to_string(kMaxImagePixels));
  if (s.C * s.H * s.W > kMaxOperatorDim) bad(where, "C·H·W must be ≤ " + std::to_string(kMaxOperatorDim));
  if (s.d != s.C * s.H * s.W) bad(where, "dim must equal C·H·W = " + std::to_string(s.C * s.H * s.W) + ", got " + std::to_string(s.d));
}

}  // namespace detail

// Builds the program of an imaging operator (top: Blur, Downsample, Fourier with one stage, or
// Compose with 1…kMaxStages) acting on R^d with m measurements. Throws std::invalid_argument
// naming the stage and the problem.
inline void build_operator_program(OpKind top, const std::vector<StageSpec>& stages, int64_t d, int64_t m,
                                   std::vector<int32_t>& ints, std::vector<float>& floats) {
  using detail::bad;
  const int n = static_cast<int>(stages.size());
  if (!op_is_program(top)) bad("opKind", "not an imaging operator");
  if (n < 1 || n > kMaxStages) bad("stages", "expected 1 to " + std::to_string(kMaxStages) + " stages, got " + std::to_string(n));
  if (top != OpKind::Compose && (n != 1 || stages[0].kind != top)) bad("stages", "a single stage of the operator's kind is expected");
  ints.assign(1 + static_cast<size_t>(n) * kStageInts, 0);
  floats.clear();
  ints[0] = n;
  int64_t in_dim = d;
  for (int si = 0; si < n; ++si) {
    const StageSpec& s = stages[si];
    const std::string where = "stages[" + std::to_string(si) + "]";
    if (s.d != in_dim) bad(where, "dim " + std::to_string(s.d) + " does not chain: expected " + std::to_string(in_dim));
    if (s.d < 1 || s.d > kMaxOperatorDim) bad(where, "dim out of range");
    if (s.m < 1 || s.m > kMaxOperatorDim) bad(where, "measurements out of range");
    int32_t rv[kStageInts] = {};
    rv[kStKind] = static_cast<int32_t>(s.kind);
    rv[kStM] = static_cast<int32_t>(s.m);
    rv[kStD] = static_cast<int32_t>(s.d);
    rv[kStIntOff] = static_cast<int32_t>(ints.size());
    rv[kStFloatOff] = rv[kStSpecOff] = static_cast<int32_t>(floats.size());
    std::vector<int32_t> payload_i;
    switch (s.kind) {
      case OpKind::Identity:
        if (s.m != s.d) bad(where, "identity needs measurements == dim");
        break;
      case OpKind::Mask: {
        if (static_cast<int64_t>(s.indices.size()) != s.m) bad(where, "indices must have length measurements");
        for (size_t j = 0; j < s.indices.size(); ++j) {
          if (s.indices[j] < 0 || s.indices[j] >= s.d) bad(where, "mask indices out of range");
          if (j > 0 && s.indices[j] <= s.indices[j - 1]) bad(where, "mask indices must be strictly ascending");
        }
        payload_i = s.indices;
        break;
      }
      case OpKind::Dense:
        if (static_cast<int64_t>(s.matrix.size()) != s.m * s.d) bad(where, "matrix must have measurements·dim entries");
        floats.insert(floats.end(), s.matrix.begin(), s.matrix.end());
        break;
      case OpKind::Blur: {
        detail::check_image(where, s);
        if (s.m != s.d) bad(where, "blur needs measurements == dim");
        if (s.kh < 1 || s.kw < 1 || s.kh * s.kw > kMaxKernelTaps) bad(where, "kernel size out of range");
        if (static_cast<int64_t>(s.kernel.size()) != s.kh * s.kw) bad(where, "kernel must have kernelHeight·kernelWidth entries");
        for (double v : s.kernel)
          if (!std::isfinite(v)) bad(where, "kernel entries must be finite");
        if (s.method < -1 || s.method > 1) bad(where, "method must be -1 (auto), 0 (direct) or 1 (FFT)");
        const bool fft = s.method == 1 || (s.method == -1 && blur_prefers_fft(s.H, s.W, s.kh * s.kw));
        rv[kStKh] = static_cast<int32_t>(s.kh);
        rv[kStKw] = static_cast<int32_t>(s.kw);
        rv[kStMethod] = fft ? 1 : 0;
        for (double v : s.kernel) floats.push_back(static_cast<float>(v));
        if (fft) {
          rv[kStSpecOff] = static_cast<int32_t>(floats.size());
          for (double v : detail::kernel_spectrum(s)) floats.push_back(static_cast<float>(v));
        }
        break;
      }
      case OpKind::Downsample: {
        detail::check_image(where, s);
        if (s.factor < 1 || s.H % s.factor != 0 || s.W % s.factor != 0) bad(where, "factor must be ≥ 1 and divide H and W");
        if (s.m != s.C * (s.H / s.factor) * (s.W / s.factor)) bad(where, "measurements must be C·(H/f)·(W/f)");
        rv[kStFactor] = static_cast<int32_t>(s.factor);
        break;
      }
      case OpKind::Fourier: {
        detail::check_image(where, s);
        const int64_t S = static_cast<int64_t>(s.indices.size());
        if (S < 1 || s.m != 2 * S) bad(where, "measurements must be 2 × the number of samples (≥ 1)");
        std::vector<std::pair<int32_t, int32_t>> pairs(S);
        for (int64_t j = 0; j < S; ++j) {
          if (s.indices[j] < 0 || s.indices[j] >= s.d) bad(where, "frequency samples out of range [0, C·H·W)");
          pairs[j] = {s.indices[j], static_cast<int32_t>(j)};
        }
        std::sort(pairs.begin(), pairs.end());
        for (int64_t j = 1; j < S; ++j)
          if (pairs[j].first == pairs[j - 1].first) bad(where, "frequency samples must be distinct");
        for (const auto& p : pairs) {
          payload_i.push_back(p.first);
          payload_i.push_back(p.second);
        }
        break;
      }
      default:
        bad(where, "stage kind must be identity, mask, dense, blur, downsample or fourier");
    }
    if (s.kind == OpKind::Fourier || (s.kind == OpKind::Blur && rv[kStMethod] == 1)) {
      detail::append_fft_plan<float>(static_cast<int>(s.H), floats, rv + kStPlanH);
      detail::append_fft_plan<float>(static_cast<int>(s.W), floats, rv + kStPlanW);
    }
    rv[kStC] = static_cast<int32_t>(s.C);
    rv[kStH] = static_cast<int32_t>(s.H);
    rv[kStW] = static_cast<int32_t>(s.W);
    rv[kStIntLen] = static_cast<int32_t>(payload_i.size());
    rv[kStFloatLen] = static_cast<int32_t>(floats.size()) - rv[kStFloatOff];
    ints.insert(ints.end(), payload_i.begin(), payload_i.end());
    std::copy(rv, rv + kStageInts, ints.data() + 1 + static_cast<size_t>(si) * kStageInts);
    if (floats.size() > static_cast<size_t>(INT32_MAX) || ints.size() > static_cast<size_t>(INT32_MAX))
      bad(where, "operator tables exceed 2^31 entries");
    in_dim = s.m;
  }
  if (in_dim != m) bad("measurements", "the last stage has " + std::to_string(in_dim) + " outputs, expected " + std::to_string(m));
}

}  // namespace langevin

// SPDX-License-Identifier: MIT
// r = Aᵀ(y − A x) for all chains at once, for an imaging operator program (Blur, Downsample,
// Fourier, or a Compose of stages; native/core/linear_operator.h), on the GPU or under the SIMT
// emulation: the host walks the program (the job's host copy) and launches image_kernels.cuh
// kernels on the device copy. Everything is asynchronous (no synchronise).
//
//   single FFT blur   Z = FFT2(x + i·y), the pairwise product (blur_grad_pair), inverse FFT2:
//                     2 transforms per channel, as core's stage_grad;
//   anything else     stages forward (ping-pong rows), r ← y − A x, stages' adjoints backwards,
//                     as core's compose path (and, for one stage, stage_grad with c = 1).
// The caller scales r by the step's likelihood weight c.
//
// Policy: as GpuRunner's (Buffer<T>(n).get(), launch, shared_limit, check_memory). Include after
// portable.cuh and the core headers, inside the backend's namespace; needs <algorithm>,
// <stdexcept>, <vector> included by the includer.
#pragma once
#include "kernels/image_kernels.cuh"

// Blocks for a grid-stride elementwise launch over n items.
inline unsigned img_blocks(size_t n, int threads) {
  const size_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(b < 1 ? 1 : b > 4096 ? 4096 : b);
}

// The direct blur's tiles: 32 columns (one warp's coalesced row), 2·(threads/32) rows; the tile,
// its halo and the taps in shared memory when they fit.
inline ImgBlurArgs img_blur_geometry(const Stage& host_st, const float* k_dev, int threads, size_t shared_limit) {
  ImgBlurArgs a{};
  a.k = k_dev;
  a.C = host_st.C();
  a.H = host_st.H();
  a.W = host_st.W();
  a.kh = host_st.kh();
  a.kw = host_st.kw();
  a.tile_w = 32;
  a.tile_h = 2 * std::max(1, threads / 32);
  a.halo_h = a.kh - 1;
  a.halo_w = a.kw - 1;
  a.tiles_x = (a.W + a.tile_w - 1) / a.tile_w;
  a.tiles_y = (a.H + a.tile_h - 1) / a.tile_h;
  a.shared = sizeof(float) * static_cast<size_t>(img_blur_shared_floats(a)) <= shared_limit ? 1 : 0;
  return a;
}

// Lines per block for transforms of length n over `lines` lines: enough butterflies for the
// block, at least 16 adjacent columns (coalesced), within 32 KiB of shared memory (several blocks
// per SM) unless a single line needs more; 0 when one line does not fit at all (global work).
inline int img_fft_lines_per_block(int n, int lines, bool cols, int threads, size_t shared_limit) {
  const size_t work = sizeof(float) * img_fft_work(n), budget = std::min<size_t>(shared_limit, 32 * 1024);
  int L = std::max(std::max(1, 2 * threads / std::max(1, n)), cols ? 16 : 1);
  L = std::min(L, lines);
  while (L > 1 && L * work > budget) --L;
  return L * work <= shared_limit ? L : 0;
}

template <class Policy>
class ImageOpBatch {
  template <class T>
  using Buf = typename Policy::template Buffer<T>;

 public:
  // job: the host copy of the program (indices, matrix), read at every call, so it must outlive
  // the batch; op_on_device: the same program in device memory. threads: per block, a multiple of 32.
  ImageOpBatch(const PhaseJob& job, const OperatorView& op_on_device, int chains, int threads = 128)
      : job_(job), op_(op_on_device), chains_(chains), threads_(threads) {
    if (!op_is_program(job.op_kind)) throw std::invalid_argument("ImageOpBatch: not an imaging operator program");
    const Sizes s = sizes(job, chains, threads);
    Policy::check_memory(s.bytes());
    nb_ = s.nb;
    bufs_ = Buf<float>(2 * static_cast<size_t>(chains) * nb_);
    z_ = Buf<float>(s.z);
    gwork_ = Buf<float>(s.gwork);
  }

  // Device bytes of the work space (rows, complex images, FFT lines that miss shared memory).
  static size_t device_bytes(const PhaseJob& job, int chains, int threads = 128) {
    return sizes(job, chains, threads).bytes();
  }

  // r[chains][d] = Aᵀ(y − A x[chains][d]); y: [m] shared or [chains][m].
  void residual_adjoint(const float* x, const float* y, bool y_per_chain, float* r) {
    const int n = host_stage_count(job_), m = job_.m, d = job_.d;
    const ImgCRows xr{x, d};
    const ImgRows rr{r, d};
    const ImgCRows yr{y, y_per_chain ? m : 0};
    const Stage st0 = host_stage(0);
    if (n == 1 && st0.kind() == OpKind::Blur && st0.method() == 1) {  // fused: one complex transform of x + i·y
      const int CHW = st0.C() * st0.H() * st0.W();
      launch_elem(static_cast<size_t>(chains_) * CHW, img_load_complex, xr, yr, z_.get(), chains_, CHW);
      fft2(st0, false);
      const size_t images = static_cast<size_t>(chains_) * st0.C();
      launch_elem(images * st0.H() * st0.W(), img_blur_grad_pairs, z_.get(), dev_stage(0).spectrum(), images, st0.H(),
                  st0.W());
      fft2(st0, true);
      launch_elem(static_cast<size_t>(chains_) * CHW, img_store_real, z_.get(),
                  1.0f / static_cast<float>(st0.H() * st0.W()), rr, chains_, CHW);
      return;
    }
    // Stage s writes buffer s & 1 and reads the other (x for stage 0), as core's compose_forward.
    for (int s = 0; s < n; ++s) forward(s, s == 0 ? xr : crow(buf(s + 1)), buf(s));
    launch_elem(static_cast<size_t>(chains_) * m, img_residual, y, static_cast<int64_t>(y_per_chain ? m : 0),
                buf(n - 1), chains_, m);
    for (int s = n - 1; s >= 0; --s) adjoint(s, crow(buf(s)), s == 0 ? rr : buf(s + 1));
  }

 private:
  struct Sizes {
    size_t nb = 0, z = 0, gwork = 0;  // floats: one row, the complex images, the FFTs' global work
    size_t chains = 0;
    size_t bytes() const { return sizeof(float) * (2 * chains * nb + z + gwork); }
  };

  static Stage stage_of(const PhaseJob& job, int s) {
    return Stage{job.indices.data() + 1 + s * kStageInts, job.indices.data(), job.matrix.data()};
  }
  static int host_stage_count(const PhaseJob& job) { return job.indices[0]; }

  static Sizes sizes(const PhaseJob& job, int chains, int threads) {
    Sizes s;
    s.chains = static_cast<size_t>(chains);
    const size_t limit = Policy::shared_limit();
    for (int i = 0; i < host_stage_count(job); ++i) {
      const Stage st = stage_of(job, i);
      s.nb = std::max(s.nb, static_cast<size_t>(st.m()));
      if (!stage_uses_fft(st)) continue;
      const size_t images = s.chains * st.C();
      s.z = std::max(s.z, 2 * images * st.H() * st.W());
      for (int cols = 0; cols < 2; ++cols) {  // a pass whose lines miss shared memory works in global memory
        const int len = cols ? st.H() : st.W(), lines = cols ? st.W() : st.H();
        if (len > 1 && img_fft_lines_per_block(len, lines, cols != 0, threads, limit) == 0)
          s.gwork = std::max(s.gwork, images * lines * img_fft_work(len));
      }
    }
    return s;
  }

  Stage host_stage(int s) const { return stage_of(job_, s); }
  Stage dev_stage(int s) const { return op_stage(op_, s); }
  ImgRows buf(int s) { return ImgRows{bufs_.get() + static_cast<size_t>(s & 1) * chains_ * nb_, static_cast<int64_t>(nb_)}; }
  static ImgCRows crow(ImgRows r) { return ImgCRows{r.p, r.stride}; }

  template <class... P, class... A>
  void launch_elem(size_t n, void (*kernel)(P...), A&&... args) {
    Policy::launch(dim3(img_blocks(n, threads_)), dim3(threads_), 0, kernel, std::forward<A>(args)...);
  }

  // In-place 2-D transform of every chain's C images: rows, then columns (core's fft2d order).
  void fft2(const Stage& st, bool inverse) {
    const int H = st.H(), W = st.W();
    const size_t images = static_cast<size_t>(chains_) * st.C();
    for (int cols = 0; cols < 2; ++cols) {
      const int len = cols ? H : W, lines = cols ? W : H;
      if (len <= 1) continue;
      ImgFftArgs a{};
      a.z = z_.get();
      const int32_t* rec = cols ? st.ph() : st.pw();
      for (int i = 0; i < kPlanInts; ++i) a.plan[i] = rec[i];
      a.tables = op_.matrix;
      a.H = H;
      a.W = W;
      a.cols = cols;
      a.work = img_fft_work(len);
      a.inverse = inverse ? 1 : 0;
      const int L = img_fft_lines_per_block(len, lines, cols != 0, threads_, Policy::shared_limit());
      a.lines = L > 0 ? L : 1;
      a.groups = (lines + a.lines - 1) / a.lines;
      a.gwork = L > 0 ? nullptr : gwork_.get();
      const size_t shmem = L > 0 ? sizeof(float) * L * a.work : 0;
      Policy::launch(dim3(static_cast<unsigned>(images * a.groups)), dim3(threads_), shmem, img_fft_lines, a);
    }
  }

  void blur_direct(int s, ImgCRows in, ImgRows out, bool adjoint) {
    ImgBlurArgs a = img_blur_geometry(host_stage(s), dev_stage(s).floats(), threads_, Policy::shared_limit());
    a.in = in;
    a.out = out;
    a.adjoint = adjoint ? 1 : 0;
    const size_t shmem = a.shared ? sizeof(float) * img_blur_shared_floats(a) : 0;
    Policy::launch(dim3(static_cast<unsigned>(static_cast<size_t>(chains_) * a.C * a.tiles_x * a.tiles_y)), dim3(threads_),
                   shmem, img_blur_direct, a);
  }

  // FFT blur of one direction: F⁻¹(K̂ F in) or F⁻¹(conj K̂ F in), scaled by 1/HW.
  void blur_fft(int s, ImgCRows in, ImgRows out, bool adjoint) {
    const Stage st = host_stage(s);
    const int HW = st.H() * st.W(), CHW = st.C() * HW;
    const size_t images = static_cast<size_t>(chains_) * st.C();
    launch_elem(static_cast<size_t>(chains_) * CHW, img_load_complex, in, ImgCRows{nullptr, 0}, z_.get(), chains_, CHW);
    fft2(st, false);
    launch_elem(images * HW, img_spectrum_mul, z_.get(), dev_stage(s).spectrum(), adjoint ? -1.0f : 1.0f, images, HW);
    fft2(st, true);
    launch_elem(static_cast<size_t>(chains_) * CHW, img_store_real, z_.get(), 1.0f / static_cast<float>(HW), out, chains_,
                CHW);
  }

  void forward(int s, ImgCRows in, ImgRows out) {
    const Stage st = host_stage(s), dst = dev_stage(s);
    const size_t c = static_cast<size_t>(chains_);
    switch (st.kind()) {
      case OpKind::Identity:
        launch_elem(c * st.d(), img_copy, in, out, chains_, st.d());
        break;
      case OpKind::Mask:
        launch_elem(c * st.m(), img_mask_gather, dst, in, out, chains_);
        break;
      case OpKind::Dense:
        launch_elem(c * st.m(), img_dense, dst, in, out, chains_);
        break;
      case OpKind::Blur:
        if (st.method() == 1) blur_fft(s, in, out, false);
        else blur_direct(s, in, out, false);
        break;
      case OpKind::Downsample:
        launch_elem(c * st.m(), img_downsample, dst, in, out, chains_);
        break;
      case OpKind::Fourier: {
        const int CHW = st.C() * st.H() * st.W(), S = st.nints() / 2;
        launch_elem(c * CHW, img_load_complex, in, ImgCRows{nullptr, 0}, z_.get(), chains_, CHW);
        fft2(st, false);
        launch_elem(c * S, img_fourier_gather, z_.get(), dst.ints(), S, 1.0f / sqrtf(static_cast<float>(st.H() * st.W())),
                    out, chains_, CHW);
        break;
      }
      default:
        throw std::invalid_argument("ImageOpBatch: unknown stage kind");
    }
  }

  void adjoint(int s, ImgCRows in, ImgRows out) {
    const Stage st = host_stage(s), dst = dev_stage(s);
    const size_t c = static_cast<size_t>(chains_);
    switch (st.kind()) {
      case OpKind::Identity:
        launch_elem(c * st.d(), img_copy, in, out, chains_, st.d());
        break;
      case OpKind::Mask:
        launch_elem(c * st.d(), img_zero, out, chains_, st.d());
        launch_elem(c * st.m(), img_mask_scatter, dst, in, out, chains_);
        break;
      case OpKind::Dense:
        launch_elem(c * st.d(), img_dense_t, dst, in, out, chains_);
        break;
      case OpKind::Blur:
        if (st.method() == 1) blur_fft(s, in, out, true);
        else blur_direct(s, in, out, true);
        break;
      case OpKind::Downsample:
        launch_elem(c * st.d(), img_upsample, dst, in, out, chains_);
        break;
      case OpKind::Fourier: {
        const int CHW = st.C() * st.H() * st.W(), S = st.nints() / 2;
        launch_elem(c * 2 * CHW, img_zero, ImgRows{z_.get(), 2 * static_cast<int64_t>(CHW)}, chains_, 2 * CHW);
        launch_elem(c * S, img_fourier_scatter, in, dst.ints(), S, z_.get(), chains_, CHW);
        fft2(st, true);
        launch_elem(c * CHW, img_store_real, z_.get(), 1.0f / sqrtf(static_cast<float>(st.H() * st.W())), out, chains_, CHW);
        break;
      }
      default:
        throw std::invalid_argument("ImageOpBatch: unknown stage kind");
    }
  }

  const PhaseJob& job_;
  OperatorView op_;
  int chains_, threads_;
  size_t nb_ = 0;
  Buf<float> bufs_, z_, gwork_;
};

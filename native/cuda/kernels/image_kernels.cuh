// SPDX-License-Identifier: MIT
// Chain-batched kernels for the imaging operator stages of native/core/linear_operator.h, written
// once for nvcc and the SIMT emulation (portable.cuh). The math is core's (stage records, FFT
// plans and tables, blur_spectrum_mul, blur_grad_pair, pool_sum, dot4); these kernels only lay
// the work out for a GPU. Included inside namespace langevin::<backend>, like phase_kernels.cuh;
// driven by image_op_batch.h.
//
// Rows of a batch: stage inputs/outputs are [chains][stride] float rows (a stage's C·H·W image
// first); FFT work is [chains][C][H·W] interleaved complex (one "image" per chain and channel).
//   img_blur_direct  one block per (image, tile): the tile plus its circular halo and the kernel
//                    taps in shared memory, coalesced loads, each output summed in core's tap order.
//   img_fft_lines    one block per group of L lines (rows or columns) of one image: the lines in
//                    shared memory (or a global work area when too long), radix-2 passes with a
//                    barrier between them, the direct DFT (n ≤ kDftMaxN) and Bluestein exactly as
//                    core's fft1d, twiddles and chirps from the plan tables built once on the host.
//   the rest         one thread per element (grid-stride): complex load/store, spectral products,
//                    Fourier gather/scatter, downsample and its adjoint, mask, dense, identity, residual.
#pragma once

// A batch of rows: element i of chain c at p[c·stride + i].
struct ImgRows {
  float* p;
  int64_t stride;
};
struct ImgCRows {
  const float* p;
  int64_t stride;
};

LANGEVIN_DEV size_t img_tid() { return static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; }
LANGEVIN_DEV size_t img_nthreads() { return static_cast<size_t>(gridDim.x) * blockDim.x; }

// ---- elementwise kernels (one thread per element, grid-stride) -----------------------------------

// z = in + i·im (im null: + 0i) for every chain's C images of HW pixels.
__global__ void img_load_complex(ImgCRows in, ImgCRows im, float* z, int chains, int CHW) {
  const size_t n = static_cast<size_t>(chains) * CHW;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) {
    const size_t c = t / CHW, e = t % CHW;
    z[2 * t] = in.p[c * in.stride + e];
    z[2 * t + 1] = im.p != nullptr ? im.p[c * im.stride + e] : 0.0f;
  }
}

// out = scale · Re z.
__global__ void img_store_real(const float* z, float scale, ImgRows out, int chains, int CHW) {
  const size_t n = static_cast<size_t>(chains) * CHW;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) out.p[(t / CHW) * out.stride + t % CHW] = scale * z[2 * t];
}

// z ← K̂ · z (sgn 1) or conj(K̂) · z (sgn −1) pointwise; spec: [HW] complex, shared by channels.
__global__ void img_spectrum_mul(float* z, const float* spec, float sgn, size_t images, int HW) {
  const size_t n = images * HW;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) blur_spectrum_mul(spec, static_cast<int>(t % HW), sgn, z + 2 * (t - t % HW));
}

// The fused FFT-blur gradient on Z = DFT(x + i·y): every Hermitian pair once (the thread of k with
// −k ≥ k writes both), so no two threads touch the same point.
__global__ void img_blur_grad_pairs(float* z, const float* spec, size_t images, int H, int W) {
  const int HW = H * W;
  const size_t n = images * HW;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) {
    const int k = static_cast<int>(t % HW), nk = spectrum_neg_index(k / W, k % W, H, W);
    if (nk >= k) blur_grad_pair(spec, k, nk, z + 2 * (t - k));
  }
}

// Fourier forward: out[2·pos…] = scale · z at each sample's flat index (pairs sorted, distinct).
__global__ void img_fourier_gather(const float* z, const int32_t* pairs, int S, float scale, ImgRows out, int chains,
                                   int CHW) {
  const size_t n = static_cast<size_t>(chains) * S;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) {
    const size_t c = t / S;
    const int s = static_cast<int>(t % S), k = pairs[2 * s], pos = pairs[2 * s + 1];
    const float* zc = z + 2 * (c * CHW + k);
    out.p[c * out.stride + 2 * pos] = scale * zc[0];
    out.p[c * out.stride + 2 * pos + 1] = scale * zc[1];
  }
}

// Fourier adjoint, first half: z (already zeroed) at each sample's flat index ← the measurement.
__global__ void img_fourier_scatter(ImgCRows in, const int32_t* pairs, int S, float* z, int chains, int CHW) {
  const size_t n = static_cast<size_t>(chains) * S;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) {
    const size_t c = t / S;
    const int s = static_cast<int>(t % S), k = pairs[2 * s], pos = pairs[2 * s + 1];
    float* zc = z + 2 * (c * CHW + k);
    zc[0] = in.p[c * in.stride + 2 * pos];
    zc[1] = in.p[c * in.stride + 2 * pos + 1];
  }
}

__global__ void img_zero(ImgRows out, int chains, int n1) {
  const size_t n = static_cast<size_t>(chains) * n1;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) out.p[(t / n1) * out.stride + t % n1] = 0.0f;
}

// Average pooling: one thread per output pixel (adjacent threads read adjacent f-wide blocks).
__global__ void img_downsample(Stage st, ImgCRows in, ImgRows out, int chains) {
  const int f = st.factor(), Ho = st.H() / f, Wo = st.W() / f, m = st.C() * Ho * Wo;
  const float inv = 1.0f / static_cast<float>(f * f);
  const size_t n = static_cast<size_t>(chains) * m;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) {
    const size_t c = t / m;
    const int e = static_cast<int>(t % m), ch = e / (Ho * Wo), p = e / Wo % Ho, q = e % Wo;
    out.p[c * out.stride + e] = pool_sum(st, in.p + c * in.stride, ch, p, q) * inv;
  }
}

// Its adjoint: one thread per input pixel (coalesced writes), value / f² of its block.
__global__ void img_upsample(Stage st, ImgCRows in, ImgRows out, int chains) {
  const int f = st.factor(), H = st.H(), W = st.W(), Ho = H / f, Wo = W / f, d = st.C() * H * W;
  const float inv = 1.0f / static_cast<float>(f * f);
  const size_t n = static_cast<size_t>(chains) * d;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) {
    const size_t c = t / d;
    const int e = static_cast<int>(t % d), ch = e / (H * W), i = e / W % H, j = e % W;
    out.p[c * out.stride + e] = in.p[c * in.stride + (static_cast<size_t>(ch) * Ho + i / f) * Wo + j / f] * inv;
  }
}

__global__ void img_copy(ImgCRows in, ImgRows out, int chains, int n1) {
  const size_t n = static_cast<size_t>(chains) * n1;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) out.p[(t / n1) * out.stride + t % n1] = in.p[(t / n1) * in.stride + t % n1];
}

__global__ void img_mask_gather(Stage st, ImgCRows in, ImgRows out, int chains) {
  const int m = st.m();
  const size_t n = static_cast<size_t>(chains) * m;
  for (size_t t = img_tid(); t < n; t += img_nthreads())
    out.p[(t / m) * out.stride + t % m] = in.p[(t / m) * in.stride + st.ints()[t % m]];
}

// Mask adjoint, after a zero fill: kept coordinates are distinct, so the scatter has no races.
__global__ void img_mask_scatter(Stage st, ImgCRows in, ImgRows out, int chains) {
  const int m = st.m();
  const size_t n = static_cast<size_t>(chains) * m;
  for (size_t t = img_tid(); t < n; t += img_nthreads())
    out.p[(t / m) * out.stride + st.ints()[t % m]] = in.p[(t / m) * in.stride + t % m];
}

__global__ void img_dense(Stage st, ImgCRows in, ImgRows out, int chains) {
  const int m = st.m(), d = st.d();
  const size_t n = static_cast<size_t>(chains) * m;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) {
    const size_t c = t / m, j = t % m;
    out.p[c * out.stride + j] = dot4(st.floats() + j * d, in.p + c * in.stride, d);
  }
}

// Dense adjoint: one thread per output coordinate (adjacent threads read adjacent A entries), the
// rows added in core's order j = 0, 1, ….
__global__ void img_dense_t(Stage st, ImgCRows in, ImgRows out, int chains) {
  const int m = st.m(), d = st.d();
  const size_t n = static_cast<size_t>(chains) * d;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) {
    const size_t c = t / d, i = t % d;
    const float* r = in.p + c * in.stride;
    float s = 0.0f;
    for (int j = 0; j < m; ++j) s += st.floats()[static_cast<size_t>(j) * d + i] * r[j];
    out.p[c * out.stride + i] = s;
  }
}

// r ← y − r (y shared, or per chain with y_stride = m).
__global__ void img_residual(const float* y, int64_t y_stride, ImgRows r, int chains, int m) {
  const size_t n = static_cast<size_t>(chains) * m;
  for (size_t t = img_tid(); t < n; t += img_nthreads()) {
    const size_t c = t / m, j = t % m;
    float* rp = r.p + c * r.stride + j;
    *rp = y[c * y_stride + j] - *rp;
  }
}

// ---- direct blur: shared-memory tiles with a circular halo -----------------------------------

// One launch's geometry (img_blur_geometry fills it; tests may perturb it).
struct ImgBlurArgs {
  ImgCRows in;
  ImgRows out;
  const float* k;          // [kh·kw] taps
  int C, H, W, kh, kw;
  int adjoint;             // 0: convolution A x; 1: the correlation Aᵀ r
  int tile_h, tile_w;      // output tile
  int halo_h, halo_w;      // extra source rows/columns: kh − 1, kw − 1
  int tiles_x, tiles_y;
  int shared;              // 1: tile and taps in shared memory; 0: read global memory directly
};

LANGEVIN_HD int img_blur_shared_floats(const ImgBlurArgs& a) {
  return a.kh * a.kw + (a.tile_h + a.halo_h) * (a.tile_w + a.halo_w);
}

// Blocks: images × tiles. Output (i, j) sums k[a][b] · x[(i ∓ a ± ⌊kh/2⌋) mod H][(j ∓ b ± ⌊kw/2⌋) mod W]
// over a, then b, skipping zero taps — the order and arithmetic of core's blur_direct_channel.
// Source row of output row i for tap a: forward i + ⌊kh/2⌋ − a, adjoint i − ⌊kh/2⌋ + a; the tile
// keeps source rows from the smallest (tap kh − 1, resp. 0) on, so tap a sits at local row
// (i − i0) + (kh − 1 − a), resp. (i − i0) + a; columns alike.
__global__ void img_blur_direct(ImgBlurArgs a) {
  const int tiles = a.tiles_x * a.tiles_y;
  const size_t img = blockIdx.x / tiles;
  const int tile = static_cast<int>(blockIdx.x % tiles);
  const int i0 = tile / a.tiles_x * a.tile_h, j0 = tile % a.tiles_x * a.tile_w;
  const size_t chain = img / a.C;
  const int ch = static_cast<int>(img % a.C);
  const size_t HW = static_cast<size_t>(a.H) * a.W;
  const float* src = a.in.p + chain * a.in.stride + ch * HW;
  float* dst = a.out.p + chain * a.out.stride + ch * HW;
  const int ch2 = a.kh / 2, cw2 = a.kw / 2;
  const int R0 = a.adjoint ? i0 - ch2 : i0 + ch2 - a.halo_h;  // first source row of the tile
  const int C0 = a.adjoint ? j0 - cw2 : j0 + cw2 - a.halo_w;
  const int sh = a.tile_h + a.halo_h, sw = a.tile_w + a.halo_w, taps = a.kh * a.kw;
  const int tid = threadIdx.x, T = blockDim.x;
  float* sk = shared_mem<float>();
  float* sx = sk + taps;
  if (a.shared) {
    for (int t = tid; t < taps; t += T) sk[t] = a.k[t];
    for (int t = tid; t < sh * sw; t += T) {
      const int lr = t / sw, lc = t % sw;
      sx[t] = src[static_cast<size_t>(imod(R0 + lr, a.H)) * a.W + imod(C0 + lc, a.W)];
    }
    __syncthreads();
  }
  const float* kk = a.shared ? sk : a.k;
  for (int t = tid; t < a.tile_h * a.tile_w; t += T) {
    const int li = t / a.tile_w, lj = t % a.tile_w, i = i0 + li, j = j0 + lj;
    if (i >= a.H || j >= a.W) continue;
    float o = 0.0f;
    for (int ta = 0; ta < a.kh; ++ta) {
      const int lr = li + (a.adjoint ? ta : a.halo_h - ta);
      for (int tb = 0; tb < a.kw; ++tb) {
        const float kv = kk[ta * a.kw + tb];
        if (kv == 0.0f) continue;
        const int lc = lj + (a.adjoint ? tb : a.halo_w - tb);
        const float xv = a.shared ? sx[lr * sw + lc]
                                  : src[static_cast<size_t>(imod(R0 + lr, a.H)) * a.W + imod(C0 + lc, a.W)];
        o += kv * xv;
      }
    }
    dst[static_cast<size_t>(i) * a.W + j] = o;
  }
}

// ---- batched 1-D FFTs along the rows or columns of [images][H][W] complex arrays --------------

struct ImgFftArgs {
  float* z;                // [images][H][W] interleaved complex
  int32_t plan[kPlanInts]; // core's plan record for the line length (n, kind, M, tw, chirp, bhat)
  const float* tables;     // the operator's float tables (OperatorView::matrix)
  int H, W;
  int cols;                // 1: transform the W columns (length H); 0: the H rows (length W)
  int lines;               // lines per block (L)
  int groups;              // blocks per image: ⌈lines of an image / L⌉
  int work;                // floats of work per line (img_fft_work)
  int inverse;
  float* gwork;            // null: work in shared memory; else [blocks][L][work] in global memory
};

// Work floats one line needs: its n points (radix-2, DFT), Bluestein two length-M buffers (the
// second transform reads the first one's output in bit-reversed order).
LANGEVIN_HD int img_fft_work(int n) {
  switch (fft_kind_for(n)) {
    case FftKind::Radix2:
      return 2 * n;
    case FftKind::Dft:
      return 2 * n;
    case FftKind::Bluestein:
      return 4 * fft_pow2_len(n);
  }
  return 0;
}

LANGEVIN_DEV int img_bitrev(int j, int bits) {
#if defined(__CUDA_ARCH__)
  return bits == 0 ? 0 : static_cast<int>(__brev(static_cast<unsigned>(j)) >> (32 - bits));
#else
  int r = 0;
  for (int b = 0; b < bits; ++b) r |= ((j >> b) & 1) << (bits - 1 - b);
  return r;
#endif
}
LANGEVIN_DEV int img_log2(int n) {
  int b = 0;
  while ((1 << b) < n) ++b;
  return b;
}

// Radix-2 passes over nl lines of length n held bit-reversed at buf + l·work: the butterflies of
// a pass are spread over the block, a barrier between passes. Twiddles e^{−2πik/n} (tw_len = n),
// conjugated for the inverse; the arithmetic of core's fft_radix2.
LANGEVIN_DEV void img_radix2_passes(float* buf, int work, int nl, int n, const float* tw, bool conj) {
  const int tid = threadIdx.x, T = blockDim.x, half_n = n / 2;
  const float sgn = conj ? -1.0f : 1.0f;
  for (int len = 2; len <= n; len <<= 1) {
    const int half = len >> 1, step = n / len;
    for (int t = tid; t < nl * half_n; t += T) {
      const int l = t / half_n, b = t % half_n, k = b % half;
      float* u = buf + l * work + 2 * (b / half * len + k);
      float* v = u + 2 * half;
      if (len == 2) fft_butterfly_1(u, v);
      else fft_butterfly(u, v, tw[2 * k * step], sgn * tw[2 * k * step + 1]);
    }
    __syncthreads();
  }
}

// Blocks: images × groups. Each line is read into its work area, transformed, written back; lines
// of different blocks are disjoint, so the transform is in place. For columns, consecutive threads
// take consecutive lines (adjacent columns: coalesced); for rows, consecutive points of a line.
__global__ void img_fft_lines(ImgFftArgs a) {
  const size_t img = blockIdx.x / a.groups;
  const int group = static_cast<int>(blockIdx.x % a.groups);
  const int n = a.cols ? a.H : a.W, nlines = a.cols ? a.W : a.H;
  const int line0 = group * a.lines, nl = nlines - line0 < a.lines ? nlines - line0 : a.lines;
  const size_t estride = a.cols ? a.W : 1, lstride = a.cols ? 1 : a.W;  // complex units
  float* base = a.z + 2 * (img * static_cast<size_t>(a.H) * a.W + line0 * lstride);
  float* buf = a.gwork != nullptr ? a.gwork + static_cast<size_t>(blockIdx.x) * a.lines * a.work : shared_mem<float>();
  const int tid = threadIdx.x, T = blockDim.x;
  const FftKind kind = static_cast<FftKind>(a.plan[1]);
  const float* tw = a.tables + a.plan[3];
  const float csgn = a.inverse ? -1.0f : 1.0f;  // the inverse is conj ∘ forward ∘ conj (radix-2: conj twiddles)
  // Element (l, j) of thread t: columns l fastest, rows j fastest.
#define IMG_LJ(t) const int l = a.cols ? (t) % nl : (t) / n, j = a.cols ? (t) / nl : (t) % n
  if (kind == FftKind::Radix2) {
    const int bits = img_log2(n);
    for (int t = tid; t < nl * n; t += T) {
      IMG_LJ(t);
      const float* e = base + 2 * (j * estride + l * lstride);
      float* d = buf + l * a.work + 2 * img_bitrev(j, bits);
      d[0] = e[0];
      d[1] = e[1];
    }
    __syncthreads();
    img_radix2_passes(buf, a.work, nl, n, tw, a.inverse != 0);
    for (int t = tid; t < nl * n; t += T) {
      IMG_LJ(t);
      float* e = base + 2 * (j * estride + l * lstride);
      const float* s = buf + l * a.work + 2 * j;
      e[0] = s[0];
      e[1] = s[1];
    }
    return;
  }
  if (kind == FftKind::Dft) {  // core fft1d's sums, term by term
    for (int t = tid; t < nl * n; t += T) {
      IMG_LJ(t);
      const float* e = base + 2 * (j * estride + l * lstride);
      float* d = buf + l * a.work + 2 * j;
      d[0] = e[0];
      d[1] = csgn * e[1];
    }
    __syncthreads();
    for (int t = tid; t < nl * n; t += T) {
      IMG_LJ(t);
      const int k = j;
      const float* x = buf + l * a.work;
      float sr = 0.0f, si = 0.0f;
      int ex = 0;  // (j·k) mod n
      for (int jj = 0; jj < n; ++jj) {
        const float wr = tw[2 * ex], wi = tw[2 * ex + 1], xr = x[2 * jj], xi = x[2 * jj + 1];
        sr += xr * wr - xi * wi;
        si += xr * wi + xi * wr;
        ex += k;
        if (ex >= n) ex -= n;
      }
      float* e = base + 2 * (k * estride + l * lstride);
      e[0] = sr;
      e[1] = csgn * si;
    }
    return;  // every line's input was read into shared memory before any output was written
  }
  // Bluestein through two length-M radix-2 transforms, as core's fft1d.
  const int M = a.plan[2], bits = img_log2(M);
  const float* chirp = a.tables + a.plan[4];
  const float* bhat = a.tables + a.plan[5];
  for (int t = tid; t < nl * M; t += T) {  // A[rev j] = x_j · w_j (zero-padded)
    const int l = a.cols ? t % nl : t / M, j = a.cols ? t / nl : t % M;
    float* d = buf + l * a.work + 2 * img_bitrev(j, bits);
    if (j < n) {
      const float* e = base + 2 * (j * estride + l * lstride);
      const float xr = e[0], xi = csgn * e[1], wr = chirp[2 * j], wi = chirp[2 * j + 1];
      d[0] = xr * wr - xi * wi;
      d[1] = xr * wi + xi * wr;
    } else {
      d[0] = 0.0f;
      d[1] = 0.0f;
    }
  }
  __syncthreads();
  img_radix2_passes(buf, a.work, nl, M, tw, false);
  for (int t = tid; t < nl * M; t += T) {  // B[rev k] = conj(A_k · b̂_k)
    const int l = t / M, k = t % M;
    const float* s = buf + l * a.work + 2 * k;
    float* d = buf + l * a.work + 2 * M + 2 * img_bitrev(k, bits);
    const float xr = s[0], xi = s[1], br = bhat[2 * k], bi = bhat[2 * k + 1];
    d[0] = xr * br - xi * bi;
    d[1] = -(xr * bi + xi * br);
  }
  __syncthreads();
  img_radix2_passes(buf + 2 * M, a.work, nl, M, tw, false);
  for (int t = tid; t < nl * n; t += T) {  // X_k = conj(B_k) · w_k
    IMG_LJ(t);
    const float* c = buf + l * a.work + 2 * M + 2 * j;
    const float cr = c[0], ci = -c[1], wr = chirp[2 * j], wi = chirp[2 * j + 1];
    float* e = base + 2 * (j * estride + l * lstride);
    e[0] = cr * wr - ci * wi;
    e[1] = csgn * (cr * wi + ci * wr);
  }
#undef IMG_LJ
}

// SPDX-License-Identifier: MIT
// Complex FFTs for the imaging operators (blur, subsampled Fourier), shared by the CPU backend and
// the CUDA kernels: no cuFFT/FFTW, one caller transforms one chain's image in its own scratch.
//
// Data are interleaved complex arrays [re0, im0, re1, im1, …] of T (float in the hot loop, double
// on the host where kernel spectra are computed once). Every length n ≥ 1 is supported:
//   - n a power of two: iterative radix-2 (bit reversal, then log2 n butterfly passes);
//   - other n ≤ kDftMaxN: a plain O(n²) DFT against a table of the n roots of unity;
//   - other n: Bluestein's chirp-z algorithm through a power-of-two FFT of length M ≥ 2n − 1.
// All tables (twiddles, chirps, the chirp filter's spectrum) are computed on the host in double
// precision and stored as T, so device code does no trigonometry. The forward transform is
// X_k = Σ_j x_j e^{−2πi jk/n} (unnormalised); the inverse is conj ∘ forward ∘ conj, also
// unnormalised (the caller scales: 1/n, or 1/√n each way for the unitary DFT).
// 2-D transforms of a row-major [H][W] array run every 1-D pass on many lines at once with the
// lines interleaved (fft_lines), so the inner loops run across lines over contiguous memory:
// columns of a power-of-two height in place, everything else kFftColBlock lines at a time through
// a small buffer (rows transposed into it).
// Plans are int records [n, kind, M, tw, chirp, bhat] (offsets into the table array); the tables
// are M/2 twiddles e^{−2πik/M} (radix-2, Bluestein), n roots e^{−2πik/n} (DFT), and for Bluestein
// the chirp w_j = e^{−πi j²/n} and DFT_M(b)/M with b_j = conj(w_j), b_{M−j} = b_j.
#pragma once
#include "hd.h"

namespace langevin {

enum class FftKind : int32_t { Radix2 = 0, Dft = 1, Bluestein = 2 };

// Largest non-power-of-two length done by the direct DFT. Measured on the x86-64 development
// machine (float, one thread, g++ -O3, one 2-D n×n transform): DFT 12: 2.8 µs, 20: 12.8 µs,
// 24: 20 µs, 28: 27 µs, 31: 40 µs; Bluestein 25: 21.6 µs, 28: 23 µs, 31: 27 µs — even at 24–25.
constexpr int kDftMaxN = 24;
constexpr int kFftColBlock = 16;


LANGEVIN_HD bool fft_is_pow2(int n) { return n > 0 && (n & (n - 1)) == 0; }
LANGEVIN_HD int fft_next_pow2(int n) {
  int p = 1;
  while (p < n) p <<= 1;
  return p;
}
LANGEVIN_HD FftKind fft_kind_for(int n) {
  return fft_is_pow2(n) ? FftKind::Radix2 : n <= kDftMaxN ? FftKind::Dft : FftKind::Bluestein;
}
LANGEVIN_HD int fft_pow2_len(int n) {
  const FftKind k = fft_kind_for(n);
  return k == FftKind::Radix2 ? n : k == FftKind::Bluestein ? fft_next_pow2(2 * n - 1) : 0;
}
// Entries of T the plan's tables take.
LANGEVIN_HD int fft_table_size(int n) {
  const int M = fft_pow2_len(n);
  switch (fft_kind_for(n)) {
    case FftKind::Radix2:
      return 2 * (M / 2);
    case FftKind::Dft:
      return 2 * n;
    case FftKind::Bluestein:
      return 2 * (M / 2) + 2 * n + 2 * M;
  }
  return 0;
}
// Entries of T one 1-D transform of length n needs as work space.
LANGEVIN_HD int fft_tmp_size(int n) {
  switch (fft_kind_for(n)) {
    case FftKind::Radix2:
      return 0;
    case FftKind::Dft:
      return 2 * n;
    case FftKind::Bluestein:
      return 2 * fft_pow2_len(n);
  }
  return 0;
}
// Work space (entries of T) of fft2d for an H×W array, besides the array itself.
LANGEVIN_HD int fft2d_work_size(int H, int W) {
  const int th = fft_tmp_size(H), tw = fft_tmp_size(W);
  return 2 * kFftColBlock * (H > W ? H : W) + kFftColBlock * (th > tw ? th : tw);
}

// One radix-2 butterfly on complex u, v: (u, v) ← (u + w·v, u − w·v); the _1 form for w = 1.
template <class T>
LANGEVIN_HD void fft_butterfly(T* u, T* v, T wr, T wi) {
  const T tr = v[0] * wr - v[1] * wi, ti = v[0] * wi + v[1] * wr;
  v[0] = u[0] - tr;
  v[1] = u[1] - ti;
  u[0] += tr;
  u[1] += ti;
}
template <class T>
LANGEVIN_HD void fft_butterfly_1(T* u, T* v) {
  const T vr = v[0], vi = v[1];
  v[0] = u[0] - vr;
  v[1] = u[1] - vi;
  u[0] += vr;
  u[1] += vi;
}

// In-place radix-2 FFT of length n (a power of two); tw: [tw_len/2] complex e^{−2πik/tw_len} for a
// multiple tw_len of n; conj: use conjugated twiddles (the unnormalised inverse transform).
template <class T>
LANGEVIN_HD void fft_radix2(T* a, int n, const T* tw, int tw_len, bool conj = false) {
  for (int i = 1, j = 0; i < n; ++i) {
    int bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const T r = a[2 * i], m = a[2 * i + 1];
      a[2 * i] = a[2 * j];
      a[2 * i + 1] = a[2 * j + 1];
      a[2 * j] = r;
      a[2 * j + 1] = m;
    }
  }
  if (n >= 2) {  // first pass: twiddle 1
    for (int i = 0; i < n; i += 2) fft_butterfly_1(a + 2 * i, a + 2 * i + 2);
  }
  const T sgn = conj ? T(-1) : T(1);
  for (int len = 4; len <= n; len <<= 1) {
    const int half = len >> 1, step = tw_len / len;
    for (int k = 0; k < half; ++k) {
      const T wr = tw[2 * k * step], wi = sgn * tw[2 * k * step + 1];
      for (int i = k; i < n; i += len) fft_butterfly(a + 2 * i, a + 2 * (i + half), wr, wi);
    }
  }
}

// Radix-2 FFT (n a power of two) along the columns of a row-major [n][w] complex array, all w
// columns at once: bit reversal swaps whole rows and each butterfly combines two whole rows, so
// the inner loops run over contiguous memory (vectorisable; no column copies).
template <class T>
LANGEVIN_HD void fft_radix2_cols(T* a, int n, int w, const T* tw, bool conj) {
  const size_t rw = static_cast<size_t>(2) * w;  // floats per row
  for (int i = 1, j = 0; i < n; ++i) {
    int bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      T* ri = a + i * rw;
      T* rj = a + j * rw;
      for (size_t t = 0; t < rw; ++t) {
        const T v = ri[t];
        ri[t] = rj[t];
        rj[t] = v;
      }
    }
  }
  const T sgn = conj ? T(-1) : T(1);
  for (int len = 2; len <= n; len <<= 1) {
    const int half = len >> 1, step = n / len;
    for (int i = 0; i < n; i += len)
      for (int k = 0; k < half; ++k) {
        const T wr = tw[2 * k * step], wi = sgn * tw[2 * k * step + 1];
        T* u = a + (i + k) * rw;
        T* v = a + (i + k + half) * rw;
        if (k == 0) {
          for (size_t t = 0; t < rw; ++t) {
            const T vt = v[t];
            v[t] = u[t] - vt;
            u[t] += vt;
          }
        } else {
          for (size_t t = 0; t < rw; t += 2) {
            const T tr = v[t] * wr - v[t + 1] * wi, ti = v[t] * wi + v[t + 1] * wr;
            v[t] = u[t] - tr;
            v[t + 1] = u[t + 1] - ti;
            u[t] += tr;
            u[t + 1] += ti;
          }
        }
      }
  }
}

template <class T>
LANGEVIN_HD void fft_conj(T* a, int n) {
  for (int i = 0; i < n; ++i) a[2 * i + 1] = -a[2 * i + 1];
}

// A plan is a record of kPlanInts ints, [n, kind, M, tw, chirp, bhat] with table offsets into a
// float (or double) table array, read where used (few live registers in the CUDA kernel).
constexpr int kPlanInts = 6;

// In-place forward (or unnormalised inverse) transforms of nb lines of length n = rec[0] held
// interleaved as buf[n][nb] (element j of line t at buf[2·(j·nb + t)]): every inner loop runs
// across the nb lines, over contiguous memory. tmp: nb · fft_tmp_size(n) entries.
template <class T>
LANGEVIN_HD void fft_lines(const int32_t* rec, const T* tables, T* buf, int nb, T* tmp, bool inverse) {
  const int n = rec[0];
  if (n <= 1) return;
  const FftKind kind = static_cast<FftKind>(rec[1]);
  const T* tw = tables + rec[3];
  if (kind == FftKind::Radix2) {
    fft_radix2_cols(buf, n, nb, tw, inverse);
    return;
  }
  const int row = 2 * nb;  // entries per element row
  if (inverse) fft_conj(buf, n * nb);
  if (kind == FftKind::Dft) {
    for (int k = 0; k < n; ++k) {
      T* o = tmp + k * row;
      for (int t = 0; t < row; ++t) o[t] = 0;
      int e = 0;  // (j·k) mod n
      for (int j = 0; j < n; ++j) {
        const T wr = tw[2 * e], wi = tw[2 * e + 1];
        const T* x = buf + j * row;
        for (int t = 0; t < row; t += 2) {
          o[t] += x[t] * wr - x[t + 1] * wi;
          o[t + 1] += x[t] * wi + x[t + 1] * wr;
        }
        e += k;
        if (e >= n) e -= n;
      }
    }
    for (int i = 0; i < n * row; ++i) buf[i] = tmp[i];
  } else {  // Bluestein through a length-M radix-2 transform of the nb lines at once
    const int M = rec[2];
    const T* chirp = tables + rec[4];
    for (int j = 0; j < n; ++j) {
      const T wr = chirp[2 * j], wi = chirp[2 * j + 1];
      const T* x = buf + j * row;
      T* o = tmp + j * row;
      for (int t = 0; t < row; t += 2) {
        o[t] = x[t] * wr - x[t + 1] * wi;
        o[t + 1] = x[t] * wi + x[t + 1] * wr;
      }
    }
    for (int i = n * row; i < M * row; ++i) tmp[i] = 0;
    fft_radix2_cols(tmp, M, nb, tw, false);
    const T* bhat = tables + rec[5];
    for (int k = 0; k < M; ++k) {  // × DFT(b)/M, conjugated for the inverse transform that follows
      const T br = bhat[2 * k], bi = bhat[2 * k + 1];
      T* o = tmp + k * row;
      for (int t = 0; t < row; t += 2) {
        const T xr = o[t], xi = o[t + 1];
        o[t] = xr * br - xi * bi;
        o[t + 1] = -(xr * bi + xi * br);
      }
    }
    fft_radix2_cols(tmp, M, nb, tw, false);  // conj(result) is the (scaled) circular convolution
    for (int k = 0; k < n; ++k) {
      const T wr = chirp[2 * k], wi = chirp[2 * k + 1];
      const T* c = tmp + k * row;
      T* o = buf + k * row;
      for (int t = 0; t < row; t += 2) {
        const T cr = c[t], ci = -c[t + 1];
        o[t] = cr * wr - ci * wi;
        o[t + 1] = cr * wi + ci * wr;
      }
    }
  }
  if (inverse) fft_conj(buf, n * nb);
}

// In-place transform of one line a[n complex]; tmp: fft_tmp_size(n). The same arithmetic per
// element as fft_lines with nb = 1, in plain loops (what the CUDA path of fft2d uses).
template <class T>
LANGEVIN_HD void fft1d(const int32_t* rec, const T* tables, T* a, T* tmp, bool inverse) {
  const int n = rec[0];
  if (n <= 1) return;
  const FftKind kind = static_cast<FftKind>(rec[1]);
  const T* tw = tables + rec[3];
  if (kind == FftKind::Radix2) {
    fft_radix2(a, n, tw, n, inverse);
    return;
  }
  if (inverse) fft_conj(a, n);
  if (kind == FftKind::Dft) {
    for (int k = 0; k < n; ++k) {
      T sr = 0, si = 0;
      int e = 0;  // (j·k) mod n
      for (int j = 0; j < n; ++j) {
        const T wr = tw[2 * e], wi = tw[2 * e + 1], xr = a[2 * j], xi = a[2 * j + 1];
        sr += xr * wr - xi * wi;
        si += xr * wi + xi * wr;
        e += k;
        if (e >= n) e -= n;
      }
      tmp[2 * k] = sr;
      tmp[2 * k + 1] = si;
    }
    for (int i = 0; i < 2 * n; ++i) a[i] = tmp[i];
  } else {
    const int M = rec[2];
    const T* chirp = tables + rec[4];
    for (int j = 0; j < n; ++j) {
      const T xr = a[2 * j], xi = a[2 * j + 1], wr = chirp[2 * j], wi = chirp[2 * j + 1];
      tmp[2 * j] = xr * wr - xi * wi;
      tmp[2 * j + 1] = xr * wi + xi * wr;
    }
    for (int j = 2 * n; j < 2 * M; ++j) tmp[j] = 0;
    fft_radix2(tmp, M, tw, M);
    const T* bhat = tables + rec[5];
    for (int k = 0; k < M; ++k) {
      const T xr = tmp[2 * k], xi = tmp[2 * k + 1], br = bhat[2 * k], bi = bhat[2 * k + 1];
      tmp[2 * k] = xr * br - xi * bi;
      tmp[2 * k + 1] = -(xr * bi + xi * br);
    }
    fft_radix2(tmp, M, tw, M);
    for (int k = 0; k < n; ++k) {
      const T cr = tmp[2 * k], ci = -tmp[2 * k + 1], wr = chirp[2 * k], wi = chirp[2 * k + 1];
      a[2 * k] = cr * wr - ci * wi;
      a[2 * k + 1] = cr * wi + ci * wr;
    }
  }
  if (inverse) fft_conj(a, n);
}

// In-place 2-D transform of a row-major [H][W] complex array, H = rec_h[0], W = rec_w[0];
// work: fft2d_work_size(H, W). On the host rows go kFftColBlock at a time through a transposed
// block buffer and fft_lines; columns of a power-of-two height in place (fft_radix2_cols over all
// W columns), other heights kFftColBlock columns at a time through the buffer.
template <class T>
LANGEVIN_HD void fft2d(T* a, const int32_t* rec_h, const int32_t* rec_w, const T* tables, T* work, bool inverse) {
  const int H = rec_h[0], W = rec_w[0];
  T* buf = work;
  T* tmp = work + 2 * kFftColBlock * (H > W ? H : W);
#if defined(__CUDA_ARCH__) || defined(LANGEVIN_FFT_LINEWISE)
  // One thread per chain: interleaving lines buys no vector units here and costs registers (the
  // fused kernel's occupancy), so lines go one by one — the same arithmetic per element.
  if (W > 1)
    for (int r = 0; r < H; ++r) fft1d(rec_w, tables, a + static_cast<size_t>(2) * r * W, tmp, inverse);
  if (H <= 1) return;
  for (int c = 0; c < W; ++c) {
    for (int r = 0; r < H; ++r) {
      buf[2 * r] = a[2 * (static_cast<size_t>(r) * W + c)];
      buf[2 * r + 1] = a[2 * (static_cast<size_t>(r) * W + c) + 1];
    }
    fft1d(rec_h, tables, buf, tmp, inverse);
    for (int r = 0; r < H; ++r) {
      a[2 * (static_cast<size_t>(r) * W + c)] = buf[2 * r];
      a[2 * (static_cast<size_t>(r) * W + c) + 1] = buf[2 * r + 1];
    }
  }
#else
  if (W > 1) {
    for (int r0 = 0; r0 < H; r0 += kFftColBlock) {
      const int nb = H - r0 < kFftColBlock ? H - r0 : kFftColBlock;
      for (int t = 0; t < nb; ++t) {  // buf[j][t] = a[r0 + t][j]
        const T* src = a + 2 * (static_cast<size_t>(r0 + t) * W);
        for (int j = 0; j < W; ++j) {
          buf[2 * (j * nb + t)] = src[2 * j];
          buf[2 * (j * nb + t) + 1] = src[2 * j + 1];
        }
      }
      fft_lines(rec_w, tables, buf, nb, tmp, inverse);
      for (int t = 0; t < nb; ++t) {
        T* dst = a + 2 * (static_cast<size_t>(r0 + t) * W);
        for (int j = 0; j < W; ++j) {
          dst[2 * j] = buf[2 * (j * nb + t)];
          dst[2 * j + 1] = buf[2 * (j * nb + t) + 1];
        }
      }
    }
  }
  if (H <= 1) return;
  if (static_cast<FftKind>(rec_h[1]) == FftKind::Radix2) {
    fft_radix2_cols(a, H, W, tables + rec_h[3], inverse);
    return;
  }
  for (int c0 = 0; c0 < W; c0 += kFftColBlock) {
    const int nb = W - c0 < kFftColBlock ? W - c0 : kFftColBlock;
    for (int r = 0; r < H; ++r) {  // buf[r][t] = a[r][c0 + t]
      const T* src = a + 2 * (static_cast<size_t>(r) * W + c0);
      T* dst = buf + 2 * r * nb;
      for (int t = 0; t < 2 * nb; ++t) dst[t] = src[t];
    }
    fft_lines(rec_h, tables, buf, nb, tmp, inverse);
    for (int r = 0; r < H; ++r) {
      const T* src = buf + 2 * r * nb;
      T* dst = a + 2 * (static_cast<size_t>(r) * W + c0);
      for (int t = 0; t < 2 * nb; ++t) dst[t] = src[t];
    }
  }
#endif
}

}  // namespace langevin

// SPDX-License-Identifier: MIT
// Likelihood gradient of y = A x + N(0, η² I): g = c · Aᵀ (y − A x), with c = 1/η² (times any
// annealing weight), for one chain's row.
//
// Operators:
//   Identity, Mask (inpainting: keep listed coordinates), Dense (m×d row-major matrix) — stored
//   directly in OperatorView::indices / ::matrix as before;
//   Blur, Downsample, Fourier, Compose — imaging operators on images x = [C][H][W] (row-major,
//   channel-major), stored as a small *program*: OperatorView::indices holds int records and
//   OperatorView::matrix the float tables they point into (built on the host by
//   operator_build.h, copied to the device as two flat arrays):
//     indices[0]                 number of stages n (1 for a plain operator, ≤ kMaxStages)
//     indices[1 + s·kStageInts…] stage s's record (fields StageField), s = 0 … n−1
//     further ints / floats      per-stage payloads at the offsets the records name.
//   A Compose applies its stages in order: A = A_n ∘ … ∘ A_1 (stage 0 acts on x first); the
//   adjoint runs them backwards. Stages may be Identity, Mask, Dense, Blur, Downsample, Fourier.
//
// Blur: (Ax)[c,i,j] = Σ_{a,b} k[a][b] · x[c, (i − a + ⌊kh/2⌋) mod H, (j − b + ⌊kw/2⌋) mod W]
//   (a circular convolution, kernel centred at (⌊kh/2⌋, ⌊kw/2⌋); the adjoint is the matching
//   correlation). Two methods, chosen on the host per operator (operator_build.h):
//   direct — O(kh·kw) per pixel, two passes (A x, then Aᵀ r);
//   FFT    — with K̂ = DFT(kernel embedded circularly in H×W), stored as floats:
//            Aᵀ(y − Ax) = F⁻¹(conj(K̂)·Ŷ − |K̂|²·X̂). x and y are real, so one complex transform
//            of z = x + i·y gives both X̂ and Ŷ (X̂_k = (Z_k + conj Z_−k)/2,
//            Ŷ_k = (Z_k − conj Z_−k)/(2i)); the product is Hermitian, so its inverse is real:
//            2 FFTs per channel per step, for a shared or a per-chain y alike.
// Downsample: average pooling over f×f blocks, (Ax)[c,p,q] = mean of x[c, fp…fp+f−1, fq…fq+f−1];
//   Aᵀ spreads each value / f² over its block.
// Fourier: unitary 2-D DFT per channel, X[c,u,v] = (1/√(HW)) Σ_{i,j} x[c,i,j] e^{−2πi(ui/H + vj/W)},
//   kept at S listed flat indices k_s = c·H·W + u·W + v; y = [Re X_{k_0}, Im X_{k_0}, Re X_{k_1}, …]
//   (m = 2S, in listed order). Aᵀ r = Re(zero-filled inverse unitary DFT). The payload stores the
//   (k_s, s) pairs sorted by k_s, so each channel's samples are contiguous.
#pragma once
#include "fft.h"
#include "hd.h"

// Keeps nvcc from replicating a loop body whose copies would only add register pressure.
#if defined(__CUDA_ARCH__)
#define LANGEVIN_NO_UNROLL _Pragma("unroll 1")
#else
#define LANGEVIN_NO_UNROLL
#endif

namespace langevin {

enum class OpKind : int32_t {
  None = 0,
  Identity = 1,
  Mask = 2,
  Dense = 3,
  Blur = 4,
  Downsample = 5,
  Fourier = 6,
  Compose = 7,
};

struct OperatorView {
  OpKind kind;
  int32_t m;               // measurements
  int32_t d;               // input dimension
  const int32_t* indices;  // mask: [m] kept coordinates, ascending; Blur…Compose: the int program
  const float* matrix;     // dense: [m*d] row-major; Blur…Compose: the float tables
};

constexpr int kMaxStages = 8;

// Fields of a stage record. Offsets are absolute: into OperatorView::indices (int payloads) and
// OperatorView::matrix (float payloads).
enum StageField : int {
  kStKind = 0,     // OpKind of the stage (Identity … Fourier)
  kStM = 1,        // output size
  kStD = 2,        // input size
  kStIntOff = 3,   // mask: [m] kept coordinates; fourier: [2S] sorted (flat index, y position) pairs
  kStIntLen = 4,
  kStFloatOff = 5, // dense: [m*d]; blur: kernel [kh*kw]
  kStFloatLen = 6,
  kStC = 7,
  kStH = 8,
  kStW = 9,
  kStKh = 10,
  kStKw = 11,
  kStMethod = 12,  // blur: 0 direct, 1 FFT
  kStFactor = 13,  // downsample
  kStSpecOff = 14, // blur FFT: K̂ [H*W complex]
  kStPlanH = 15,   // FFT plan records (kPlanInts each) for columns (length H) and rows (length W)
  kStPlanW = kStPlanH + kPlanInts,
  kStageInts = kStPlanW + kPlanInts,
};

// A view of one stage's record. Fields are read from the record where they are used (not all up
// front), which keeps register pressure of the fused CUDA kernel low.
struct Stage {
  const int32_t* rec;     // the stage's record (kStageInts fields)
  const int32_t* ints0;   // OperatorView::indices
  const float* floats0;   // OperatorView::matrix
  LANGEVIN_HD OpKind kind() const { return static_cast<OpKind>(rec[kStKind]); }
  LANGEVIN_HD int m() const { return rec[kStM]; }
  LANGEVIN_HD int d() const { return rec[kStD]; }
  LANGEVIN_HD int C() const { return rec[kStC]; }
  LANGEVIN_HD int H() const { return rec[kStH]; }
  LANGEVIN_HD int W() const { return rec[kStW]; }
  LANGEVIN_HD int kh() const { return rec[kStKh]; }
  LANGEVIN_HD int kw() const { return rec[kStKw]; }
  LANGEVIN_HD int method() const { return rec[kStMethod]; }
  LANGEVIN_HD int factor() const { return rec[kStFactor]; }
  LANGEVIN_HD int nints() const { return rec[kStIntLen]; }
  LANGEVIN_HD const int32_t* ints() const { return ints0 + rec[kStIntOff]; }
  LANGEVIN_HD const float* floats() const { return floats0 + rec[kStFloatOff]; }
  LANGEVIN_HD const float* spectrum() const { return floats0 + rec[kStSpecOff]; }
  LANGEVIN_HD const int32_t* ph() const { return rec + kStPlanH; }  // FFT plan of the columns (length H)
  LANGEVIN_HD const int32_t* pw() const { return rec + kStPlanW; }  // … and of the rows (length W)
};

LANGEVIN_HD bool op_is_program(OpKind k) { return static_cast<int>(k) >= static_cast<int>(OpKind::Blur); }
LANGEVIN_HD int op_stage_count(const OperatorView& op) { return op.indices[0]; }

LANGEVIN_HD Stage op_stage(const OperatorView& op, int s) {
  return Stage{op.indices + 1 + s * kStageInts, op.indices, op.matrix};
}

LANGEVIN_HD bool stage_uses_fft(const Stage& st) {
  return st.kind() == OpKind::Fourier || (st.kind() == OpKind::Blur && st.method() == 1);
}

// Scratch floats stage_forward / stage_adjoint need.
LANGEVIN_HD int stage_scratch_size(const Stage& st) {
  return stage_uses_fft(st) ? 2 * st.H() * st.W() + fft2d_work_size(st.H(), st.W()) : 0;
}

LANGEVIN_HD int imod(int a, int n) {
  const int r = a % n;
  return r < 0 ? r + n : r;
}

// One channel of the direct blur: out = k ⊛ x (adjoint = false) or the correlation kᵀ ⋆ x.
LANGEVIN_HD void blur_direct_channel(const float* x, float* out, int H, int W, const float* k, int kh, int kw,
                                     bool adjoint) {
  const int ch = kh / 2, cw = kw / 2;
  for (int i = 0; i < H; ++i) {
    float* o = out + static_cast<size_t>(i) * W;
    for (int j = 0; j < W; ++j) o[j] = 0.0f;
    for (int a = 0; a < kh; ++a) {
      const float* src = x + static_cast<size_t>(adjoint ? imod(i + a - ch, H) : imod(i - a + ch, H)) * W;
      const float* ka = k + a * kw;
      for (int b = 0; b < kw; ++b) {
        const float kv = ka[b];
        if (kv == 0.0f) continue;
        const int t = imod(b - cw, W);
        if (!adjoint) {  // o[j] += kv · src[(j − t) mod W]
          for (int j = 0; j < t; ++j) o[j] += kv * src[j - t + W];
          for (int j = t; j < W; ++j) o[j] += kv * src[j - t];
        } else {  // o[j] += kv · src[(j + t) mod W]
          for (int j = 0; j < W - t; ++j) o[j] += kv * src[j + t];
          for (int j = W - t; j < W; ++j) o[j] += kv * src[j + t - W];
        }
      }
    }
  }
}

// Point p of the FFT blur's spectral product: z_p ← K̂_p·z_p, or conj(K̂_p)·z_p (sgn = −1, adjoint).
LANGEVIN_HD void blur_spectrum_mul(const float* spec, int p, float sgn, float* z) {
  const float kr = spec[2 * p], ki = sgn * spec[2 * p + 1], zr = z[2 * p], zi = z[2 * p + 1];
  z[2 * p] = kr * zr - ki * zi;
  z[2 * p + 1] = kr * zi + ki * zr;
}

// Flat index of −k for k = u·W + v in an H×W spectrum.
LANGEVIN_HD int spectrum_neg_index(int u, int v, int H, int W) { return (u == 0 ? 0 : H - u) * W + (v == 0 ? 0 : W - v); }

// The fused FFT-blur gradient at one Hermitian pair (k, nk = −k, nk ≥ k): with Z = DFT(x + i·y),
// X̂_k = (Z_k + conj Z_−k)/2, Ŷ_k = (Z_k − conj Z_−k)/(2i); writes G_k = conj(K̂_k)·Ŷ_k − |K̂_k|²·X̂_k
// and G_−k = conj(G_k) over z_k, z_−k.
LANGEVIN_HD void blur_grad_pair(const float* spec, int k, int nk, float* z) {
  const float ar = z[2 * k], ai = z[2 * k + 1], br = z[2 * nk], bi = -z[2 * nk + 1];  // Z_k, conj Z_−k
  const float xr = 0.5f * (ar + br), xi = 0.5f * (ai + bi);                         // X̂_k
  const float yr = 0.5f * (ai - bi), yi = -0.5f * (ar - br);                        // Ŷ_k
  const float kr = spec[2 * k], ki = spec[2 * k + 1];
  const float k2 = kr * kr + ki * ki;
  const float gr = kr * yr + ki * yi - k2 * xr, gi = kr * yi - ki * yr - k2 * xi;
  z[2 * k] = gr;
  z[2 * k + 1] = gi;
  z[2 * nk] = gr;
  z[2 * nk + 1] = nk == k ? 0.0f : -gi;
}

// One channel of the FFT blur through z[2HW] (work after it): out = F⁻¹(K̂ F x) or F⁻¹(conj K̂ F x).
LANGEVIN_HD void blur_fft_channel(const Stage& st, const float* x, float* out, float* z, bool adjoint) {
  const int HW = st.H() * st.W();
  float* work = z + 2 * HW;
  for (int p = 0; p < HW; ++p) {
    z[2 * p] = x[p];
    z[2 * p + 1] = 0.0f;
  }
  fft2d(z, st.ph(), st.pw(), st.floats0, work, false);
  const float sgn = adjoint ? -1.0f : 1.0f;
  for (int p = 0; p < HW; ++p) blur_spectrum_mul(st.spectrum(), p, sgn, z);
  fft2d(z, st.ph(), st.pw(), st.floats0, work, true);
  const float inv = 1.0f / static_cast<float>(HW);
  for (int p = 0; p < HW; ++p) out[p] = inv * z[2 * p];
}

// Every channel of a blur stage, forward or adjoint, by FFT or direct convolution as planned.
LANGEVIN_HD void blur_stage(const Stage& st, const float* in, float* out, float* scratch, bool adjoint) {
  const int HW = st.H() * st.W();
  for (int c = 0; c < st.C(); ++c) {
    if (st.method() == 1)
      blur_fft_channel(st, in + static_cast<size_t>(c) * HW, out + static_cast<size_t>(c) * HW, scratch, adjoint);
    else
      blur_direct_channel(in + static_cast<size_t>(c) * HW, out + static_cast<size_t>(c) * HW, st.H(), st.W(), st.floats(),
                          st.kh(), st.kw(), adjoint);
  }
}

// Sum of the f×f block (p, q) of channel c of a Downsample stage's input image.
LANGEVIN_HD float pool_sum(const Stage& st, const float* img, int c, int p, int q) {
  const int f = st.factor();
  float s = 0.0f;
  for (int a = 0; a < f; ++a) {
    const float* row = img + (static_cast<size_t>(c) * st.H() + p * f + a) * st.W() + q * f;
    for (int b = 0; b < f; ++b) s += row[b];
  }
  return s;
}

// out[m] = A_s in[d].
LANGEVIN_HD void stage_forward(const Stage& st, const float* in, float* out, float* scratch) {
  switch (st.kind()) {
    case OpKind::Identity:
      for (int i = 0; i < st.d(); ++i) out[i] = in[i];
      break;
    case OpKind::Mask:
      for (int j = 0; j < st.m(); ++j) out[j] = in[st.ints()[j]];
      break;
    case OpKind::Dense:
      for (int j = 0; j < st.m(); ++j) {
        out[j] = dot4(st.floats() + static_cast<size_t>(j) * st.d(), in, st.d());
      }
      break;
    case OpKind::Blur:
      blur_stage(st, in, out, scratch, false);
      break;
    case OpKind::Downsample: {
      const int f = st.factor(), Ho = st.H() / f, Wo = st.W() / f;
      const float inv = 1.0f / static_cast<float>(f * f);
      for (int c = 0; c < st.C(); ++c)
        for (int p = 0; p < Ho; ++p)
          for (int q = 0; q < Wo; ++q) out[(static_cast<size_t>(c) * Ho + p) * Wo + q] = pool_sum(st, in, c, p, q) * inv;
      break;
    }
    case OpKind::Fourier: {
      const int HW = st.H() * st.W(), S = st.nints() / 2;
      const float scale = 1.0f / sqrtf(static_cast<float>(HW));
      float* z = scratch;
      float* work = z + 2 * HW;
      int s = 0;
      for (int c = 0; c < st.C() && s < S; ++c) {
        if (st.ints()[2 * s] >= (c + 1) * HW) continue;  // no samples in this channel
        const float* xc = in + static_cast<size_t>(c) * HW;
        for (int p = 0; p < HW; ++p) {
          z[2 * p] = xc[p];
          z[2 * p + 1] = 0.0f;
        }
        fft2d(z, st.ph(), st.pw(), st.floats0, work, false);
        for (; s < S && st.ints()[2 * s] < (c + 1) * HW; ++s) {
          const int k = st.ints()[2 * s] - c * HW, pos = st.ints()[2 * s + 1];
          out[2 * pos] = scale * z[2 * k];
          out[2 * pos + 1] = scale * z[2 * k + 1];
        }
      }
      break;
    }
    default:
      break;
  }
}

// out[d] = A_sᵀ in[m].
LANGEVIN_HD void stage_adjoint(const Stage& st, const float* in, float* out, float* scratch) {
  switch (st.kind()) {
    case OpKind::Identity:
      for (int i = 0; i < st.d(); ++i) out[i] = in[i];
      break;
    case OpKind::Mask:
      for (int i = 0; i < st.d(); ++i) out[i] = 0.0f;
      for (int j = 0; j < st.m(); ++j) out[st.ints()[j]] = in[j];
      break;
    case OpKind::Dense:
      for (int i = 0; i < st.d(); ++i) out[i] = 0.0f;
      for (int j = 0; j < st.m(); ++j) {
        const float* Aj = st.floats() + static_cast<size_t>(j) * st.d();
        const float rj = in[j];
        for (int i = 0; i < st.d(); ++i) out[i] += Aj[i] * rj;
      }
      break;
    case OpKind::Blur:
      blur_stage(st, in, out, scratch, true);
      break;
    case OpKind::Downsample: {
      const int f = st.factor(), Ho = st.H() / f, Wo = st.W() / f;
      const float inv = 1.0f / static_cast<float>(f * f);
      for (int c = 0; c < st.C(); ++c)
        for (int i = 0; i < st.H(); ++i) {
          const float* src = in + (static_cast<size_t>(c) * Ho + i / f) * Wo;
          float* row = out + (static_cast<size_t>(c) * st.H() + i) * st.W();
          for (int j = 0; j < st.W(); ++j) row[j] = src[j / f] * inv;
        }
      break;
    }
    case OpKind::Fourier: {
      const int HW = st.H() * st.W(), S = st.nints() / 2;
      const float scale = 1.0f / sqrtf(static_cast<float>(HW));
      float* z = scratch;
      float* work = z + 2 * HW;
      int s = 0;
      for (int c = 0; c < st.C(); ++c) {
        float* oc = out + static_cast<size_t>(c) * HW;
        if (s >= S || st.ints()[2 * s] >= (c + 1) * HW) {  // no samples in this channel
          for (int p = 0; p < HW; ++p) oc[p] = 0.0f;
          continue;
        }
        for (int p = 0; p < 2 * HW; ++p) z[p] = 0.0f;
        for (; s < S && st.ints()[2 * s] < (c + 1) * HW; ++s) {
          const int k = st.ints()[2 * s] - c * HW, pos = st.ints()[2 * s + 1];
          z[2 * k] = in[2 * pos];
          z[2 * k + 1] = in[2 * pos + 1];
        }
        fft2d(z, st.ph(), st.pw(), st.floats0, work, true);
        for (int p = 0; p < HW; ++p) oc[p] = scale * z[2 * p];
      }
      break;
    }
    default:
      break;
  }
}

// ---- fused gradients of single-stage imaging operators ------------------------------------------

// Scratch floats stage_grad needs.
LANGEVIN_HD int stage_grad_scratch_size(const Stage& st) {
  if (st.kind() == OpKind::Blur && st.method() == 0) return st.H() * st.W();
  return stage_scratch_size(st);
}

// g = c · A_sᵀ(y − A_s x) for a Blur, Downsample or Fourier stage.
LANGEVIN_HD void stage_grad(const Stage& st, const float* x, const float* y, float c, float* g, float* scratch) {
  const int HW = st.H() * st.W();
  switch (st.kind()) {
    case OpKind::Blur: {
      if (st.method() == 0) {
        float* r = scratch;
        for (int ch = 0; ch < st.C(); ++ch) {
          const size_t off = static_cast<size_t>(ch) * HW;
          blur_direct_channel(x + off, r, st.H(), st.W(), st.floats(), st.kh(), st.kw(), false);
          for (int p = 0; p < HW; ++p) r[p] = c * (y[off + p] - r[p]);
          blur_direct_channel(r, g + off, st.H(), st.W(), st.floats(), st.kh(), st.kw(), true);
        }
        break;
      }
      float* z = scratch;
      float* work = z + 2 * HW;
      const int H = st.H(), W = st.W();
      const float scale = c / static_cast<float>(HW);
      for (int ch = 0; ch < st.C(); ++ch) {
        const size_t off = static_cast<size_t>(ch) * HW;
        for (int p = 0; p < HW; ++p) {
          z[2 * p] = x[off + p];
          z[2 * p + 1] = y[off + p];
        }
        fft2d(z, st.ph(), st.pw(), st.floats0, work, false);
        // Pairs (k, −k): G_k = conj(K̂_k)·Ŷ_k − |K̂_k|²·X̂_k, G_−k = conj(G_k).
        for (int u = 0; u < H; ++u)
          for (int v = 0; v < W; ++v) {
            const int k = u * W + v, nk = spectrum_neg_index(u, v, H, W);
            if (nk >= k) blur_grad_pair(st.spectrum(), k, nk, z);
          }
        fft2d(z, st.ph(), st.pw(), st.floats0, work, true);
        for (int p = 0; p < HW; ++p) g[off + p] = scale * z[2 * p];
      }
      break;
    }
    case OpKind::Downsample: {
      const int f = st.factor(), Ho = st.H() / f, Wo = st.W() / f;
      const float inv = 1.0f / static_cast<float>(f * f);
      for (int ch = 0; ch < st.C(); ++ch)
        for (int p = 0; p < Ho; ++p)
          for (int q = 0; q < Wo; ++q) {
            const float r = c * (y[(static_cast<size_t>(ch) * Ho + p) * Wo + q] - pool_sum(st, x, ch, p, q) * inv) * inv;
            for (int a = 0; a < f; ++a) {
              float* row = g + (static_cast<size_t>(ch) * st.H() + p * f + a) * st.W() + q * f;
              for (int b = 0; b < f; ++b) row[b] = r;
            }
          }
      break;
    }
    case OpKind::Fourier: {
      const int S = st.nints() / 2;
      const float scale = 1.0f / sqrtf(static_cast<float>(HW));
      float* z = scratch;
      float* work = z + 2 * HW;
      int s = 0;
      for (int ch = 0; ch < st.C(); ++ch) {
        const size_t off = static_cast<size_t>(ch) * HW;
        if (s >= S || st.ints()[2 * s] >= (ch + 1) * HW) {
          for (int p = 0; p < HW; ++p) g[off + p] = 0.0f;
          continue;
        }
        for (int p = 0; p < HW; ++p) {
          z[2 * p] = x[off + p];
          z[2 * p + 1] = 0.0f;
        }
        fft2d(z, st.ph(), st.pw(), st.floats0, work, false);
        // Residuals in place at the (sorted, distinct) samples; zero elsewhere.
        int next = 0;
        for (; s < S && st.ints()[2 * s] < (ch + 1) * HW; ++s) {
          const int k = st.ints()[2 * s] - ch * HW, pos = st.ints()[2 * s + 1];
          for (int p = 2 * next; p < 2 * k; ++p) z[p] = 0.0f;
          z[2 * k] = c * (y[2 * pos] - scale * z[2 * k]);
          z[2 * k + 1] = c * (y[2 * pos + 1] - scale * z[2 * k + 1]);
          next = k + 1;
        }
        for (int p = 2 * next; p < 2 * HW; ++p) z[p] = 0.0f;
        fft2d(z, st.ph(), st.pw(), st.floats0, work, true);
        for (int p = 0; p < HW; ++p) g[off + p] = scale * z[2 * p];
      }
      break;
    }
    default:
      break;
  }
}

// ---- whole operators ------------------------------------------------------------------------------

// Largest intermediate vector of a composition (the outputs of its stages).
LANGEVIN_HD int compose_buffer_size(const OperatorView& op) {
  int mx = 0;
  for (int s = 0; s < op_stage_count(op); ++s) {
    const int m = op_stage(op, s).m();
    mx = m > mx ? m : mx;
  }
  return mx;
}

// A composition's work space: two ping-pong buffers for the stages' outputs and the largest
// stage scratch.
LANGEVIN_HD int compose_scratch_size(const OperatorView& op) {
  int st = 0;
  for (int s = 0; s < op_stage_count(op); ++s) {
    const int n = stage_scratch_size(op_stage(op, s));
    st = n > st ? n : st;
  }
  return 2 * compose_buffer_size(op) + st;
}

// A composition's forward pass: stage s writes its output to buffer s & 1 of `scratch` and reads
// its input from the other one (x for stage 0). Returns the buffer holding A x.
LANGEVIN_HD float* compose_forward(const OperatorView& op, const float* x, float* scratch) {
  const int n = op_stage_count(op), nb = compose_buffer_size(op);
  float* work = scratch + 2 * nb;
  LANGEVIN_NO_UNROLL
  for (int s = 0; s < n; ++s)
    stage_forward(op_stage(op, s), s == 0 ? x : scratch + ((s + 1) & 1) * nb, scratch + (s & 1) * nb, work);
  return scratch + ((n - 1) & 1) * nb;
}

// Scratch floats lik_grad_row needs per chain.
LANGEVIN_HD int lik_scratch_size(const OperatorView& op) {
  switch (op.kind) {
    case OpKind::Dense:
      return op.m;
    case OpKind::Blur:
    case OpKind::Downsample:
    case OpKind::Fourier:
      return stage_grad_scratch_size(op_stage(op, 0));
    case OpKind::Compose:
      return compose_scratch_size(op);
    default:
      return 0;
  }
}

// Dense A (m×d, row-major): g = c Aᵀ(y − A x). A x by 8-lane dot products; Aᵀ r four rows of A
// per pass over g, so each load and store of g serves four rows (g_i still adds the rows in order
// j = 0, 1, …). r: scratch [m].
LANGEVIN_HD void dense_grad_row(const float* A, int m, int d, const float* x, const float* y, float c, float* g,
                                float* r) {
  for (int j = 0; j < m; ++j) r[j] = c * (y[j] - dot8(A + static_cast<size_t>(j) * d, x, d));
  for (int i = 0; i < d; ++i) g[i] = 0.0f;
  int j = 0;
  for (; j + 4 <= m; j += 4) {
    const float* A0 = A + static_cast<size_t>(j) * d;
    const float *A1 = A0 + d, *A2 = A1 + d, *A3 = A2 + d;
    const float r0 = r[j], r1 = r[j + 1], r2 = r[j + 2], r3 = r[j + 3];
    for (int i = 0; i < d; ++i) g[i] = (((g[i] + A0[i] * r0) + A1[i] * r1) + A2[i] * r2) + A3[i] * r3;
  }
  for (; j < m; ++j) {
    const float* Aj = A + static_cast<size_t>(j) * d;
    const float rj = r[j];
    for (int i = 0; i < d; ++i) g[i] += Aj[i] * rj;
  }
}

// g[d] = c Aᵀ(y − A x) for one chain. y: that chain's [m] observation.
LANGEVIN_HD void lik_grad_row(const OperatorView& op, const float* x, const float* y, float c, float* g,
                              float* scratch) {
  const int d = op.d, m = op.m;
  switch (op.kind) {
    case OpKind::None:
      for (int i = 0; i < d; ++i) g[i] = 0.0f;
      break;
    case OpKind::Identity:
      for (int i = 0; i < d; ++i) g[i] = c * (y[i] - x[i]);
      break;
    case OpKind::Mask:
      for (int i = 0; i < d; ++i) g[i] = 0.0f;
      for (int j = 0; j < m; ++j) g[op.indices[j]] = c * (y[j] - x[op.indices[j]]);
      break;
    case OpKind::Dense:
      dense_grad_row(op.matrix, m, d, x, y, c, g, scratch);
      break;
    case OpKind::Blur:
    case OpKind::Downsample:
    case OpKind::Fourier:
      stage_grad(op_stage(op, 0), x, y, c, g, scratch);
      break;
    case OpKind::Compose: {
      // The forward pass ping-pongs between two buffers; the adjoint runs them backwards (Aᵀ of
      // stage 0 writes g).
      const int n = op_stage_count(op), nb = compose_buffer_size(op);
      float* work = scratch + 2 * nb;
      float* r = compose_forward(op, x, scratch);
      for (int j = 0; j < m; ++j) r[j] = c * (y[j] - r[j]);
      LANGEVIN_NO_UNROLL
      for (int s = n - 1; s >= 0; --s)
        stage_adjoint(op_stage(op, s), scratch + (s & 1) * nb, s == 0 ? g : scratch + ((s + 1) & 1) * nb, work);
      break;
    }
  }
}

// Scratch floats lik_residual_sq_row needs per chain: the image of x, and the stages' own work
// space (compositions ping-pong between two buffers, as in lik_grad_row).
LANGEVIN_HD int lik_residual_scratch_size(const OperatorView& op) {
  switch (op.kind) {
    case OpKind::Dense:
      return 0;
    case OpKind::Blur:
    case OpKind::Downsample:
    case OpKind::Fourier:
      return op.m + stage_scratch_size(op_stage(op, 0));
    case OpKind::Compose:
      return compose_scratch_size(op);
    default:
      return 0;
  }
}

// ‖A x − y‖² for one chain (0 without an operator): the likelihood's energy is c/2 times this.
// Forward only; accumulated in double (images have thousands of terms).
LANGEVIN_HD float lik_residual_sq_row(const OperatorView& op, const float* x, const float* y, float* scratch) {
  const int d = op.d, m = op.m;
  double ss = 0.0;
  switch (op.kind) {
    case OpKind::None:
      break;
    case OpKind::Identity:
      for (int i = 0; i < d; ++i) ss += static_cast<double>(x[i] - y[i]) * (x[i] - y[i]);
      break;
    case OpKind::Mask:
      for (int j = 0; j < m; ++j) ss += static_cast<double>(x[op.indices[j]] - y[j]) * (x[op.indices[j]] - y[j]);
      break;
    case OpKind::Dense:
      for (int j = 0; j < m; ++j) {
        const float r = dot8(op.matrix + static_cast<size_t>(j) * d, x, d) - y[j];
        ss += static_cast<double>(r) * r;
      }
      break;
    case OpKind::Blur:
    case OpKind::Downsample:
    case OpKind::Fourier: {
      stage_forward(op_stage(op, 0), x, scratch, scratch + m);
      for (int j = 0; j < m; ++j) ss += static_cast<double>(scratch[j] - y[j]) * (scratch[j] - y[j]);
      break;
    }
    case OpKind::Compose: {
      const float* ax = compose_forward(op, x, scratch);
      for (int j = 0; j < m; ++j) ss += static_cast<double>(ax[j] - y[j]) * (ax[j] - y[j]);
      break;
    }
  }
  return static_cast<float>(ss);
}

}  // namespace langevin

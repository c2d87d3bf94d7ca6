// SPDX-License-Identifier: MIT
// Our own tiled SGEMM, written once for nvcc and the SIMT emulation (portable.cuh): the fallback
// when cuBLAS is absent, and what CI runs. Row-major, strided-batched (blockIdx.z = batch):
//   C_b = alpha · op(A_b) · op(B_b) + beta · C_b,   op(A) [M,K], op(B) [K,N], C [M,N]
// with BLAS semantics (beta = 0: C is not read, so it may hold garbage or NaN).
// Layout: a block of kGemmThreads threads owns a kGemmBM × kGemmBN tile of C; per pass it stages
// a BK-deep slice of op(A) and op(B) in shared memory (k-major, so the inner loop reads rows of
// both) and each thread accumulates a kGemmTM × kGemmTN register block of contiguous rows and
// columns, so each k reads its 4 + 4 operands as two 128-bit shared loads: 3 shared wavefronts
// per warp for 16 FMAs a thread, under the FMA pipe's 4 cycles (4 scalar loads of each would
// take 8 wavefronts and halve the kernel's speed).
// Global loads walk the contiguous dimension of each operand, so they coalesce for both
// transposes. Boundary tiles load zeros and skip stores. Plain FP32 FMAs, no TF32/tensor cores:
// each output sums its K products in order k = 0, 1, …, like the core's loops (up to FMA).
// Included inside the backend's namespace, after portable.cuh.
#pragma once

constexpr int kGemmBM = 64, kGemmBN = 64, kGemmBK = 16;
constexpr int kGemmTM = 4, kGemmTN = 4;
constexpr int kGemmTX = kGemmBN / kGemmTN, kGemmTY = kGemmBM / kGemmTM;  // 16 × 16
constexpr int kGemmThreads = kGemmTX * kGemmTY;                        // 256
// Shared floats: the two slices, rows padded by 4 (keeps rows 16-byte aligned for load4, spreads
// banks on the transposing stores).
constexpr int kGemmLdA = kGemmBM + 4, kGemmLdB = kGemmBN + 4;
constexpr int kGemmSharedFloats = kGemmBK * (kGemmLdA + kGemmLdB);

static_assert(kGemmTM == 4 && kGemmTN == 4, "load4 reads 4-wide register blocks");

// Four consecutive shared floats at a 16-byte aligned address: one 128-bit load on the GPU.
LANGEVIN_DEV void load4(const float* p, float (&v)[4]) {
#if defined(__CUDACC__)
  const float4 t = *reinterpret_cast<const float4*>(p);
  v[0] = t.x;
  v[1] = t.y;
  v[2] = t.z;
  v[3] = t.w;
#else
  for (int j = 0; j < 4; ++j) v[j] = p[j];
#endif
}

struct GemmArgs {
  int32_t M, N, K;
  int32_t trans_a, trans_b;  // op(X) = Xᵀ when set (X then stored [K,M] / [N,K])
  float alpha, beta;
  const float* A;
  int32_t lda;
  int64_t stride_a;  // floats between batches
  const float* B;
  int32_t ldb;
  int64_t stride_b;
  float* C;
  int32_t ldc;
  int64_t stride_c;
  int32_t batch;
};

__global__ void gemm_tiled(GemmArgs g) {
  float* As = shared_mem<float>();      // [BK][LdA]: As[k][m] = op(A)[row0 + m][k0 + k]
  float* Bs = As + kGemmBK * kGemmLdA;  // [BK][LdB]: Bs[k][n] = op(B)[k0 + k][col0 + n]
  const int tid = threadIdx.x, tx = tid % kGemmTX, ty = tid / kGemmTX;
  const int row0 = blockIdx.x * kGemmBM, col0 = blockIdx.y * kGemmBN;
  const int64_t b = blockIdx.z;
  const float* A = g.A + b * g.stride_a;
  const float* B = g.B + b * g.stride_b;
  float* C = g.C + b * g.stride_c;
  float acc[kGemmTM][kGemmTN];
  LANGEVIN_UNROLL
  for (int i = 0; i < kGemmTM; ++i)
    LANGEVIN_UNROLL
    for (int j = 0; j < kGemmTN; ++j) acc[i][j] = 0.0f;
  for (int k0 = 0; k0 < g.K; k0 += kGemmBK) {
    for (int e = tid; e < kGemmBM * kGemmBK; e += kGemmThreads) {
      // Consecutive threads take consecutive addresses of A: k fastest unless A is transposed.
      const int m = g.trans_a ? e % kGemmBM : e / kGemmBK, k = g.trans_a ? e / kGemmBM : e % kGemmBK;
      const int r = row0 + m, kk = k0 + k;
      float v = 0.0f;
      if (r < g.M && kk < g.K)
        v = g.trans_a ? A[static_cast<int64_t>(kk) * g.lda + r] : A[static_cast<int64_t>(r) * g.lda + kk];
      As[k * kGemmLdA + m] = v;
    }
    for (int e = tid; e < kGemmBK * kGemmBN; e += kGemmThreads) {
      const int n = g.trans_b ? e / kGemmBK : e % kGemmBN, k = g.trans_b ? e % kGemmBK : e / kGemmBN;
      const int c = col0 + n, kk = k0 + k;
      float v = 0.0f;
      if (c < g.N && kk < g.K)
        v = g.trans_b ? B[static_cast<int64_t>(c) * g.ldb + kk] : B[static_cast<int64_t>(kk) * g.ldb + c];
      Bs[k * kGemmLdB + n] = v;
    }
    __syncthreads();
    LANGEVIN_UNROLL
    for (int k = 0; k < kGemmBK; ++k) {
      float a[kGemmTM], bv[kGemmTN];
      load4(As + k * kGemmLdA + ty * kGemmTM, a);
      load4(Bs + k * kGemmLdB + tx * kGemmTN, bv);
      LANGEVIN_UNROLL
      for (int i = 0; i < kGemmTM; ++i)
        LANGEVIN_UNROLL
        for (int j = 0; j < kGemmTN; ++j) acc[i][j] += a[i] * bv[j];
    }
    __syncthreads();  // the slices are read before the next pass overwrites them
  }
  LANGEVIN_UNROLL
  for (int i = 0; i < kGemmTM; ++i) {
    const int r = row0 + ty * kGemmTM + i;
    if (r >= g.M) continue;
    LANGEVIN_UNROLL
    for (int j = 0; j < kGemmTN; ++j) {
      const int c = col0 + tx * kGemmTN + j;
      if (c >= g.N) continue;
      float* out = C + static_cast<int64_t>(r) * g.ldc + c;
      *out = g.beta == 0.0f ? g.alpha * acc[i][j] : g.alpha * acc[i][j] + g.beta * *out;
    }
  }
}

// Launch shape of gemm_tiled: M tiles on x (no 65535 limit: M is the chain count), N tiles on y.
inline dim3 gemm_grid(const GemmArgs& g) {
  return dim3(static_cast<unsigned>((g.M + kGemmBM - 1) / kGemmBM), static_cast<unsigned>((g.N + kGemmBN - 1) / kGemmBN),
              static_cast<unsigned>(g.batch));
}

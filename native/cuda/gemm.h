// SPDX-License-Identifier: MIT
// One GEMM call for the GPU runner: the policy's BLAS when it has one (CudaPolicy: cuBLAS loaded
// at run time, see cublas_dl.h), else our tiled kernel (kernels/gemm.cuh). Asynchronous: it only
// queues work. Include after kernels/gemm.cuh, inside the same namespace.
#pragma once

template <class Policy>
void gemm(const GemmArgs& g) {
  if (g.M <= 0 || g.N <= 0 || g.batch <= 0) return;
  if (Policy::blas_gemm(g)) return;
  Policy::launch(gemm_grid(g), dim3(kGemmThreads), sizeof(float) * kGemmSharedFloats, gemm_tiled, g);
}

// Row-major C[M,N] = alpha · op(A) op(B) + beta · C, one matrix (no batch).
template <class Policy>
void gemm(int M, int N, int K, bool trans_a, bool trans_b, float alpha, const float* A, int lda, const float* B,
          int ldb, float beta, float* C, int ldc) {
  gemm<Policy>(GemmArgs{M, N, K, trans_a ? 1 : 0, trans_b ? 1 : 0, alpha, beta, A, lda, 0, B, ldb, 0, C, ldc, 0, 1});
}

// SPDX-License-Identifier: MIT
// cuBLAS without a link-time dependency: libcublas is opened with dlopen on first use and the
// three entry points we call are declared here (the toolkit on the build machine has no cuBLAS
// headers, and the addon must load where cuBLAS is absent). LANGEVIN_GEMM=own forces our tiled
// kernel, LANGEVIN_GEMM=cublas requires cuBLAS (an error if it cannot be loaded); unset, cuBLAS is
// used when it loads, else our kernel. Math mode: pedantic (no TF32, no reduced-precision reductions), so results
// stay within float tolerance of the CPU like our kernel's.
// All calls go to the legacy default stream, like our <<<>>> launches: ordered, no synchronise.
#pragma once
#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace langevin {

class CublasDl {
 public:
  // Row-major C_b = alpha op(A_b) op(B_b) + beta C_b for b < batch (see kernels/gemm.cuh), as the
  // column-major product C_bᵀ = op(B_b)ᵀ op(A_b)ᵀ. False when cuBLAS is not in use: the caller
  // runs its own kernel. LANGEVIN_GEMM is read on every call (cheap), so a benchmark can switch.
  static bool gemm(int M, int N, int K, bool ta, bool tb, float alpha, const float* A, int lda, int64_t sa,
                   const float* B, int ldb, int64_t sb, float beta, float* C, int ldc, int64_t sc, int batch) {
    const char* env = std::getenv("LANGEVIN_GEMM");
    const std::string want = env != nullptr ? env : "";
    if (want == "own") return false;
    if (!want.empty() && want != "cublas")
      throw std::runtime_error("LANGEVIN_GEMM must be 'own' or 'cublas', got '" + want + "'");
    const CublasDl& lib = instance();
    if (lib.handle_ == nullptr) {
      if (want == "cublas") throw std::runtime_error("LANGEVIN_GEMM=cublas but cuBLAS is unavailable: " + lib.why_);
      return false;
    }
    const int st = lib.sgemm_(lib.handle_, tb ? kOpT : kOpN, ta ? kOpT : kOpN, N, M, K, &alpha, B, ldb, sb, A, lda, sa,
                              &beta, C, ldc, sc, batch);
    if (st != 0) throw std::runtime_error("cublasSgemmStridedBatched failed with status " + std::to_string(st));
    return true;
  }

 private:
  using Handle = void*;
  static constexpr int kOpN = 0, kOpT = 1, kPedanticMath = 2;  // cublasOperation_t, cublasMath_t values
  using CreateFn = int (*)(Handle*);
  using MathFn = int (*)(Handle, int);
  using SgemmFn = int (*)(Handle, int, int, int, int, int, const float*, const float*, int, long long, const float*,
                          int, long long, const float*, float*, int, long long, int);

  // Loaded once per process (thread-safe static); the library and handle live until exit. One
  // handle serves every phase: all its calls go to the same default stream.
  static const CublasDl& instance() {
    static const CublasDl lib;
    return lib;
  }
  CublasDl() { why_ = load(); }

  // Empty on success, else why cuBLAS is not used (handle_ stays null).
  std::string load() {
    void* lib = nullptr;
    for (const char* name : {"libcublas.so", "libcublas.so.13", "libcublas.so.12"})
      if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL)) != nullptr) break;
    if (lib == nullptr) return "dlopen(libcublas.so) failed";
    const auto create = reinterpret_cast<CreateFn>(dlsym(lib, "cublasCreate_v2"));
    const auto math = reinterpret_cast<MathFn>(dlsym(lib, "cublasSetMathMode"));
    const auto sgemm = reinterpret_cast<SgemmFn>(dlsym(lib, "cublasSgemmStridedBatched"));
    if (create == nullptr || math == nullptr || sgemm == nullptr) return "libcublas lacks the entry points we use";
    Handle h = nullptr;
    if (create(&h) != 0) return "cublasCreate failed";
    if (math(h, kPedanticMath) != 0) return "cublasSetMathMode(PEDANTIC) failed";
    handle_ = h;
    sgemm_ = sgemm;
    return "";
  }

  Handle handle_ = nullptr;
  SgemmFn sgemm_ = nullptr;
  std::string why_;
};

}  // namespace langevin

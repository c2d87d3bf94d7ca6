// SPDX-License-Identifier: MIT
// N-API module: a flat set of functions, typed exactly in lib/engine/nativeTypes.ts.
#include <napi.h>

#include "../cpu/cpu_backend.h"
#include "../cuda/cuda_backend.h"
#include "phase_worker.h"

namespace langevin {

namespace {

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
#ifdef LANGEVIN_WITH_CUDA
  o.Set("cuda", true);
#else
  o.Set("cuda", false);
#endif
  o.Set("cpuThreads", cpu_default_threads());
  o.Set("napiVersion", NAPI_VERSION);
  return o;
}

// { count, name?, capability?, freeBytes?, totalBytes?, driverVersion?, runtimeVersion?, error? }
Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
#ifdef LANGEVIN_WITH_CUDA
  const int count = cuda_device_count();
  o.Set("count", count);
  if (count > 0) {
    try {
      const CudaDeviceInfo d = cuda_device_info();
      o.Set("name", d.name);
      o.Set("capability", std::to_string(d.major) + "." + std::to_string(d.minor));
      o.Set("freeBytes", static_cast<double>(d.free_bytes));
      o.Set("totalBytes", static_cast<double>(d.total_bytes));
      o.Set("driverVersion", d.driver_version);
      o.Set("runtimeVersion", d.runtime_version);
    } catch (const std::exception& e) {
      o.Set("error", e.what());
    }
  }
#else
  o.Set("count", 0);
#endif
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
  exports.Set("cudaInfo", Napi::Function::New(env, CudaInfo, "cudaInfo"));
  exports.Set("runPhase", Napi::Function::New(env, RunPhase, "runPhase"));
  exports.Set("draw", Napi::Function::New(env, Draw, "draw"));
  exports.Set("logDensity", Napi::Function::New(env, LogDensity, "logDensity"));
  return exports;
}

}  // namespace

}  // namespace langevin

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return langevin::Init(env, exports); }
NODE_API_MODULE(langevin, InitModule)

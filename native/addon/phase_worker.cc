// SPDX-License-Identifier: MIT
#include "phase_worker.h"

#include <atomic>
#include <memory>
#include <new>
#include <utility>

#include "../cpu/cpu_backend.h"
#include "../cuda/cuda_backend.h"
#include "../simt/simt_backend.h"
#include "marshal.h"

namespace langevin {

namespace {

struct ProgressEvent {
  int done, total;
};

std::unique_ptr<PhaseRunner> MakeRunner(const std::string& device, PhaseJob& job) {
  if (device == "cpu") return make_cpu_runner(job);
  if (device == "simt") return make_simt_runner(job);  // tests only: the GPU kernels, emulated
#ifdef LANGEVIN_WITH_CUDA
  if (device == "cuda") return make_cuda_runner(job);
#endif
  throw std::runtime_error("device '" + device + "' is unsupported by this build");
}

// An AsyncWorker that settles a promise. OnOK/OnError may run while a worker thread's env is being
// torn down; then JS calls fail and there is nobody left to receive the result, so the failure is
// swallowed, never rethrown.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* name) : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }
  void OnError(const Napi::Error& e) override {
    try {
      deferred_.Reject(e.Value());
    } catch (const Napi::Error&) {
    }
  }

 protected:
  // Builds the result on the JS thread and resolves with it.
  // If building the result fails (allocating it can fail under a memory limit), the promise is
  // rejected with E_OOM so it still settles and the caller releases the phase slot.
  template <class Build>
  void ResolveWith(Build build) {
    try {
      deferred_.Resolve(build(Env()));
    } catch (const Napi::Error&) {
      RejectOom();
    } catch (const std::bad_alloc&) {
      RejectOom();
    }
  }

 private:
  void RejectOom() {
    try {
      Napi::HandleScope scope(Env());
      deferred_.Reject(Napi::Error::New(Env(), "E_OOM: cannot allocate the phase result").Value());
    } catch (...) {
    }
  }

 protected:

 private:
  Napi::Promise::Deferred deferred_;
};

// A typed array holding a copy of v.
template <class Array, class T>
Array CopyOut(Napi::Env env, const std::vector<T>& v) {
  auto a = Array::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

// Errors cross to JS as "<CODE>: message" and lib/engine/native.ts turns them into LangevinErrors.
class PhaseWorker final : public PromiseWorker {
 public:
  PhaseWorker(Napi::Env env, PhaseJob job, std::string device, std::shared_ptr<std::atomic<bool>> cancel)
      : PromiseWorker(env, "langevin:phase"), job_(std::move(job)), device_(std::move(device)), cancel_(std::move(cancel)) {}

  void SetProgress(Napi::Function cb) {
    progress_ = Napi::ThreadSafeFunction::New(Env(), cb, "langevin:progress", 0, 1);
    has_progress_ = true;
  }

  void Execute() override {
    try {
      auto runner = MakeRunner(device_, job_);
      if (device_ == "simt") family_ = simt_family(job_);
      drive_phase(job_, *runner, *cancel_, [this](int done, int total) {
        if (!has_progress_) return;
        auto* ev = new ProgressEvent{done, total};
        const napi_status st = progress_.NonBlockingCall(ev, [](Napi::Env env, Napi::Function fn, ProgressEvent* e) {
          const ProgressEvent copy = *e;
          delete e;
          if (env == nullptr || fn == nullptr) return;
          try {  // a terminating worker's env cannot run JS: drop the event
            fn.Call({Napi::Number::New(env, copy.done), Napi::Number::New(env, copy.total)});
          } catch (const Napi::Error&) {
          }
        });
        if (st != napi_ok) delete ev;  // queue closing: drop the event, never leak it
      });
    } catch (const PhaseCancelled&) {
      SetError("E_ABORTED: the run was cancelled");
    } catch (const OutOfMemory& e) {
      SetError(std::string("E_OOM: ") + e.what());
    } catch (const std::bad_alloc&) {
      SetError("E_OOM: out of host memory");
    } catch (const std::exception& e) {
      SetError(std::string("E_DEVICE: ") + e.what());
    } catch (...) {
      SetError("E_DEVICE: unknown native error");
    }
  }

  void OnOK() override {
    ReleaseProgress();
    ResolveWith([this](Napi::Env env) {
      Napi::Object out = Napi::Object::New(env);
      out.Set("x", CopyOut<Napi::Float32Array>(env, job_.x));
      out.Set("status", CopyOut<Napi::Int32Array>(env, job_.status));
      if (job_.mala) out.Set("accepted", CopyOut<Napi::Int32Array>(env, job_.accepted));
      if (device_ == "simt") out.Set("family", family_);  // tests assert which kernels ran
      return out;
    });
  }

  void OnError(const Napi::Error& e) override {
    ReleaseProgress();
    PromiseWorker::OnError(e);
  }

 private:
  void ReleaseProgress() {
    if (has_progress_) progress_.Release();
    has_progress_ = false;
  }

  PhaseJob job_;
  std::string device_;
  std::string family_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  Napi::ThreadSafeFunction progress_;
  bool has_progress_ = false;
};

class LogDensityWorker final : public PromiseWorker {
 public:
  LogDensityWorker(Napi::Env env, PhaseJob job) : PromiseWorker(env, "langevin:logDensity"), job_(std::move(job)) {}

  void Execute() override {
    try {
      logp_.resize(static_cast<size_t>(job_.chains) * job_.steps.size());
      rss_.resize(static_cast<size_t>(job_.chains));
      cpu_log_densities(job_, logp_.data(), rss_.data());
    } catch (const std::bad_alloc&) {
      SetError("E_OOM: out of host memory");
    } catch (const std::exception& e) {
      SetError(std::string("E_DEVICE: ") + e.what());
    }
  }
  void OnOK() override {
    ResolveWith([this](Napi::Env env) {
      Napi::Object out = Napi::Object::New(env);
      out.Set("logp", CopyOut<Napi::Float32Array>(env, logp_));
      out.Set("rss", CopyOut<Napi::Float32Array>(env, rss_));
      return out;
    });
  }

 private:
  PhaseJob job_;
  std::vector<float> logp_, rss_;
};

class DrawWorker final : public PromiseWorker {
 public:
  DrawWorker(Napi::Env env, uint64_t seed, uint32_t stream, uint32_t step, uint32_t chain_offset, int chains, int n,
             bool uniform, std::string device)
      : PromiseWorker(env, "langevin:draw"),
        seed_(seed), stream_(stream), step_(step), chain_offset_(chain_offset), chains_(chains), n_(n),
        uniform_(uniform), device_(std::move(device)) {}

  void Execute() override {
    try {
      out_.resize(static_cast<size_t>(chains_) * n_);
#ifdef LANGEVIN_WITH_CUDA
      if (device_ == "cuda") return cuda_draw(seed_, stream_, step_, chain_offset_, chains_, n_, uniform_, out_.data());
#endif
      cpu_draw(seed_, stream_, step_, chain_offset_, chains_, n_, uniform_, 0, out_.data());
    } catch (const std::bad_alloc&) {
      SetError("E_OOM: out of host memory");
    } catch (const std::exception& e) {
      SetError(std::string("E_DEVICE: ") + e.what());
    }
  }
  void OnOK() override {
    ResolveWith([this](Napi::Env env) { return CopyOut<Napi::Float32Array>(env, out_); });
  }

 private:
  uint64_t seed_;
  uint32_t stream_, step_, chain_offset_;
  int chains_, n_;
  bool uniform_;
  std::string device_;
  std::vector<float> out_;
};

}  // namespace

Napi::Value RunPhase(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "runPhase(job, onProgress?)");
  const Napi::Object obj = info[0].As<Napi::Object>();
  PhaseJob job = PhaseJobFromObject(obj);
  const std::string device = AttrAsString(obj, "device");
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  auto* worker = new PhaseWorker(env, std::move(job), device, cancel);
  if (info.Length() > 1 && info[1].IsFunction()) worker->SetProgress(info[1].As<Napi::Function>());
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", worker->Promise());
  handle.Set("cancel", Napi::Function::New(env, [cancel](const Napi::CallbackInfo&) { cancel->store(true); }, "cancel"));
  worker->Queue();
  return handle;
}

Napi::Value LogDensity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "logDensity(job)");
  PhaseJob job = PhaseJobFromObject(info[0].As<Napi::Object>());
  if (!job.ext_score.empty()) throw Napi::TypeError::New(env, "logDensity: a score-model prior has no log-density");
  auto* worker = new LogDensityWorker(env, std::move(job));
  worker->Queue();
  return worker->Promise();
}

Napi::Value Draw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "draw(options)");
  const Napi::Object o = info[0].As<Napi::Object>();
  const int64_t chains = IntAttr(o, "chains", 1, INT32_MAX, "draw"), n = IntAttr(o, "n", 1, INT32_MAX, "draw");
  if (chains * n > 4000000000LL) throw Napi::RangeError::New(env, "draw: chains·n must be ≤ 4e9");
  auto* worker = new DrawWorker(env, AttrAsSeed(o, "seed"), static_cast<uint32_t>(IntAttr(o, "stream", 0, UINT32_MAX, "draw")),
                                static_cast<uint32_t>(IntAttr(o, "step", 0, UINT32_MAX, "draw")),
                                static_cast<uint32_t>(IntAttr(o, "chainOffset", 0, UINT32_MAX, "draw")), static_cast<int>(chains),
                                static_cast<int>(n), o.Get("uniform").ToBoolean(), AttrAsString(o, "device"));
  worker->Queue();
  return worker->Promise();
}

}  // namespace langevin

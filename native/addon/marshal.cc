// SPDX-License-Identifier: MIT
#include "marshal.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "../core/operator_build.h"
#include "../core/schedule.h"

namespace langevin {

namespace {
[[noreturn]] void Fail(const Napi::Env& env, const std::string& msg) { throw Napi::TypeError::New(env, "langevin native: " + msg); }

template <class Typed>
Typed TypedAttr(const Napi::Object& obj, const char* name, napi_typedarray_type type, const char* type_name, size_t expected) {
  const Napi::Value v = obj.Get(name);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    Fail(obj.Env(), std::string(name) + " must be a " + type_name);
  Typed arr = v.As<Typed>();
  if (expected != SIZE_MAX && arr.ElementLength() != expected)
    Fail(obj.Env(), std::string(name) + " must have length " + std::to_string(expected) + ", got " + std::to_string(arr.ElementLength()));
  return arr;
}


// One entry of job.stages (NativeOperatorStage in lib/engine/nativeTypes.ts); operator_build.h checks
// how the numbers fit together.
StageSpec StageFromObject(const Napi::Value& v, uint32_t i) {
  const std::string where = "stages[" + std::to_string(i) + "]";
  if (!v.IsObject() || v.IsArray()) Fail(v.Env(), where + " must be an object");
  const Napi::Object o = v.As<Napi::Object>();
  StageSpec s;
  s.kind = static_cast<OpKind>(IntAttr(o, "opKind", 1, 6, where));
  s.m = IntAttr(o, "measurements", 1, kMaxOperatorDim, where);
  s.d = IntAttr(o, "dim", 1, kMaxOperatorDim, where);
  auto has = [&](const char* name) { return o.Has(name) && !o.Get(name).IsUndefined(); };
  switch (s.kind) {
    case OpKind::Mask:
      s.indices = AttrAsI32Vector(o, "indices", static_cast<size_t>(s.m));
      break;
    case OpKind::Dense:
      s.matrix = AttrAsF32Vector(o, "matrix", static_cast<size_t>(s.m * s.d));
      break;
    case OpKind::Blur:
    case OpKind::Downsample:
    case OpKind::Fourier:
      s.C = IntAttr(o, "channels", 1, kMaxOperatorDim, where);
      s.H = IntAttr(o, "height", 1, kMaxImagePixels, where);
      s.W = IntAttr(o, "width", 1, kMaxImagePixels, where);
      if (s.kind == OpKind::Blur) {
        s.kh = IntAttr(o, "kernelHeight", 1, kMaxKernelTaps, where);
        s.kw = IntAttr(o, "kernelWidth", 1, kMaxKernelTaps, where);
        if (s.kh * s.kw > kMaxKernelTaps) Fail(o.Env(), where + ": kernel has too many taps");
        s.kernel = AttrAsF64Vector(o, "kernel", static_cast<size_t>(s.kh * s.kw));
        s.method = has("method") ? static_cast<int>(IntAttr(o, "method", -1, 1, where)) : -1;
      } else if (s.kind == OpKind::Downsample) {
        s.factor = IntAttr(o, "factor", 1, kMaxImagePixels, where);
      } else {
        s.indices = AttrAsI32Vector(o, "indices", static_cast<size_t>(s.m / 2));
      }
      break;
    default:
      break;
  }
  return s;
}
}  // namespace

// An integer attribute in [lo, hi].
int64_t IntAttr(const Napi::Object& obj, const char* name, int64_t lo, int64_t hi, const std::string& where) {
  const Napi::Value v = obj.Get(name);
  if (!v.IsNumber()) Fail(obj.Env(), where + "." + name + " must be a number");
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!(x >= static_cast<double>(lo) && x <= static_cast<double>(hi)) || x != std::floor(x))
    Fail(obj.Env(), where + "." + name + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int64_t>(x);
}

double AttrAsNumber(const Napi::Object& obj, const char* name) {
  const Napi::Value v = obj.Get(name);
  if (!v.IsNumber()) Fail(obj.Env(), std::string(name) + " must be a number");
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(x)) Fail(obj.Env(), std::string(name) + " must be finite");
  return x;
}

// A double the job casts to float: finite and within float's range (never UB on the cast; the
// library validates first, this is the backstop).
float AttrAsFloat(const Napi::Object& obj, const char* name) {
  const double x = AttrAsNumber(obj, name);
  if (std::fabs(x) > static_cast<double>(std::numeric_limits<float>::max())) Fail(obj.Env(), std::string(name) + " is outside float32's range");
  return static_cast<float>(x);
}

uint64_t AttrAsSeed(const Napi::Object& obj, const char* name) {
  const Napi::Value v = obj.Get(name);
  if (!v.IsBigInt()) Fail(obj.Env(), std::string(name) + " must be a bigint");
  bool lossless = false;
  const uint64_t s = v.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) Fail(obj.Env(), std::string(name) + " must fit in 64 unsigned bits");
  return s;
}

std::vector<float> AttrAsF32Vector(const Napi::Object& obj, const char* name, size_t expected) {
  auto a = TypedAttr<Napi::Float32Array>(obj, name, napi_float32_array, "Float32Array", expected);
  return std::vector<float>(a.Data(), a.Data() + a.ElementLength());
}

std::vector<double> AttrAsF64Vector(const Napi::Object& obj, const char* name, size_t expected) {
  auto a = TypedAttr<Napi::Float64Array>(obj, name, napi_float64_array, "Float64Array", expected);
  return std::vector<double>(a.Data(), a.Data() + a.ElementLength());
}

std::vector<int32_t> AttrAsI32Vector(const Napi::Object& obj, const char* name, size_t expected) {
  auto a = TypedAttr<Napi::Int32Array>(obj, name, napi_int32_array, "Int32Array", expected);
  return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
}

std::string AttrAsString(const Napi::Object& obj, const char* name) {
  const Napi::Value v = obj.Get(name);
  if (!v.IsString()) Fail(obj.Env(), std::string(name) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

PhaseJob PhaseJobFromObject(const Napi::Object& o) {
  const Napi::Env env = o.Env();
  PhaseJob j;
  const double kind = AttrAsNumber(o, "covKind");
  if (kind != 0 && kind != 1 && kind != 2) Fail(env, "covKind must be 0, 1 or 2");
  j.kind = static_cast<CovKind>(static_cast<int>(kind));
  // An external prior score (a learned model evaluated in JS) replaces the GMM: components = 0.
  const bool external = o.Has("externalScore") && !o.Get("externalScore").IsUndefined();
  j.K = static_cast<int32_t>(IntAttr(o, "components", external ? 0 : 1, external ? 0 : 1 << 20, "job"));
  j.d = static_cast<int32_t>(IntAttr(o, "dim", 1, 1 << 28, "job"));
  j.chains = static_cast<int32_t>(IntAttr(o, "chains", 1, 1 << 28, "job"));
  if (j.d < 1 || j.chains < 1) Fail(env, "dim and chains must be ≥ 1");
  j.gmm_d = j.d;
  if (external) {
    if (o.Has("patch") && !o.Get("patch").IsUndefined()) Fail(env, "externalScore and patch are exclusive");
    j.ext_score = AttrAsF32Vector(o, "externalScore", static_cast<size_t>(j.chains) * j.d);
  } else if (o.Has("patch") && !o.Get("patch").IsUndefined()) {
    // EPLL-style image prior: the GMM lives on k×k patches of a [C, H, W] image.
    const Napi::Value pv = o.Get("patch");
    if (!pv.IsObject()) Fail(env, "patch must be an object");
    const Napi::Object po = pv.As<Napi::Object>();
    PatchPriorView& pp = j.patch;
    pp.channels = static_cast<int32_t>(IntAttr(po, "channels", 1, 64, "patch"));
    pp.height = static_cast<int32_t>(IntAttr(po, "height", 1, 1 << 14, "patch"));
    pp.width = static_cast<int32_t>(IntAttr(po, "width", 1, 1 << 14, "patch"));
    pp.k = static_cast<int32_t>(IntAttr(po, "size", 1, 32, "patch"));
    pp.stride = static_cast<int32_t>(IntAttr(po, "stride", 1, 32, "patch"));
    pp.weight = AttrAsFloat(po, "weight");
    if (static_cast<int64_t>(pp.channels) * pp.height * pp.width != j.d) Fail(env, "patch channels·height·width must equal dim");
    if (pp.k > pp.height || pp.k > pp.width) Fail(env, "patch size exceeds the image");
    if (!(pp.weight > 0.0f)) Fail(env, "patch.weight must be > 0");
    j.gmm_d = pp.k * pp.k;
  }
  const size_t K = j.K, d = j.gmm_d;  // GMM tables; the state and operator use j.d
  if (!external) {
    j.log_w = AttrAsF32Vector(o, "logWeights", K);
    j.means = AttrAsF32Vector(o, "means", K * d);
    j.var = AttrAsF32Vector(o, "variances", j.kind == CovKind::Isotropic ? K : K * d);
    if (j.kind == CovKind::Full) j.eigvec = AttrAsF32Vector(o, "eigenvectors", K * d * d);
    if (o.Has("noiseScale") && !o.Get("noiseScale").IsUndefined()) {
      j.beta = AttrAsF32Vector(o, "noiseScale", K);
      for (float b : j.beta)
        if (!(b > 0.0f) || !std::isfinite(b)) Fail(env, "noiseScale entries must be finite and > 0");
    }
  }

  const double op = AttrAsNumber(o, "opKind");
  if (op != std::floor(op) || op < 0 || op > 7) Fail(env, "opKind must be an integer 0..7");
  j.op_kind = static_cast<OpKind>(static_cast<int>(op));
  const double meas = AttrAsNumber(o, "measurements");
  if (meas != std::floor(meas) || meas < 0 || meas > 2147483647.0) Fail(env, "measurements must be an integer in [0, 2^31)");
  j.m = static_cast<int32_t>(meas);
  if (j.op_kind == OpKind::Identity && j.m != j.d) Fail(env, "identity operator needs measurements == dim");
  if (j.op_kind == OpKind::Mask) {
    j.indices = AttrAsI32Vector(o, "indices", j.m);
    for (int32_t i : j.indices)
      if (i < 0 || i >= j.d) Fail(env, "indices out of range");
  }
  if (j.op_kind == OpKind::Dense) j.matrix = AttrAsF32Vector(o, "matrix", static_cast<size_t>(j.m) * j.d);
  if (op_is_program(j.op_kind)) {
    const Napi::Value sv = o.Get("stages");
    if (!sv.IsArray()) Fail(env, "stages must be an array for opKind 4..7");
    const Napi::Array arr = sv.As<Napi::Array>();
    if (arr.Length() < 1 || arr.Length() > static_cast<uint32_t>(kMaxStages))
      Fail(env, "stages must hold 1 to " + std::to_string(kMaxStages) + " entries");
    std::vector<StageSpec> specs(arr.Length());
    for (uint32_t i = 0; i < arr.Length(); ++i) specs[i] = StageFromObject(arr.Get(i), i);
    try {
      build_operator_program(j.op_kind, specs, j.d, j.m, j.indices, j.matrix);
    } catch (const std::invalid_argument& e) {
      Fail(env, e.what());
    }
  }
  j.y_per_chain = o.Get("yPerChain").ToBoolean();
  if (j.op_kind != OpKind::None)
    j.y = AttrAsF32Vector(o, "y", static_cast<size_t>(j.m) * (j.y_per_chain ? j.chains : 1));

  const std::vector<double> h = AttrAsF64Vector(o, "h", SIZE_MAX);
  const size_t n = h.size();
  const std::vector<double> a = AttrAsF64Vector(o, "a", n), b2 = AttrAsF64Vector(o, "b2", n),
                            c = AttrAsF64Vector(o, "c", n);
  if (external && n != 1) Fail(env, "a phase with externalScore has exactly one step");
  std::vector<StepSchedule> schedule(n);
  for (size_t k = 0; k < n; ++k) schedule[k] = StepSchedule{h[k], a[k], b2[k], c[k]};
  const bool mala = o.Get("mala").ToBoolean();
  if (mala && external) Fail(env, "mala needs the prior's log-density: not with externalScore");
  try {
    j.steps = phase_steps(schedule, mala);
  } catch (const std::invalid_argument& e) {
    Fail(env, e.what());
  }
  j.step_offset = static_cast<uint32_t>(IntAttr(o, "stepOffset", 0, UINT32_MAX, "job"));
  j.seed = AttrAsSeed(o, "seed");
  j.stream = static_cast<uint32_t>(IntAttr(o, "stream", 0, UINT32_MAX, "job"));
  j.chain_offset = static_cast<uint32_t>(IntAttr(o, "chainOffset", 0, UINT32_MAX, "job"));
  j.threads = static_cast<int>(IntAttr(o, "threads", 0, 1024, "job"));
  if (o.Has("precond") && !o.Get("precond").IsUndefined()) {
    j.precond = AttrAsF32Vector(o, "precond", static_cast<size_t>(j.d) * j.d);
    for (float v : j.precond)
      if (!std::isfinite(v)) Fail(env, "precond entries must be finite");
  }
  j.mala = mala;
  if (j.mala) j.accepted.assign(j.chains, 0);
  j.x = AttrAsF32Vector(o, "x", static_cast<size_t>(j.chains) * j.d);
  j.status = o.Has("status") && !o.Get("status").IsUndefined() ? AttrAsI32Vector(o, "status", j.chains)
                                                                : std::vector<int32_t>(j.chains, kChainFinite);
  return j;
}

}  // namespace langevin

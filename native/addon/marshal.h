// SPDX-License-Identifier: MIT
// Copy JS option objects into plain C++ structs on the main thread (never in Execute()).
// TypeScript validates everything first; these checks only guard the boundary, and their
// messages name the option path.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "../core/phase_job.h"

namespace langevin {

double AttrAsNumber(const Napi::Object& obj, const char* name);
// An integer attribute in [lo, hi], range-checked before any cast; `where` prefixes the message.
int64_t IntAttr(const Napi::Object& obj, const char* name, int64_t lo, int64_t hi, const std::string& where);
uint64_t AttrAsSeed(const Napi::Object& obj, const char* name);
std::vector<float> AttrAsF32Vector(const Napi::Object& obj, const char* name, size_t expected);
std::vector<double> AttrAsF64Vector(const Napi::Object& obj, const char* name, size_t expected);
std::vector<int32_t> AttrAsI32Vector(const Napi::Object& obj, const char* name, size_t expected);
std::string AttrAsString(const Napi::Object& obj, const char* name);

// Build a PhaseJob from the object lib/engine/native.ts sends (see NativePhaseJob there).
PhaseJob PhaseJobFromObject(const Napi::Object& job);

}  // namespace langevin

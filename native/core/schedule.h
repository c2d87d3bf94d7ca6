// SPDX-License-Identifier: MIT
// A phase's schedule (h_k, a_k, b²_k, c_k per step) checked and turned into the float32 StepScalars
// every backend reads, once for all of them: the range checks and the noise scale √(2h) live here,
// not in each caller. Host-only (std::vector, exceptions). Throws std::invalid_argument.
#pragma once
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "phase.h"

namespace langevin {

// One step's scalars in double, as the host schedules compute them.
struct StepSchedule {
  double h, a, b2, c;
};

inline StepScalars step_scalars(const StepSchedule& s) {
  constexpr double kFloatMax = static_cast<double>(std::numeric_limits<float>::max());
  constexpr double kFloatMin = static_cast<double>(std::numeric_limits<float>::min());
  if (!(s.h >= 0) || !(s.b2 >= 0) || !std::isfinite(s.h + s.a + s.b2 + s.c))
    throw std::invalid_argument("schedule entries must be finite with h, b2 ≥ 0");
  if (s.a == 0 && s.b2 == 0) throw std::invalid_argument("a and b2 cannot both be 0 (degenerate prior)");
  if (std::fabs(s.h) > kFloatMax || std::fabs(s.a) > kFloatMax || std::fabs(s.b2) > kFloatMax || std::fabs(s.c) > kFloatMax)
    throw std::invalid_argument("schedule entries must lie within float32's range");
  // A positive step below float32's smallest normal would round to a subnormal or 0: chains that never move.
  if (s.h > 0 && s.h < kFloatMin)
    throw std::invalid_argument("schedule step sizes must be 0 or at least float32's smallest normal number");
  return StepScalars{static_cast<float>(s.h), static_cast<float>(std::sqrt(2.0 * s.h)), static_cast<float>(s.a),
                     static_cast<float>(s.b2), static_cast<float>(s.c)};
}

// The whole schedule; MALA phases need one shared set of scalars with h > 0 (one level, adjusted moves).
inline std::vector<StepScalars> phase_steps(const std::vector<StepSchedule>& schedule, bool mala) {
  std::vector<StepScalars> out;
  out.reserve(schedule.size());
  for (const StepSchedule& s : schedule) out.push_back(step_scalars(s));
  if (mala) {
    for (const StepSchedule& s : schedule) {
      const StepSchedule& f = schedule.front();
      if (s.h != f.h || s.a != f.a || s.b2 != f.b2 || s.c != f.c)
        throw std::invalid_argument("mala steps must share one set of scalars");
      if (!(s.h > 0)) throw std::invalid_argument("mala steps need h > 0");
    }
  }
  return out;
}

}  // namespace langevin

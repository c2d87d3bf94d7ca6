// SPDX-License-Identifier: MIT
// ChunkPlan (native/core/phase_job.h): the first chunk from the work estimate, then towards the
// time target — at most ×2 per chunk, down at once, never above n/50 steps or below 1.
#include <cstdio>
#include <string>

#include "../../native/core/phase_job.h"

using namespace langevin;

static int failures = 0;
static void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++failures;
}

static PhaseJob job(int chains, int d, int steps) {
  PhaseJob j;
  j.K = 1;
  j.d = d;
  j.gmm_d = d;
  j.chains = chains;
  j.steps.assign(steps, StepScalars{0.01f, 0.1f, 1.0f, 0.0f, 1.0f});
  return j;
}

int main() {
  // A big phase: the CPU estimate gives one step; fast steps double it per chunk up to n/50.
  ChunkPlan big(job(1 << 16, 4096, 10000));
  check(big.size() == 1, "big phase starts at 1 step: " + std::to_string(big.size()));
  int prev = big.size();
  bool doubling = true;
  for (int i = 0; i < 12; ++i) {
    big.observe(big.size(), big.size() * 1e-6);  // 1 µs per step: far below the target
    doubling = doubling && (big.size() == 2 * prev || big.size() == 200);
    prev = big.size();
  }
  check(doubling && big.size() == 200, "fast steps: ×2 per chunk, capped at n/50 = 200: " + std::to_string(big.size()));
  // Slow steps: straight down to the target (25 ms / 5 ms = 5 steps), then 1 for steps over the target.
  big.observe(200, 200 * 5e-3);
  check(big.size() == 5, "5 ms steps: 5 per chunk: " + std::to_string(big.size()));
  big.observe(5, 5 * 0.5);
  check(big.size() == 1, "0.5 s steps: 1 per chunk: " + std::to_string(big.size()));
  // A tiny phase: the estimate is above n/50, so the cap decides; 10 steps → 1 per chunk.
  ChunkPlan tiny(job(4, 2, 10));
  check(tiny.size() == 1, "10 steps: one step per chunk (≥ 10 reports): " + std::to_string(tiny.size()));
  ChunkPlan small(job(4, 2, 5000));
  check(small.size() == 100, "small phase of 5000 steps: n/50 = 100: " + std::to_string(small.size()));
  small.observe(100, 0.0);  // a chunk too quick to time keeps growing within the cap
  check(small.size() == 100, "zero-time chunk stays at the cap: " + std::to_string(small.size()));
  std::printf("chunk plan: %d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}

// SPDX-License-Identifier: MIT
#pragma once
#include <napi.h>

namespace langevin {

// runPhase(job, onProgress?) -> { promise, cancel }. The phase runs on a libuv worker thread;
// progress arrives through a thread-safe function; cancel() stops it between chunks.
Napi::Value RunPhase(const Napi::CallbackInfo& info);

// logDensity(job) -> Promise<{ logp: Float32Array [chains*levels], rss: Float32Array [chains] }>: the
// prior's log-density at each of the job's step levels, and ‖Ax − y‖², at the job's states (CPU).
Napi::Value LogDensity(const Napi::CallbackInfo& info);

// draw(seed, stream, step, chainOffset, chains, n, uniform, device) -> Promise<Float32Array>
Napi::Value Draw(const Napi::CallbackInfo& info);

}  // namespace langevin

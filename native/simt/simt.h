// SPDX-License-Identifier: MIT
// A small SIMT emulation of the CUDA subset our kernels use, for g++ builds (CI has no GPU):
//   launch(grid, block, shmem, kernel, args...) runs the grid's blocks one after another, each on
//   blockDim real host threads, so barriers, shared memory and races are real (TSan sees them);
//   threadIdx/blockIdx/blockDim/gridDim are thread-local; __syncthreads() (and _or) is a block
//   barrier; warp shuffles and votes exchange through a per-warp slot array between two warp
//   barriers; atomicAdd is a host atomic; dynamic shared memory is one zero-filled buffer per block.
// Rules the kernels obey (as on a GPU): every thread of a block reaches every __syncthreads, every
// lane of a warp reaches every shuffle/vote (full mask), blockDim.x is a multiple of 32.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline

namespace simt {

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

constexpr int kWarp = 32;

// A reusable barrier for n threads (generation counter: a fast thread cannot lap a slow one).
class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    const uint64_t gen = gen_;
    if (++arrived_ == n_) {
      arrived_ = 0;
      ++gen_;
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [&] { return gen_ != gen; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_, arrived_ = 0;
  uint64_t gen_ = 0;
};

// What one block's threads share: its barrier, its warps' exchange slots, its shared memory.
struct Block {
  explicit Block(int threads, size_t shmem)
      : bar(threads), smem((shmem + 15) / 16 + 1), or_flags(2, 0) {
    const int warps = threads / kWarp;
    for (int w = 0; w < warps; ++w) warp_bars.emplace_back(new Barrier(kWarp));
    slots.assign(static_cast<size_t>(warps) * kWarp, 0);
  }
  ~Block() {
    for (Barrier* b : warp_bars) delete b;
  }
  Barrier bar;
  std::vector<Barrier*> warp_bars;
  std::vector<uint64_t> slots;             // one 8-byte exchange slot per lane
  std::vector<long double> smem;           // 16-byte aligned dynamic shared memory
  std::vector<int> or_flags;               // __syncthreads_or, double-buffered by parity
  int or_parity = 0;
};

struct ThreadCtx {
  dim3 threadIdx, blockIdx, blockDim, gridDim;
  Block* block = nullptr;
  int or_round = 0;
};
inline ThreadCtx& ctx() {
  thread_local ThreadCtx c;
  return c;
}

// Test hook (native/simt/selftest.cc): when set, __syncthreads does nothing, so a test can show
// that a kernel's result depends on its barriers.
inline bool& skip_block_barriers() {
  static bool skip = false;
  return skip;
}

inline void syncthreads() {
  if (!skip_block_barriers()) ctx().block->bar.wait();
}

// Block-wide OR of a predicate, like __syncthreads_or: every thread gets the same answer.
inline int syncthreads_or(int pred) {
  ThreadCtx& t = ctx();
  Block& b = *t.block;
  const int slot = t.or_round & 1;
  ++t.or_round;
  if (pred) __atomic_store_n(&b.or_flags[slot], 1, __ATOMIC_RELAXED);
  b.bar.wait();
  const int any = __atomic_load_n(&b.or_flags[slot], __ATOMIC_RELAXED);
  b.bar.wait();  // everyone has read it: thread 0 may clear it for round + 2
  if (t.threadIdx.x == 0) __atomic_store_n(&b.or_flags[slot], 0, __ATOMIC_RELAXED);
  return any;
}

inline int lane() { return static_cast<int>(ctx().threadIdx.x) % kWarp; }
inline int warp() { return static_cast<int>(ctx().threadIdx.x) / kWarp; }

// Every lane publishes v, the warp meets, each reads the lane it asks for, the warp meets again
// (so no slot is overwritten before it is read).
template <class T>
T exchange(T v, int src_lane) {
  static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
  Block& b = *ctx().block;
  uint64_t* warp_slots = b.slots.data() + static_cast<size_t>(warp()) * kWarp;
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  warp_slots[lane()] = bits;
  b.warp_bars[warp()]->wait();
  T out;
  const uint64_t got = warp_slots[src_lane];
  std::memcpy(&out, &got, sizeof(T));
  b.warp_bars[warp()]->wait();
  return out;
}

// Every lane publishes its predicate; each reads all 32 between the same two warp barriers.
inline uint32_t ballot(int pred) {
  Block& b = *ctx().block;
  uint64_t* warp_slots = b.slots.data() + static_cast<size_t>(warp()) * kWarp;
  warp_slots[lane()] = pred ? 1 : 0;
  b.warp_bars[warp()]->wait();
  uint32_t mask = 0;
  for (int l = 0; l < kWarp; ++l)
    if (warp_slots[l]) mask |= 1u << l;
  b.warp_bars[warp()]->wait();
  return mask;
}

// Runs kernel(args...) on grid × block threads: block.x host threads, started once per launch,
// run the grid's blocks one after another (a barrier between blocks, like a GPU with room for one
// block; shared memory is not cleared between blocks, as on a GPU).
template <class... P, class... A>
void launch(dim3 grid, dim3 block, size_t shmem, void (*kernel)(P...), A&&... args) {
  const int threads = static_cast<int>(block.x);
  if (block.y != 1 || block.z != 1 || threads <= 0 || threads % kWarp != 0)
    throw std::logic_error("simt: blocks are one-dimensional, a multiple of 32 threads");
  const size_t blocks = static_cast<size_t>(grid.x) * grid.y * grid.z;
  if (blocks == 0) return;
  Block blk(threads, shmem);
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      ThreadCtx& c = ctx();
      c = ThreadCtx{};
      c.threadIdx = dim3(t);
      c.blockDim = block;
      c.gridDim = grid;
      c.block = &blk;
      for (size_t b = 0; b < blocks; ++b) {
        c.blockIdx = dim3(static_cast<unsigned>(b % grid.x), static_cast<unsigned>(b / grid.x % grid.y),
                          static_cast<unsigned>(b / (static_cast<size_t>(grid.x) * grid.y)));
        kernel(args...);
        blk.bar.wait();  // the block is done before the next one reuses its shared memory
      }
      c.block = nullptr;
    });
  for (auto& th : pool) th.join();
}

inline void* shared_bytes() { return ctx().block->smem.data(); }

}  // namespace simt

// The CUDA names, for kernel sources written once.
#define threadIdx (::simt::ctx().threadIdx)
#define blockIdx (::simt::ctx().blockIdx)
#define blockDim (::simt::ctx().blockDim)
#define gridDim (::simt::ctx().gridDim)
using simt::dim3;
inline void __syncthreads() { simt::syncthreads(); }
inline int __syncthreads_or(int pred) { return simt::syncthreads_or(pred); }
template <class T>
inline T __shfl_sync(unsigned, T v, int src) {
  return simt::exchange(v, src & (simt::kWarp - 1));
}
template <class T>
inline T __shfl_xor_sync(unsigned, T v, int mask) {
  return simt::exchange(v, simt::lane() ^ mask);
}
template <class T>
inline T __shfl_down_sync(unsigned, T v, unsigned delta) {
  const int src = simt::lane() + static_cast<int>(delta);
  return simt::exchange(v, src < simt::kWarp ? src : simt::lane());
}
inline unsigned __ballot_sync(unsigned, int pred) { return simt::ballot(pred); }
inline int __any_sync(unsigned, int pred) { return simt::ballot(pred) != 0; }
inline int __all_sync(unsigned, int pred) { return simt::ballot(pred) == 0xffffffffu; }
inline int atomicAdd(int* p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
inline float atomicAdd(float* p, float v) {
  float old, want;
  __atomic_load(p, &old, __ATOMIC_RELAXED);
  do {
    want = old + v;
  } while (!__atomic_compare_exchange(p, &old, &want, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  return old;
}

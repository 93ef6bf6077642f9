// Floors for the warm-path benchmarks: what a std::mutex wrapper costs on
// this machine before lockdep's own work, so the pair/chain8/contended
// ratios can be read against what any design of the same shape reaches.
//
//   floor_empty_calls       two out-of-line calls that do nothing, around
//                           std::mutex: the price of calling a library at
//                           all (lockdep's acquire and release are calls).
//   floor_prototype         the bare prototype #16 describes, out of line:
//                           one initial-exec TLS load, a 64-bit chain key,
//                           a per-thread direct-mapped front cache, a
//                           lock-free shared table behind it, the usage-bit
//                           test, and a held entry of (lock, class, previous
//                           key, address). No irq contexts, no nest locks,
//                           no reports: a lower bound, not a validator.
//   floor_prototype_inline  the same bodies inlined into the caller.
//
// Benchmark code only; nothing here is part of lockdep.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace floor_proto {

struct proto_class {
  std::uint64_t hash;                 // the element the chain key mixes in
  std::atomic<std::uint32_t> usage;   // usage bits; the warm path tests them
};

struct held_entry {
  const void* lock;
  const proto_class* cls;
  std::uint64_t prev_key;
  std::uintptr_t ip;
};

struct thread_state {
  std::uint32_t depth = 0;
  std::uint32_t need = 0;  // usage bits an acquisition needs here
  std::uint64_t key = 0;
  held_entry held[48];
  std::uint64_t front[128] = {};
};

extern __thread thread_state* tls_state __attribute__((tls_model("initial-exec")));

// Out of line: first use by a thread, a front-cache miss (the shared
// table), an unexpected release.
thread_state* make_state();
void front_miss(thread_state* ts, const void* lock, const proto_class* cls, std::uint64_t key, std::uintptr_t ip);
bool release_miss(const void* lock);

inline std::uint64_t chain_step(std::uint64_t key, std::uint64_t element) {
  const std::uint64_t h = (key ^ element) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 32);
}

__attribute__((always_inline)) inline void push(thread_state* ts, const void* lock, const proto_class* cls,
                                                std::uint64_t key, std::uintptr_t ip) {
  held_entry& e = ts->held[ts->depth];
  e.lock = lock;
  e.cls = cls;
  e.prev_key = ts->key;
  e.ip = ip;
  ts->key = key;
  ts->depth = ts->depth + 1;
}

__attribute__((always_inline)) inline void acquire_body(const void* lock, const proto_class* cls, std::uintptr_t ip) {
  thread_state* ts = tls_state;
  if (__builtin_expect(!ts, 0)) ts = make_state();
  const std::uint64_t key = chain_step(ts->key, cls->hash);
  if (__builtin_expect((cls->usage.load(std::memory_order_relaxed) & ts->need) != ts->need, 0))
    return front_miss(ts, lock, cls, key, ip);  // the prototype's cold path
  if (__builtin_expect(ts->front[key & 127] != key, 0)) return front_miss(ts, lock, cls, key, ip);
  push(ts, lock, cls, key, ip);
}

__attribute__((always_inline)) inline bool release_body(const void* lock) {
  thread_state* ts = tls_state;
  if (__builtin_expect(ts && ts->depth && ts->held[ts->depth - 1].lock == lock, 1)) {
    ts->depth = ts->depth - 1;
    ts->key = ts->held[ts->depth].prev_key;
    return true;
  }
  return release_miss(lock);
}

// The out-of-line entry points (floor_proto.cpp, its own translation unit).
void acquire(const void* lock, const proto_class* cls);
bool release(const void* lock);
void empty_acquire(const void* lock);
bool empty_release(const void* lock);

std::uint64_t next_class_hash();

// Lock types for the benchmark templates: std::mutex plus the floor's calls.
class empty_calls_mutex {
 public:
  void lock() {
    empty_acquire(this);
    m_.lock();
  }
  void unlock() {
    if (empty_release(this)) m_.unlock();
  }

 private:
  std::mutex m_;
};

class prototype_mutex {
 public:
  void lock() {
    acquire(this, &cls_);
    m_.lock();
  }
  void unlock() {
    if (release(this)) m_.unlock();
  }

 private:
  std::mutex m_;
  proto_class cls_{next_class_hash(), {0}};
};

class prototype_inline_mutex {
 public:
  void lock() {
    std::uintptr_t ip;
    asm volatile("lea 0(%%rip), %0" : "=r"(ip));
    acquire_body(this, &cls_, ip);
    m_.lock();
  }
  void unlock() {
    if (release_body(this)) m_.unlock();
  }

 private:
  std::mutex m_;
  proto_class cls_{next_class_hash(), {0}};
};

}  // namespace floor_proto

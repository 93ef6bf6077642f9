// The floor prototype's out-of-line parts (floor_proto.hpp). Its own
// translation unit, so the benchmarks call acquire/release as they call
// lockdep's entry points.
#include "floor_proto.hpp"

#include <cstdlib>
#include <new>

namespace floor_proto {

__thread thread_state* tls_state __attribute__((tls_model("initial-exec")));

namespace {

// The shared table of validated chain keys: open addressing, lock-free
// probes; an absent key is "validated" by inserting it (the prototype has
// no graph), as lockdep's cold path would after its checks.
constexpr std::size_t k_slots = 1 << 16;
std::atomic<std::uint64_t> g_chains[k_slots];

bool validated(std::uint64_t key) {
  if (key == 0) key = 1;
  for (std::size_t i = key & (k_slots - 1);; i = (i + 1) & (k_slots - 1)) {
    std::uint64_t k = g_chains[i].load(std::memory_order_acquire);
    if (k == key) return true;
    if (k == 0) {
      if (g_chains[i].compare_exchange_strong(k, key, std::memory_order_acq_rel)) return true;
      if (k == key) return true;
    }
  }
}

}  // namespace

thread_state* make_state() {
  tls_state = new thread_state;  // one per thread, kept: a benchmark's threads are few
  return tls_state;
}

void front_miss(thread_state* ts, const void* lock, const proto_class* cls, std::uint64_t key, std::uintptr_t ip) {
  if (validated(key)) ts->front[key & 127] = key;
  push(ts, lock, cls, key, ip);
}

bool release_miss(const void*) { std::abort(); }  // the benchmarks release in order

__attribute__((noinline)) void acquire(const void* lock, const proto_class* cls) {
  acquire_body(lock, cls, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}
__attribute__((noinline)) bool release(const void* lock) { return release_body(lock); }

__attribute__((noinline)) void empty_acquire(const void* lock) { asm volatile("" : : "r"(lock) : "memory"); }
__attribute__((noinline)) bool empty_release(const void* lock) {
  asm volatile("" : : "r"(lock) : "memory");
  return true;
}

std::uint64_t next_class_hash() {
  static std::atomic<std::uint64_t> n{1};
  return chain_step(0x6c6f636b64657021ull, n.fetch_add(1));
}

}  // namespace floor_proto

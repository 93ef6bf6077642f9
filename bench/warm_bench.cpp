// Warm-path benchmarks: one lock+unlock pair (pair/<lock>) and a chain of 8
// distinct locks taken in order and released in reverse (chain8/<lock>),
// each also on two threads that use private locks on separate cache lines.
//
// One item is one pair (chain8: one whole chain), so items_per_second of
// pair/x against pair/std_mutex is the slowdown lockdep costs.
//
// Two threads: Google Benchmark divides by the threads' summed CPU time, so
// the /threads:2 rate is the per-thread rate; the throughput gain from one
// to two threads is 2 x rate(threads:2) / rate(1). Using CPU time keeps the
// figure meaningful on a busy 2-vCPU machine where a thread may be
// descheduled; a lock whose threads fight over a shared cache line (or a
// global spinlock, as Abseil's deadlock detector) shows a lower per-thread
// rate either way.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <type_traits>

#include "absl/synchronization/mutex.h"
#include "floor_proto.hpp"
#include "lockdep/lockdep.hpp"

namespace {

constexpr int k_chain = 8;

// Lock and unlock, whatever the spelling.
template <class L>
inline void do_lock(L& l) {
  if constexpr (std::is_same_v<L, absl::Mutex>) l.Lock();
  else l.lock();
}
template <class L>
inline void do_unlock(L& l) {
  if constexpr (std::is_same_v<L, absl::Mutex>) l.Unlock();
  else l.unlock();
}

// Distinct static keys per lock type, so the 8 locks of a chain are 8
// classes (one class nested in itself would be reported as recursion).
template <class L>
lockdep::lock_class_key* chain_keys() {
  static lockdep::lock_class_key keys[k_chain] = {
      lockdep::lock_class_key{"bench_lock0"}, lockdep::lock_class_key{"bench_lock1"},
      lockdep::lock_class_key{"bench_lock2"}, lockdep::lock_class_key{"bench_lock3"},
      lockdep::lock_class_key{"bench_lock4"}, lockdep::lock_class_key{"bench_lock5"},
      lockdep::lock_class_key{"bench_lock6"}, lockdep::lock_class_key{"bench_lock7"}};
  return keys;
}

// N locks, each on its own cache line, constructed in place (locks do not move).
template <class L, int N>
class lock_array {
 public:
  lock_array() {
    for (int i = 0; i < N; ++i) {
      void* where = &slots_[i].bytes;
      if constexpr (std::is_constructible_v<L, lockdep::lock_class_key&>)
        new (where) L(chain_keys<L>()[i]);
      else
        new (where) L();
    }
  }
  ~lock_array() {
    for (int i = 0; i < N; ++i) (*this)[i].~L();
  }
  lock_array(const lock_array&) = delete;
  lock_array& operator=(const lock_array&) = delete;
  L& operator[](int i) { return *std::launder(reinterpret_cast<L*>(&slots_[i].bytes)); }

 private:
  struct alignas(64) slot {
    alignas(L) unsigned char bytes[sizeof(L)];
  };
  slot slots_[N];
};

template <class L>
void set_mode(bool absl_detect) {
  if constexpr (std::is_same_v<L, absl::Mutex>)
    absl::SetMutexDeadlockDetectionMode(absl_detect ? absl::OnDeadlockCycle::kReport
                                                    : absl::OnDeadlockCycle::kIgnore);
}

template <class L, bool AbslDetect = false>
void bm_pair(benchmark::State& state) {
  set_mode<L>(AbslDetect);
  lock_array<L, 1> locks;
  L& l = locks[0];
  for (auto _ : state) {
    do_lock(l);
    benchmark::ClobberMemory();
    do_unlock(l);
  }
  state.SetItemsProcessed(state.iterations());
}

template <class L, bool AbslDetect = false>
void bm_chain8(benchmark::State& state) {
  set_mode<L>(AbslDetect);
  lock_array<L, k_chain> locks;
  for (auto _ : state) {
    for (int i = 0; i < k_chain; ++i) do_lock(locks[i]);
    benchmark::ClobberMemory();
    for (int i = k_chain; i-- > 0;) do_unlock(locks[i]);
  }
  state.SetItemsProcessed(state.iterations());
}

using wrapped_std_mutex = lockdep::tracked<std::mutex>;

#define LOCKDEP_BENCH_LOCK(name, ...)                                     \
  BENCHMARK(bm_pair<__VA_ARGS__>)->Name("pair/" name);                    \
  BENCHMARK(bm_pair<__VA_ARGS__>)->Name("pair/" name)->Threads(2);        \
  BENCHMARK(bm_chain8<__VA_ARGS__>)->Name("chain8/" name);                \
  BENCHMARK(bm_chain8<__VA_ARGS__>)->Name("chain8/" name)->Threads(2)

LOCKDEP_BENCH_LOCK("std_mutex", std::mutex);
LOCKDEP_BENCH_LOCK("lockdep_mutex", lockdep::mutex);
LOCKDEP_BENCH_LOCK("lockdep_spinlock", lockdep::spinlock);
LOCKDEP_BENCH_LOCK("lockdep_shared_mutex", lockdep::shared_mutex);
// The lock lockdep::shared_mutex wraps, as its baseline (exclusive mode).
LOCKDEP_BENCH_LOCK("std_shared_timed_mutex", std::shared_timed_mutex);
LOCKDEP_BENCH_LOCK("wrapped_std_mutex", wrapped_std_mutex);
LOCKDEP_BENCH_LOCK("absl_mutex", absl::Mutex, false);
LOCKDEP_BENCH_LOCK("absl_mutex_detect", absl::Mutex, true);
// Floors (floor_proto.hpp): std::mutex with two empty out-of-line calls,
// and with #16's bare prototype out of line and inlined.
LOCKDEP_BENCH_LOCK("floor_empty_calls", floor_proto::empty_calls_mutex);
LOCKDEP_BENCH_LOCK("floor_prototype", floor_proto::prototype_mutex);
LOCKDEP_BENCH_LOCK("floor_prototype_inline", floor_proto::prototype_inline_mutex);

}  // namespace

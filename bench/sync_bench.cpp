// Two threads on one lock: contended/<lock>/threads:2 (both threads lock one
// mutex around a short critical section) and condvar/<kind> (two threads hand
// a token back and forth through a mutex and a condition variable).
//
// Both spend most of their time blocked, so compare real_time (wall clock
// per item), not CPU time: bench/run.py does. One item is one critical
// section (contended, per thread) or one hand-off (condvar).
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "lockdep/condition_variable.hpp"
#include "floor_proto.hpp"
#include "lockdep/lockdep.hpp"

namespace {

template <class L>
struct alignas(64) contended_lock {
  L lock;
};

template <class L>
void bm_contended(benchmark::State& state) {
  static contended_lock<L> shared;
  static std::uint64_t counter = 0;  // the critical section's work
  for (auto _ : state) {
    shared.lock.lock();
    benchmark::DoNotOptimize(++counter);
    shared.lock.unlock();
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(bm_contended<std::mutex>)->Name("contended/std_mutex")->Threads(2);
BENCHMARK(bm_contended<lockdep::mutex>)->Name("contended/lockdep_mutex")->Threads(2);
// Floors (floor_proto.hpp): the same contention through the bare prototype.
BENCHMARK(bm_contended<floor_proto::empty_calls_mutex>)->Name("contended/floor_empty_calls")->Threads(2);
BENCHMARK(bm_contended<floor_proto::prototype_mutex>)->Name("contended/floor_prototype")->Threads(2);

// The benchmark thread and one helper alternate: each waits for its turn,
// passes the token and notifies the other. Iteration i of the benchmark
// thread is matched by iteration i of the helper, so both stop together.
template <class M, class CV>
void bm_condvar(benchmark::State& state) {
  static M mu;
  static CV cv;
  int turn = 0;  // 0: the benchmark thread, 1: the helper
  const benchmark::IterationCount rounds = state.max_iterations;
  std::thread helper([&] {
    for (benchmark::IterationCount i = 0; i < rounds; ++i) {
      std::unique_lock<M> lock(mu);
      cv.wait(lock, [&] { return turn == 1; });
      turn = 0;
      cv.notify_one();
    }
  });
  for (auto _ : state) {
    std::unique_lock<M> lock(mu);
    cv.wait(lock, [&] { return turn == 0; });
    turn = 1;
    cv.notify_one();
  }
  helper.join();
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(bm_condvar<std::mutex, std::condition_variable>)->Name("condvar/std");
BENCHMARK(bm_condvar<lockdep::mutex, lockdep::condition_variable>)->Name("condvar/lockdep");

}  // namespace

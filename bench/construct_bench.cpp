// Construction cost (issue 13): a lock's construction looks its call up in
// the key interner (one hash lookup under the interner's spin lock once the
// call was seen; the first time, the call is also symbolized and ranked,
// once per call site per process). The warm lock/unlock path is unchanged.
//
// construct_member_pair: an object with two unnamed member mutexes (two
// calls, each its own class), built and destroyed. construct_array/32: an
// array of 32 (one call in a loop, one class). construct_std_pair: the same
// object with std::mutex, for scale.
#include <benchmark/benchmark.h>

#include <memory>
#include <mutex>

#include "lockdep/lockdep.hpp"

namespace {

struct member_pair {
  lockdep::mutex balance_mu;
  lockdep::mutex audit_mu;
};
struct std_pair {
  std::mutex balance_mu;
  std::mutex audit_mu;
};
struct lock_array {
  lockdep::mutex shards[32];
};

template <class T>
void construct(benchmark::State& state) {
  for (auto _ : state) {
    auto p = std::make_unique<T>();
    benchmark::DoNotOptimize(p.get());
  }
}

void bm_construct_member_pair(benchmark::State& state) { construct<member_pair>(state); }
void bm_construct_std_pair(benchmark::State& state) { construct<std_pair>(state); }
void bm_construct_array(benchmark::State& state) { construct<lock_array>(state); }

}  // namespace

BENCHMARK(bm_construct_member_pair)->Name("construct_member_pair");
BENCHMARK(bm_construct_std_pair)->Name("construct_std_pair");
BENCHMARK(bm_construct_array)->Name("construct_array/32");

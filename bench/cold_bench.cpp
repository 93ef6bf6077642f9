// Cold path: validating one new dependency in a large graph.
//
// cold_new_edge/<classes>: a random DAG of ~10 edges per class, edges only
// from a lower to a higher index, built directly through the bench hooks.
// About 10% of the classes carry irq usage: half were "used in hardirq"
// (irq-safe), half "softirq enabled" (two different irq states, so the graph
// itself holds no irq conflict). The timed step acquires a high-index class
// while holding a low-index one, with no edge between them yet: a chain-cache
// miss whose searches all run to the end (no cycle, no irq conflict):
//   the cycle search forward from the new lock, the hardirq search forward
//   from it for a hardirq-unsafe class, the softirq search backward from the
//   held lock for a softirq-safe class, plus the stack capture and the edge
//   and chain records. The edge and chain are removed again untimed.
//
// The acquisitions run with (simulated) hardirqs disabled, so they need only
// the INITIAL USE bit, which every class already has: the timing holds the
// dependency check, not usage marking.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <deque>
#include <random>
#include <string>

#include "cold_bench.hpp"

#include "core/bench_hooks.hpp"
#include "core/usage.hpp"
#include "lockdep/lockdep.hpp"

namespace {

namespace li = lockdep::internal;

constexpr int k_edges_per_class = 10;

struct random_dag {
  int n;
  std::deque<std::string> names;
  std::deque<lockdep::lock_class_key> keys;
  bool ok = true;

  // Named keys ("dag.<i>") are what a graph store records; unnamed dynamic
  // keys are not stored (nothing matches them in another process).
  random_dag(int classes, std::mt19937_64& rng, bool named) : n(classes) {
    for (int i = 0; i < n; ++i) {
      keys.emplace_back(named ? names.emplace_back("dag." + std::to_string(i)).c_str() : nullptr);
      lockdep::register_key(keys[i]);
    }
    std::uniform_int_distribution<int> pct(0, 99);
    for (int i = 0; i < n; ++i) {
      std::uint32_t usage = li::bit_mask(li::used);
      const int p = pct(rng);
      if (p < 5) usage |= li::bit_mask(li::used_in_hardirq);
      else if (p < 10) usage |= li::bit_mask(li::enabled_softirq);
      ok &= li::bench_add_usage(keys[i], usage);
    }
    for (int i = 0; i + 1 < n; ++i) {
      std::uniform_int_distribution<int> above(i + 1, n - 1);
      for (int k = 0; k < k_edges_per_class; ++k) ok &= li::bench_add_dependency(keys[i], keys[above(rng)]);
    }
  }
  ~random_dag() {
    lockdep::reset();
    for (int i = 0; i < n; ++i) lockdep::unregister_key(keys[i]);
  }
};

}  // namespace

void cold_new_edge(benchmark::State& state, bool named_keys) {
  const int n = static_cast<int>(state.range(0));
  if (!lockdep::reset()) {
    state.SkipWithError("lockdep::reset() refused");
    return;
  }
  std::mt19937_64 rng(20240601);
  random_dag dag(n, rng, named_keys);
  if (!dag.ok) {
    state.SkipWithError("graph tables too small for the DAG (default limits)");
    return;
  }
  const lockdep::statistics before = lockdep::get_statistics();
  std::uniform_int_distribution<int> low(0, n / 2 - 1), high(n / 2, n - 1);
  lockdep::local_irq_disable();
  for (auto _ : state) {
    state.PauseTiming();
    int lo, hi;
    do {
      lo = low(rng);
      hi = high(rng);
    } while (li::bench_has_dependency(dag.keys[lo], dag.keys[hi]));
    lockdep::lock_map held{dag.keys[lo]};
    lockdep::lock_map next{dag.keys[hi]};
    lockdep::lock_acquire(held);
    state.ResumeTiming();
    lockdep::lock_acquire(next);
    state.PauseTiming();
    lockdep::lock_release(next);
    lockdep::lock_release(held);
    li::bench_remove_dependency(dag.keys[lo], dag.keys[hi]);
    state.ResumeTiming();
  }
  lockdep::local_irq_enable();
  const lockdep::statistics after = lockdep::get_statistics();
  state.counters["classes"] = static_cast<double>(before.classes);
  state.counters["dependencies"] = static_cast<double>(before.dependencies);
  state.counters["graph_bytes"] = static_cast<double>(before.graph_bytes);
  state.counters["graph_MiB"] = static_cast<double>(before.graph_bytes) / (1024.0 * 1024.0);
  // Every timed step is a miss; a report would mean the setup is wrong.
  state.counters["reports"] = static_cast<double>(after.reports - before.reports);
  state.counters["cold_entries"] = static_cast<double>(after.cold_path_entries - before.cold_path_entries);
  state.SetItemsProcessed(state.iterations());
}

namespace {
void bm_cold_new_edge(benchmark::State& state) { cold_new_edge(state, false); }
BENCHMARK(bm_cold_new_edge)->Name("cold_new_edge")->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace

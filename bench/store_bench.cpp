// The graph store (graph_store=PATH), in lockdep_store_bench:
//
// store_load/100000: loading a store of 100,000 dependencies (10,000 named
//   classes, a random DAG of 10 edges per class, generated once, untimed):
//   open, read, and import into the graph - what a process does at start.
//   Budget: <= 100 ms.
// cold_new_edge_named/N, then cold_new_edge_store/N: cold_bench's step (one
//   new dependency validated) on named classes, without and then with a
//   store open, so every step also queues a recorded dependency and every
//   20 ms a batch is written. Budget: <= 10% more. Registered in that order:
//   the store stays open for the rest of the process.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>

#include "cold_bench.hpp"
#include "lockdep/lockdep.hpp"
#include "store/runtime.hpp"
#include "store/schema.hpp"

namespace {

namespace li = lockdep::internal;

std::string temp_path(const char* what) {
  return "/tmp/lockdep-store-bench-" + std::to_string(getpid()) + "-" + what + ".db";
}

// A store of `classes` classes and ~10 edges each (lower to higher index).
bool generate_store(const std::string& path, int classes, int* deps) {
  std::string error;
  sqlite3* db = li::open_store(path, true, &error);
  if (!db) return false;
  li::store_exec(db, "BEGIN;");
  sqlite3_stmt* c = nullptr;
  sqlite3_stmt* d = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO classes(id, descriptor, usage) VALUES(?1, ?2, 1);", -1, &c, nullptr);
  sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO deps(from_class, to_class, bits, stack, program, test, pid)"
                         " VALUES(?1, ?2, 8, 'main (bench+0x10) bench.cpp:1', 'bench', 'Load.Test', 1);",
                     -1, &d, nullptr);
  for (int i = 1; i <= classes; ++i) {
    const std::string desc = "store_bench.cpp:" + std::to_string(i) + ":0|load." + std::to_string(i) + "|0|3|0";
    sqlite3_bind_int(c, 1, i);
    sqlite3_bind_text(c, 2, desc.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(c);
    sqlite3_reset(c);
  }
  std::mt19937_64 rng(7);
  for (int i = 1; i < classes; ++i) {
    std::uniform_int_distribution<int> above(i + 1, classes);
    for (int k = 0; k < 10; ++k) {
      sqlite3_bind_int(d, 1, i);
      sqlite3_bind_int(d, 2, above(rng));
      sqlite3_step(d);
      sqlite3_reset(d);
    }
  }
  sqlite3_finalize(c);
  sqlite3_finalize(d);
  li::store_exec(db, "COMMIT;");
  sqlite3_stmt* n = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM deps;", -1, &n, nullptr);
  sqlite3_step(n);
  *deps = sqlite3_column_int(n, 0);
  sqlite3_finalize(n);
  sqlite3_close(db);
  return true;
}

void bm_store_load(benchmark::State& state) {
  const std::string path = temp_path("load");
  int deps = 0;
  if (!generate_store(path, static_cast<int>(state.range(0)) / 10, &deps)) {
    state.SkipWithError("cannot generate the store");
    return;
  }
  for (auto _ : state) {
    state.PauseTiming();
    lockdep::reset();
    state.ResumeTiming();
    if (!li::bench_import_store(path)) state.SkipWithError("import failed (tables too small?)");
  }
  state.counters["dependencies"] = deps;
  state.counters["graph_dependencies"] = static_cast<double>(lockdep::get_statistics().dependencies);
  lockdep::reset();
  std::remove(path.c_str());
}
BENCHMARK(bm_store_load)->Name("store_load")->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(5);

void bm_cold_named(benchmark::State& state) { cold_new_edge(state, true); }
BENCHMARK(bm_cold_named)->Name("cold_new_edge_named")->Arg(10000)->Unit(benchmark::kMicrosecond);

void bm_cold_store(benchmark::State& state) {
  static const std::string path = temp_path("record");
  static const bool opened = li::open_graph_store(path);
  if (!opened) {
    state.SkipWithError("cannot open the graph store");
    return;
  }
  cold_new_edge(state, true);
  li::flush_graph_store();
}
BENCHMARK(bm_cold_store)->Name("cold_new_edge_store")->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace

// The cold-path benchmark's body (cold_bench.cpp), shared with the graph
// store's benchmark (store_bench.cpp), which runs it with the store on.
#pragma once

#include <benchmark/benchmark.h>

// One new dependency validated per step in a random DAG of state.range(0)
// classes; `named_keys` gives the classes names (what a store records).
void cold_new_edge(benchmark::State& state, bool named_keys);

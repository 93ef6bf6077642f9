// The graph store in a running process (LOCKDEP_OPTIONS=graph_store=PATH):
// opened once at start-up, its dependencies imported into the core's graph
// (core/imports.hpp), this process's new dependencies and usage bits
// written to it in batches outside every core lock, and the rest at exit.
#pragma once

#include <string>

#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

// Reads graph_store from LOCKDEP_OPTIONS and opens it; a store that cannot
// be used is one warning, and the process runs on with its own graph.
void open_graph_store_at_start();
// The same for `path` (once per process; false if the store is not used).
bool open_graph_store(const std::string& path);
// Benchmarks: open `path` and import it into the graph (again after
// lockdep::reset()), without recording; false on any failure.
bool bench_import_store(const std::string& path);

// An imported edge (core/imports.hpp: imported_edge_id) as the store has it:
// the stack text of its first recording and "recorded by <program>
// (<test>) pid N". False when unknown. No core lock may be held.
bool imported_edge_origin(unsigned edge_id, std::string* stack, std::string* origin);

// Write everything queued now (tests; also run at exit).
void flush_graph_store();

LOCKDEP_INTERNAL_END

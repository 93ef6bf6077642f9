// lockdep-graph: one or more graph stores loaded as one graph, classes
// matched by descriptor (store/schema.hpp), each edge keeping every run
// that recorded it (one per store).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lockdep_graph {

// Where an edge was recorded: a row of one of the loaded stores. Its text
// (the stack and the run) is read only when printed (origin_text): a large
// store's stacks are never all in memory.
struct origin {
  std::uint32_t store = 0;  // index into loaded_graph::paths
  std::int64_t row = 0;     // its deps.id there
};

struct edge {
  std::uint32_t from = 0, to = 0;
  std::uint8_t bits = 0;  // dep_bits (core/dep_types.hpp)
  std::vector<origin> origins;  // one a store row
  std::uint64_t runs = 0;        // the runs that recorded it: a merged row counts several
};

struct loaded_graph {
  std::vector<std::string> paths;  // the stores, in load order
  std::vector<std::string> descriptors;  // class id -> descriptor
  std::vector<std::uint32_t> usage;
  std::unordered_map<std::string, std::uint32_t> class_ids;
  std::vector<edge> edges;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> edge_ids;
  std::vector<std::vector<std::uint32_t>> after;  // class -> edges leaving it
  // Signal usage (store/schema.hpp signal_usage): each signal its own
  // interrupt state, named as the stores name it ("SIGUSR1").
  std::vector<std::string> signals;                       // in first-seen order
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint8_t> signal_usage;  // (class, signal) -> bits
};

// Adds the store at `path` to `g`; false with a message in *error.
bool load_store(const std::string& path, loaded_graph& g, std::string* error);

// The stack (symbolized, one frame a line) and run ("<program> (<test>)
// pid N") of `o`, read from its store; false (and placeholders) if it cannot
// be read any more.
bool origin_text(const loaded_graph& g, const origin& o, std::string* stack, std::string* run);

// Strongly connected component of each class (Tarjan, iterative): only an
// edge inside one component can be on a cycle.
std::vector<std::uint32_t> components(const loaded_graph& g);

// A strong cycle (kernel-lockdep.md §3.6) through edge `e`, as edge ids in
// path order from e.to back to e.from, then e; empty when none. The search
// stays inside e's component (`comp` from components()).
std::vector<std::uint32_t> cycle_through(const loaded_graph& g, const std::vector<std::uint32_t>& comp,
                                         std::uint32_t e);

}  // namespace lockdep_graph

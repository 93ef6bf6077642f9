// What lockdep-graph check finds, printed in the kernel's format as far as
// the stores have the data: each edge with the stack of its first recording
// and the runs that recorded it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph_file.hpp"
#include "irq_check.hpp"

namespace lockdep_graph {

// "(name){usage}" and the bare name of a class.
std::string name_of(const loaded_graph& g, std::uint32_t c);
std::string plain(const loaded_graph& g, std::uint32_t c);
// An edge's first stack, then the runs that recorded it (a few, then a count).
void print_origins(const loaded_graph& g, const edge& e);
// "<program> (<test>) pid N" of the edge's first recording.
std::string first_run(const loaded_graph& g, const edge& e);
// `cycle` (cycle_through) as the kernel's circular-dependency report.
void print_cycle(const loaded_graph& g, const std::vector<std::uint32_t>& cycle);
// An irq-safe -> irq-unsafe path as the kernel's "possible irq lock
// inversion", or one class's conflicting usage as "inconsistent lock state".
void print_irq_problem(const loaded_graph& g, const irq_problem& p);

}  // namespace lockdep_graph

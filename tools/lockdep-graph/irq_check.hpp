// lockdep-graph check's interrupt rules over the loaded graph (the core's
// checks.cpp, for the graph of many stores): a class used in an interrupt
// state S (IN-S-W/R: irq-safe) and a class taken with S enabled (S-ON-W/R:
// irq-unsafe) deadlock when a strong path leads from the first to the second
// (the unsafe holder is interrupted, the handler waits for the safe class,
// whose holder waits along the path for the unsafe one). With readers: a
// read-only irq-safe class needs the path to leave it exclusively, a
// read-only irq-unsafe class needs it entered non-recursively. One class
// with both (conflicting_bits) is an inconsistent lock state.
//
// Usage words are read with this build's bit layout (core/usage.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "graph_file.hpp"

namespace lockdep_graph {

// Each signal of the stores' signal_usage is a state of its own, as
// HARDIRQ and SOFTIRQ are: its bits never meet another signal's.
struct irq_problem {
  unsigned state = 0;             // the interrupt state (core/usage.hpp), if not a signal
  int signal = -1;                // else the signal (index into loaded_graph::signals)
  std::uint32_t safe = 0, unsafe = 0;  // classes; equal for an inconsistent state
  unsigned safe_bit = 0, unsafe_bit = 0;  // usage bits (a signal's: 0..3, as in signal_usage)
  std::vector<std::uint32_t> path;  // edge ids, safe -> ... -> unsafe; empty when inconsistent
};

// Every inconsistent class, then for each state one path to every irq-unsafe
// class some irq-safe class reaches (a multi-source search per state: linear
// in the graph, whatever the number of irq-safe classes).
std::vector<irq_problem> irq_problems(const loaded_graph& g);

}  // namespace lockdep_graph

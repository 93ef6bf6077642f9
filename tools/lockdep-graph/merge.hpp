// lockdep-graph merge OUT STORE...: every class and dependency of the
// stores into OUT (created when absent). Classes are matched by descriptor,
// usage and dependency bits OR'ed; a dependency keeps the stack and run of
// the first store that had it.
#pragma once

#include <string>
#include <vector>

namespace lockdep_graph {

// Exit status: 0, or 2 with a message on stderr (a store that cannot be
// read, or OUT cannot be written). A new OUT appears only when complete.
int merge_stores(const std::string& out, const std::vector<std::string>& paths);

}  // namespace lockdep_graph

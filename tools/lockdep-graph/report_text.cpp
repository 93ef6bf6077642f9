// The kernel-format text of what lockdep-graph check finds (report_text.hpp).
#include "report_text.hpp"

#include <algorithm>
#include <cstdio>

#include "core/usage.hpp"
#include "store/schema.hpp"

namespace lockdep_graph {

using namespace lockdep::internal;

std::string name_of(const loaded_graph& g, std::uint32_t c) {
  char u[k_usage_chars + 1];
  usage_chars(g.usage[c], u);
  return "(" + descriptor_label(g.descriptors[c]) + "){" + u + "}";
}
std::string plain(const loaded_graph& g, std::uint32_t c) { return descriptor_label(g.descriptors[c]); }

std::string first_run(const loaded_graph& g, const edge& e) {
  std::string stack, run;
  origin_text(g, e.origins.front(), &stack, &run);
  return run;
}

void print_origins(const loaded_graph& g, const edge& e) {
  constexpr std::size_t k_shown = 3;
  std::string stack, run;
  origin_text(g, e.origins.front(), &stack, &run);
  for (std::size_t at = 0, end; at < stack.size(); at = end + 1) {
    end = stack.find('\n', at);
    if (end == std::string::npos) end = stack.size();
    if (end > at) std::printf("       %s\n", stack.substr(at, end - at).c_str());
  }
  for (std::size_t i = 0; i < e.origins.size() && i < k_shown; ++i) {
    if (i) origin_text(g, e.origins[i], &stack, &run);
    std::printf("       recorded by %s\n", run.c_str());
  }
  const std::uint64_t shown = std::min<std::uint64_t>(e.origins.size(), k_shown);
  if (e.runs > shown)
    std::printf("       and by %llu more run%s\n", static_cast<unsigned long long>(e.runs - shown),
                e.runs - shown == 1 ? "" : "s");
}

// `cycle` runs next -> ... -> prev, then the closing edge prev -> next: as
// the kernel prints acquiring next while holding prev.
void print_cycle(const loaded_graph& g, const std::vector<std::uint32_t>& cycle) {
  const edge& closing = g.edges[cycle.back()];
  const std::uint32_t prev = closing.from, next = closing.to;
  const std::string header = "WARNING: possible circular locking dependency detected";
  std::printf("\n%s\n%s\nlockdep-graph check: a cycle of %zu dependencies in the recorded graph\n%s\n",
              std::string(header.size(), '=').c_str(), header.c_str(), cycle.size(),
              std::string(header.size(), '-').c_str());
  std::printf("%s is trying to acquire lock:\n%s\n\nbut task is already holding lock:\n%s\n\n",
              first_run(g, closing).c_str(), name_of(g, next).c_str(), name_of(g, prev).c_str());
  std::printf("which lock already depends on the new lock.\n\n\nthe existing dependency chain (in reverse order) is:\n");
  // #N is prev (with the edge into it), ... #0 is next (with the closing edge).
  const std::size_t n = cycle.size();
  for (std::size_t i = n; i-- > 0;) {
    const edge& into = g.edges[i == 0 ? cycle.back() : cycle[i - 1]];
    const std::uint32_t cls = i == 0 ? next : g.edges[cycle[i - 1]].to;
    std::printf("\n-> #%zu %s:\n", i, name_of(g, cls).c_str());
    print_origins(g, into);
  }
  std::printf("\nother info that might help us debug this:\n\n");
  const std::uint32_t parent = n > 1 ? g.edges[cycle[n - 2]].from : next;
  if (n > 2) std::printf("Chain exists of:\n  %s --> %s --> %s\n\n", plain(g, next).c_str(), plain(g, parent).c_str(),
                         plain(g, prev).c_str());
  std::printf(" Possible unsafe locking scenario:\n\n       CPU0                    CPU1\n"
              "       ----                    ----\n");
  std::printf("  lock(%s);\n", plain(g, prev).c_str());
  std::printf("                               lock(%s);\n", plain(g, parent).c_str());
  std::printf("                               lock(%s);\n", plain(g, prev).c_str());
  std::printf("  lock(%s);\n\n *** DEADLOCK ***\n\n", plain(g, next).c_str());
}

namespace {

void banner(const char* title, const std::string& detail) {
  const std::string t(title);
  std::printf("\n%s\n%s\n%s\n%s\n", std::string(t.size(), '=').c_str(), title, detail.c_str(),
              std::string(t.size(), '-').c_str());
}

// The kernel's interrupt scenario (print_irq_lock_scenario): the middle
// class is the safe class's neighbour on the path.
void irq_scenario(const std::string& safe, const std::string& middle, const std::string& unsafe) {
  if (middle != unsafe) std::printf("Chain exists of:\n  %s --> %s --> %s\n\n", safe.c_str(), middle.c_str(), unsafe.c_str());
  std::printf(" Possible interrupt unsafe locking scenario:\n\n       CPU0                    CPU1\n"
              "       ----                    ----\n");
  std::printf("  lock(%s);\n", unsafe.c_str());
  std::printf("                               local_irq_disable();\n");
  std::printf("                               lock(%s);\n", safe.c_str());
  std::printf("                               lock(%s);\n", middle.c_str());
  std::printf("  <Interrupt>\n    lock(%s);\n\n *** DEADLOCK ***\n\n", safe.c_str());
}

}  // namespace

void print_irq_problem(const loaded_graph& g, const irq_problem& p) {
  const std::string state = state_label(p.safe_bit);
  if (p.path.empty()) {
    banner("WARNING: inconsistent lock state",
           "lockdep-graph check: one class in the recorded graph, its usage merged from the runs");
    std::printf("inconsistent {%s} -> {%s} usage.\n", usage_label(p.safe_bit), usage_label(p.unsafe_bit));
    std::printf("%s\n(the runs recorded both; the stores keep no stack for a usage bit)\n\n", name_of(g, p.safe).c_str());
    std::printf("other info that might help us debug this:\n Possible unsafe locking scenario:\n\n"
                "       CPU0\n       ----\n  lock(%s);\n  <Interrupt>\n    lock(%s);\n\n *** DEADLOCK ***\n\n",
                plain(g, p.safe).c_str(), plain(g, p.safe).c_str());
    return;
  }
  banner("WARNING: possible irq lock inversion dependency detected",
         "lockdep-graph check: a path of " + std::to_string(p.path.size()) +
             (p.path.size() == 1 ? " dependency" : " dependencies") + " in the recorded graph");
  std::printf("lock %s is %s-safe (%s)\n", name_of(g, p.safe).c_str(), state.c_str(), usage_label(p.safe_bit));
  std::printf("but this lock took another, %s-unsafe lock (%s) in the past:\n %s\n\n", state_label(p.unsafe_bit),
              usage_label(p.unsafe_bit), name_of(g, p.unsafe).c_str());
  std::printf("\nand interrupts could create inverse lock ordering between them.\n\n\n"
              "other info that might help us debug this:\n");
  irq_scenario(plain(g, p.safe), plain(g, g.edges[p.path.front()].to), plain(g, p.unsafe));
  std::printf("the dependencies from the 1st lock to the 2nd lock:\n\n-> #0 %s\n", name_of(g, p.safe).c_str());
  for (std::size_t i = 0; i < p.path.size(); ++i) {
    const edge& e = g.edges[p.path[i]];
    std::printf("\n-> #%zu %s:\n", i + 1, name_of(g, e.to).c_str());
    print_origins(g, e);
  }
  std::printf("\n");
}

}  // namespace lockdep_graph

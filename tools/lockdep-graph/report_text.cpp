// The kernel-format text of what lockdep-graph check finds (report_text.hpp).
#include "report_text.hpp"

#include <algorithm>
#include <cstdio>

#include "core/usage.hpp"
#include "store/schema.hpp"

namespace lockdep_graph {

using namespace lockdep::internal;

// The kernel states' characters, then "|SIGUSR1:-." for each signal the
// class has usage in, as in-process reports print a line's.
std::string name_of(const loaded_graph& g, std::uint32_t c) {
  char u[k_usage_chars + 1];
  usage_chars(g.usage[c] & ~k_signal_usage_mask, u);
  std::string chars = u;
  for (auto it = g.signal_usage.lower_bound({c, 0}); it != g.signal_usage.end() && it->first.first == c; ++it) {
    char two[2];
    state_usage_chars(it->second, two);
    chars += "|" + g.signals[it->first.second] + ":" + std::string(two, 2);
  }
  return "(" + descriptor_label(g.descriptors[c]) + "){" + chars + "}";
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

// A problem's labels: the core's for a kernel state; a signal's built from
// its name, as signal lines are named (core/signal_lines.hpp).
std::string usage_text(const loaded_graph& g, const irq_problem& p, unsigned bit) {
  if (p.signal < 0) return usage_label(bit);
  static const char* const k_prefix[4] = {"IN-", "IN-", "", ""};
  static const char* const k_suffix[4] = {"-W", "-R", "-ON-W", "-ON-R"};
  return k_prefix[bit & 3u] + g.signals[static_cast<std::size_t>(p.signal)] + k_suffix[bit & 3u];
}
std::string state_text(const loaded_graph& g, const irq_problem& p, unsigned bit) {
  if (p.signal < 0) return state_label(bit);
  return g.signals[static_cast<std::size_t>(p.signal)] + (is_read_bit(bit) ? "-READ" : "");
}
// "<Interrupt>", or the signal arriving: "<SIGUSR1>".
std::string interrupt_text(const loaded_graph& g, const irq_problem& p) {
  return p.signal < 0 ? "<Interrupt>" : "<" + g.signals[static_cast<std::size_t>(p.signal)] + ">";
}

// The kernel's interrupt scenario (print_irq_lock_scenario): the middle
// class is the safe class's neighbour on the path. A signal's other side
// blocks it where the kernel's disables irqs.
void irq_scenario(const loaded_graph& g, const irq_problem& p, const std::string& safe, const std::string& middle,
                  const std::string& unsafe) {
  if (middle != unsafe) std::printf("Chain exists of:\n  %s --> %s --> %s\n\n", safe.c_str(), middle.c_str(), unsafe.c_str());
  std::printf(" Possible interrupt unsafe locking scenario:\n\n       CPU0                    CPU1\n"
              "       ----                    ----\n");
  std::printf("  lock(%s);\n", unsafe.c_str());
  if (p.signal < 0)
    std::printf("                               local_irq_disable();\n");
  else
    std::printf("                               block(%s);\n", g.signals[static_cast<std::size_t>(p.signal)].c_str());
  std::printf("                               lock(%s);\n", safe.c_str());
  std::printf("                               lock(%s);\n", middle.c_str());
  std::printf("  %s\n    lock(%s);\n\n *** DEADLOCK ***\n\n", interrupt_text(g, p).c_str(), safe.c_str());
}

}  // namespace

void print_irq_problem(const loaded_graph& g, const irq_problem& p) {
  const std::string state = state_text(g, p, p.safe_bit);
  const std::string safe_usage = usage_text(g, p, p.safe_bit), unsafe_usage = usage_text(g, p, p.unsafe_bit);
  if (p.path.empty()) {
    banner("WARNING: inconsistent lock state",
           "lockdep-graph check: one class in the recorded graph, its usage merged from the runs");
    std::printf("inconsistent {%s} -> {%s} usage.\n", safe_usage.c_str(), unsafe_usage.c_str());
    std::printf("%s\n(the runs recorded both; the stores keep no stack for a usage bit)\n\n", name_of(g, p.safe).c_str());
    std::printf("other info that might help us debug this:\n Possible unsafe locking scenario:\n\n"
                "       CPU0\n       ----\n  lock(%s);\n  %s\n    lock(%s);\n\n *** DEADLOCK ***\n\n",
                plain(g, p.safe).c_str(), interrupt_text(g, p).c_str(), plain(g, p.safe).c_str());
    return;
  }
  banner("WARNING: possible irq lock inversion dependency detected",
         "lockdep-graph check: a path of " + std::to_string(p.path.size()) +
             (p.path.size() == 1 ? " dependency" : " dependencies") + " in the recorded graph");
  std::printf("lock %s is %s-safe (%s)\n", name_of(g, p.safe).c_str(), state.c_str(), safe_usage.c_str());
  std::printf("but this lock took another, %s-unsafe lock (%s) in the past:\n %s\n\n",
              state_text(g, p, p.unsafe_bit).c_str(), unsafe_usage.c_str(), name_of(g, p.unsafe).c_str());
  std::printf("\nand interrupts could create inverse lock ordering between them.\n\n\n"
              "other info that might help us debug this:\n");
  irq_scenario(g, p, plain(g, p.safe), plain(g, g.edges[p.path.front()].to), plain(g, p.unsafe));
  std::printf("the dependencies from the 1st lock to the 2nd lock:\n\n-> #0 %s\n", name_of(g, p.safe).c_str());
  for (std::size_t i = 0; i < p.path.size(); ++i) {
    const edge& e = g.edges[p.path[i]];
    std::printf("\n-> #%zu %s:\n", i + 1, name_of(g, e.to).c_str());
    print_origins(g, e);
  }
  std::printf("\n");
}

}  // namespace lockdep_graph

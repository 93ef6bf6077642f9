// Views of the graph in the spirit of /proc/lockdep, /proc/lockdep_chains and
// /proc/lockdep_stats, and a Graphviz export (lockdep/introspect.hpp).
//
// Everything is copied out through the core's read-only view (core/view.hpp)
// first and formatted after, so the graph lock is held only while copying.
#include <algorithm>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/view.hpp"
#include "kinds/report_kinds.hpp"
#include "lockdep/introspect.hpp"
#include "report/build.hpp"
#include "report/observer.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

// Classes that reports of cycles and irq inversions named, as (key, subclass).
spin_mutex g_reported_lock;
std::set<std::pair<const lock_class_key*, unsigned>>* g_reported = nullptr;

}  // namespace

void reported_fork_lock() noexcept { g_reported_lock.lock(); }
void reported_fork_unlock() noexcept { g_reported_lock.unlock(); }

namespace {

bool is_reported(const class_snapshot& c) {
  std::lock_guard<spin_mutex> g(g_reported_lock);
  return g_reported && g_reported->count({c.key, c.subclass});
}

const class_view* find_view(const std::vector<class_view>& views, std::uint32_t id) {
  auto it = std::lower_bound(views.begin(), views.end(), id,
                             [](const class_view& v, std::uint32_t x) { return v.id < x; });
  return it != views.end() && it->id == id ? &*it : nullptr;
}

// "EN", "SR", ... for the dependency types of an edge (graph.hpp).
std::string dep_label(std::uint8_t dep) {
  std::string s;
  for (const auto& [bit, name] : k_dep_types) {
    if (!(dep & bit)) continue;
    if (!s.empty()) s += ",";
    s += name;
  }
  return s;
}

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace

void note_reported(const report& rep) {
  if (!(kind_info(rep.kind).traits & k_kind_dependency)) return;
  std::lock_guard<spin_mutex> g(g_reported_lock);  // the set allocates: unlock on bad_alloc too
  if (!g_reported) g_reported = new std::set<std::pair<const lock_class_key*, unsigned>>();
  auto add = [](const class_info& c) {
    if (c.key) g_reported->insert({c.key, c.subclass});
  };
  for (const class_info& c : rep.classes) add(c);
  for (const auto* chain : {&rep.chain, &rep.forward_chain})
    for (const dependency_step& s : *chain) add(s.cls);
}

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE
using namespace internal;

std::string dump_classes() {
  const auto views = read_graph(true);
  std::string out = "all lock classes:\n";
  for (const class_view& v : views) {
    char usage[k_usage_chars + 1];
    usage_chars(v.snap.usage, usage);
    absl::StrAppendFormat(&out, "%016x FD:%5u BD:%5u %s: %s\n", reinterpret_cast<std::uintptr_t>(v.snap.key),
                          v.forward, v.backward, usage, class_name(v.snap));
    for (const class_view::edge& e : v.after) {
      if (!e.direct) continue;  // like the kernel: direct dependencies only
      const class_view* to = find_view(views, e.to);
      if (!to) continue;
      absl::StrAppendFormat(&out, " -> [%016x] %s\n", reinterpret_cast<std::uintptr_t>(to->snap.key),
                            class_name(to->snap));
    }
    out += "\n";
  }
  return out;
}

std::string dump_chains() {
  const std::vector<chain_view> chains = read_chains();
  std::string out = "all lock chains:\n";
  for (const chain_view& c : chains) {
    absl::StrAppendFormat(&out, "irq_context: %u\n", c.irq_context);
    for (const auto& [snap, read] : c.locks)
      absl::StrAppendFormat(&out, "[%016x] %s%s\n", reinterpret_cast<std::uintptr_t>(snap.key), class_name(snap),
                            read == 0 ? "" : (read == 1 ? " (read)" : " (recursive read)"));
    out += "\n";
  }
  return out;
}

std::string dump_stats() {
  const statistics s = get_statistics();
  const core_counts counts = read_counts();
  const std::uint64_t hlocks = counts.chain_hlocks, max_hlocks = counts.max_chain_hlocks;
  std::string out;
  auto line = [&](const char* what, std::uint64_t n) { absl::StrAppendFormat(&out, " %-40s %11u\n", what, n); };
  auto line_max = [&](const char* what, std::uint64_t n, std::uint64_t max) {
    absl::StrAppendFormat(&out, " %-40s %11u [max: %u]\n", what, n, max);
  };
  line_max("lock-classes:", s.classes, s.max_classes);
  line_max("direct dependencies:", s.dependencies, s.max_dependencies);
  line_max("dependency chains:", s.chains, s.max_chains);
  line_max("dependency chain hlocks used:", hlocks, max_hlocks);
  line_max("stack-trace entries:", s.trace_entries, s.max_trace_entries);
  line("chain lookup misses (cold path):", s.cold_path_entries);
  line("reports delivered:", s.reports);
  line("reports suppressed (duplicate/over max):", s.suppressed);
  line("reports dropped (queue full, told later):", s.dropped);
  line("reports waived:", s.waived);
  line("graph memory (bytes):", s.graph_bytes);
  line("debug_locks:", s.enabled ? 1 : 0);
  return out;
}

std::string graph_dot() {
  const auto views = read_graph(false);
  std::string out =
      "digraph lockdep {\n"
      "  // Edges: A -> B = B was acquired while A was held. Labels: how A was held\n"
      "  // (E exclusive, S shared) and B taken (N non-recursive, R recursive read).\n"
      "  // Dashed: only ever learnt with other locks in between. Red: named by a\n"
      "  // report of a cycle or irq inversion.\n"
      "  node [shape=box, fontname=\"monospace\"];\n";
  std::vector<bool> red(views.empty() ? 1 : views.back().id + 1, false);
  for (const class_view& v : views) {
    const std::uint32_t id = v.id;
    char usage[k_usage_chars + 1];
    usage_chars(v.snap.usage, usage);
    red[id] = is_reported(v.snap);
    absl::StrAppendFormat(&out, "  c%u [label=\"%s\\n{%s}\"%s];\n", id, dot_escape(class_name(v.snap)), usage,
                          red[id] ? ", color=red, style=filled, fillcolor=\"#ffd6d6\"" : "");
  }
  for (const class_view& v : views) {
    const std::uint32_t id = v.id;
    for (const class_view::edge& e : v.after) {
      if (!find_view(views, e.to)) continue;
      std::string attrs = absl::StrCat("label=\"", dep_label(e.dep), "\"");
      if (!e.direct) attrs += ", style=dashed";
      if (red[id] && e.to < red.size() && red[e.to]) attrs += ", color=red, fontcolor=red";
      absl::StrAppendFormat(&out, "  c%u -> c%u [%s];\n", id, e.to, attrs);
    }
  }
  out += "}\n";
  return out;
}

LOCKDEP_END_NAMESPACE

// lockdep-graph: the graph stores that runs with LOCKDEP_OPTIONS=graph_store
// wrote, read as one graph.
//
//   lockdep-graph check STORE...          every cycle across the stores, in the
//                                         kernel's format; exit 1 if any
//   lockdep-graph merge OUT STORE...      OUT gets every class and dependency
//   lockdep-graph dot STORE               Graphviz; edges on cycles in red
//   lockdep-graph stats STORE             classes, dependencies, runs
//   lockdep-graph forget STORE PATTERN    drop classes whose descriptor or
//                                         name matches the glob
//
// Exit status 2 on a usage error or a store that cannot be read.
#include <fnmatch.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "core/usage.hpp"
#include "graph_file.hpp"
#include "merge.hpp"
#include "store/schema.hpp"

using namespace lockdep::internal;
using namespace lockdep_graph;

namespace {

int usage_error() {
  std::fprintf(stderr,
               "usage: lockdep-graph check STORE...\n"
               "       lockdep-graph merge OUT STORE...\n"
               "       lockdep-graph dot STORE\n"
               "       lockdep-graph stats STORE\n"
               "       lockdep-graph forget STORE CLASS-PATTERN\n");
  return 2;
}

bool load_all(const std::vector<std::string>& paths, loaded_graph& g) {
  for (const std::string& p : paths) {
    std::string error;
    if (!load_store(p, g, &error)) {
      std::fprintf(stderr, "lockdep-graph: %s %s\n", p.c_str(), error.c_str());
      return false;
    }
  }
  return true;
}

std::string name_of(const loaded_graph& g, std::uint32_t c) {
  char u[k_usage_chars + 1];
  usage_chars(g.usage[c], u);
  return "(" + descriptor_label(g.descriptors[c]) + "){" + u + "}";
}
std::string plain(const loaded_graph& g, std::uint32_t c) { return descriptor_label(g.descriptors[c]); }

void print_origins(const edge& e) {
  constexpr std::size_t k_shown = 3;
  const origin& first = e.origins.front();
  for (std::size_t at = 0, end; at < first.stack.size(); at = end + 1) {
    end = first.stack.find('\n', at);
    if (end == std::string::npos) end = first.stack.size();
    if (end > at) std::printf("       %s\n", first.stack.substr(at, end - at).c_str());
  }
  for (std::size_t i = 0; i < e.origins.size() && i < k_shown; ++i)
    std::printf("       recorded by %s\n", e.origins[i].run.c_str());
  if (e.origins.size() > k_shown) std::printf("       and by %zu more runs\n", e.origins.size() - k_shown);
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
              closing.origins.front().run.c_str(), name_of(g, next).c_str(), name_of(g, prev).c_str());
  std::printf("which lock already depends on the new lock.\n\n\nthe existing dependency chain (in reverse order) is:\n");
  // #N is prev (with the edge into it), ... #0 is next (with the closing edge).
  const std::size_t n = cycle.size();
  for (std::size_t i = n; i-- > 0;) {
    const edge& into = g.edges[i == 0 ? cycle.back() : cycle[i - 1]];
    const std::uint32_t cls = i == 0 ? next : g.edges[cycle[i - 1]].to;
    std::printf("\n-> #%zu %s:\n", i, name_of(g, cls).c_str());
    print_origins(into);
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

// Every distinct cycle once: by its set of classes.
std::vector<std::vector<std::uint32_t>> all_cycles(const loaded_graph& g) {
  std::vector<std::vector<std::uint32_t>> out;
  std::set<std::vector<std::uint32_t>> seen;
  const std::vector<std::uint32_t> comp = components(g);
  for (std::uint32_t e = 0; e < g.edges.size(); ++e) {
    std::vector<std::uint32_t> cycle = cycle_through(g, comp, e);
    if (cycle.empty()) continue;
    std::vector<std::uint32_t> classes;
    for (std::uint32_t id : cycle) classes.push_back(g.edges[id].from);
    std::sort(classes.begin(), classes.end());
    if (seen.insert(classes).second) out.push_back(std::move(cycle));
  }
  return out;
}

int check(const std::vector<std::string>& paths) {
  loaded_graph g;
  if (!load_all(paths, g)) return 2;
  const auto cycles = all_cycles(g);
  for (const auto& c : cycles) print_cycle(g, c);
  std::printf("lockdep-graph: %zu classes, %zu dependencies, %zu cycle%s\n", g.descriptors.size(), g.edges.size(),
              cycles.size(), cycles.size() == 1 ? "" : "s");
  return cycles.empty() ? 0 : 1;
}

int dot(const std::string& path) {
  loaded_graph g;
  if (!load_all({path}, g)) return 2;
  std::set<std::uint32_t> red;
  for (const auto& c : all_cycles(g)) red.insert(c.begin(), c.end());
  std::printf("digraph lockdep {\n  node [shape=box];\n");
  for (std::uint32_t c = 0; c < g.descriptors.size(); ++c) {
    std::string label = plain(g, c);
    std::replace(label.begin(), label.end(), '"', '\'');
    std::printf("  c%u [label=\"%s\"];\n", c, label.c_str());
  }
  for (std::uint32_t e = 0; e < g.edges.size(); ++e)
    std::printf("  c%u -> c%u%s;\n", g.edges[e].from, g.edges[e].to, red.count(e) ? " [color=red]" : "");
  std::printf("}\n");
  return 0;
}

int stats(const std::string& path) {
  loaded_graph g;
  if (!load_all({path}, g)) return 2;
  std::set<std::string> runs, programs;
  for (const edge& e : g.edges)
    for (const origin& o : e.origins) {
      runs.insert(o.run);
      programs.insert(o.run.substr(0, o.run.find(' ')));
    }
  std::printf("classes: %zu\ndependencies: %zu\nruns: %zu\nprograms:", g.descriptors.size(), g.edges.size(),
              runs.size());
  for (const std::string& p : programs) std::printf(" %s", p.c_str());
  std::printf("\n");
  return 0;
}

int forget(const std::string& path, const std::string& pattern) {
  std::string error;
  sqlite3* db = open_store(path, false, &error);
  if (!db) {
    std::fprintf(stderr, "lockdep-graph: %s %s\n", path.c_str(), error.c_str());
    return 2;
  }
  std::vector<std::int64_t> ids;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT id, descriptor FROM classes;", -1, &st, nullptr);
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    const std::string d = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    if (fnmatch(pattern.c_str(), d.c_str(), 0) == 0 || fnmatch(pattern.c_str(), descriptor_label(d).c_str(), 0) == 0)
      ids.push_back(sqlite3_column_int64(st, 0));
  }
  sqlite3_finalize(st);
  bool ok = store_exec(db, "BEGIN IMMEDIATE;", &error);
  for (std::int64_t id : ids) {
    const std::string n = std::to_string(id);
    ok = ok && store_exec(db, ("DELETE FROM deps WHERE from_class = " + n + " OR to_class = " + n +
                               "; DELETE FROM classes WHERE id = " + n + ";").c_str(), &error);
  }
  ok = ok && store_exec(db, "COMMIT;", &error);
  if (!ok) {
    store_exec(db, "ROLLBACK;");
    std::fprintf(stderr, "lockdep-graph: %s: %s\n", path.c_str(), error.c_str());
  } else {
    std::printf("lockdep-graph: forgot %zu class%s\n", ids.size(), ids.size() == 1 ? "" : "es");
  }
  sqlite3_close(db);
  return ok ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage_error();
  const std::string cmd = argv[1];
  std::vector<std::string> rest(argv + 2, argv + argc);
  if (cmd == "check") return check(rest);
  if (cmd == "merge" && rest.size() >= 2) return merge_stores(rest[0], {rest.begin() + 1, rest.end()});
  if (cmd == "dot" && rest.size() == 1) return dot(rest[0]);
  if (cmd == "stats" && rest.size() == 1) return stats(rest[0]);
  if (cmd == "forget" && rest.size() == 2) return forget(rest[0], rest[1]);
  return usage_error();
}

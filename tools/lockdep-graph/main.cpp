// lockdep-graph: the graph stores that runs with LOCKDEP_OPTIONS=graph_store
// wrote, read as one graph.
//
//   lockdep-graph check STORE...          every cycle and irq inversion across the
//                                         stores, in the kernel's format; exit 1 if any
//   lockdep-graph merge OUT STORE...      OUT gets every class and dependency
//   lockdep-graph dot STORE               Graphviz; edges on cycles in red
//   lockdep-graph stats STORE             classes, dependencies, runs, programs, signals
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
#include "report_text.hpp"
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
  const auto irq = irq_problems(g);
  std::size_t inconsistent = 0;
  for (const irq_problem& p : irq) {
    print_irq_problem(g, p);
    inconsistent += p.path.empty();
  }
  std::printf("lockdep-graph: %zu classes, %zu dependencies, %zu cycle%s\n", g.descriptors.size(), g.edges.size(),
              cycles.size(), cycles.size() == 1 ? "" : "s");
  const std::size_t inversions = irq.size() - inconsistent;
  std::printf("lockdep-graph: %zu irq inversion%s, %zu inconsistent lock state%s\n", inversions,
              inversions == 1 ? "" : "s", inconsistent, inconsistent == 1 ? "" : "s");
  return cycles.empty() && irq.empty() ? 0 : 1;
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

// Read by SQL, not loaded: a merged fleet store is large.
int stats(const std::string& path) {
  std::string error;
  sqlite3* db = open_store(path, false, &error);
  if (!db) {
    std::fprintf(stderr, "lockdep-graph: %s %s\n", path.c_str(), error.c_str());
    return 2;
  }
  auto number = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    long long n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
  };
  std::printf("classes: %lld\ndependencies: %lld\nruns: %lld\nprograms:", number("SELECT count(*) FROM classes;"),
              number("SELECT count(*) FROM deps;"),
              number("SELECT count(*) FROM (SELECT DISTINCT program, test, pid FROM deps);"));
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT DISTINCT program FROM deps ORDER BY program;", -1, &st, nullptr);
  while (st && sqlite3_step(st) == SQLITE_ROW)
    if (const unsigned char* p = sqlite3_column_text(st, 0)) std::printf(" %s", reinterpret_cast<const char*>(p));
  sqlite3_finalize(st);
  // The signals whose handlers' usage the runs recorded (a state each).
  std::printf("\nsignals:");
  if (store_has_signal_usage(db)) {
    sqlite3_prepare_v2(db, "SELECT DISTINCT signal FROM signal_usage ORDER BY signal;", -1, &st, nullptr);
    while (st && sqlite3_step(st) == SQLITE_ROW)
      if (const unsigned char* p = sqlite3_column_text(st, 0)) std::printf(" %s", reinterpret_cast<const char*>(p));
    sqlite3_finalize(st);
  }
  std::printf("\n");
  sqlite3_close(db);
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
                               "; DELETE FROM signal_usage WHERE class = " + n +
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
  // One thread: SQLite needs no mutexes, and no memory statistics (each
  // takes a lock per call: a fifth of merge's instructions).
  sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  const std::string cmd = argv[1];
  std::vector<std::string> rest(argv + 2, argv + argc);
  if (cmd == "check") return check(rest);
  if (cmd == "merge" && rest.size() >= 2) return merge_stores(rest[0], {rest.begin() + 1, rest.end()});
  if (cmd == "dot" && rest.size() == 1) return dot(rest[0]);
  if (cmd == "stats" && rest.size() == 1) return stats(rest[0]);
  if (cmd == "forget" && rest.size() == 2) return forget(rest[0], rest[1]);
  return usage_error();
}

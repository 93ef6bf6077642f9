// Loading stores and finding strong cycles (graph_file.hpp).
#include "graph_file.hpp"

#include <algorithm>
#include <deque>

#include "core/dep_types.hpp"
#include "store/schema.hpp"

namespace lockdep_graph {

using namespace lockdep::internal;

namespace {
std::string column_text(sqlite3_stmt* st, int col) {
  const unsigned char* t = sqlite3_column_text(st, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}
}  // namespace

bool load_store(const std::string& path, loaded_graph& g, std::string* error) {
  sqlite3* db = open_store(path, false, error);
  if (!db) return false;
  std::unordered_map<std::int64_t, std::uint32_t> local;  // this store's class id -> g's
  const usage_translation usage_of(store_usage_states(db), build_usage_states());
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT id, descriptor, usage FROM classes;", -1, &st, nullptr);
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    const std::string d = column_text(st, 1);
    auto [it, inserted] = g.class_ids.try_emplace(d, static_cast<std::uint32_t>(g.descriptors.size()));
    if (inserted) {
      g.descriptors.push_back(d);
      g.usage.push_back(0);
      g.after.emplace_back();
    }
    g.usage[it->second] |= static_cast<std::uint32_t>(usage_of(static_cast<std::uint64_t>(sqlite3_column_int64(st, 2))));
    local[sqlite3_column_int64(st, 0)] = it->second;
  }
  sqlite3_finalize(st);
  if (store_has_signal_usage(db)) {
    sqlite3_prepare_v2(db, "SELECT class, signal, bits FROM signal_usage;", -1, &st, nullptr);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
      auto c = local.find(sqlite3_column_int64(st, 0));
      if (c == local.end()) continue;
      const std::string name = column_text(st, 1);
      auto known = std::find(g.signals.begin(), g.signals.end(), name);
      const auto sig = static_cast<std::uint32_t>(known - g.signals.begin());
      if (known == g.signals.end()) g.signals.push_back(name);
      g.signal_usage[{c->second, sig}] |= static_cast<std::uint8_t>(sqlite3_column_int(st, 2) & 15);
    }
    sqlite3_finalize(st);
  }
  const auto store = static_cast<std::uint32_t>(g.paths.size());
  g.paths.push_back(path);
  sqlite3_prepare_v2(db,
                     deps_have_runs(db) ? "SELECT from_class, to_class, bits, id, runs FROM deps;"
                                        : "SELECT from_class, to_class, bits, id, 1 FROM deps;",
                     -1, &st, nullptr);
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    auto from = local.find(sqlite3_column_int64(st, 0));
    auto to = local.find(sqlite3_column_int64(st, 1));
    if (from == local.end() || to == local.end()) continue;
    auto [it, inserted] =
        g.edge_ids.try_emplace({from->second, to->second}, static_cast<std::uint32_t>(g.edges.size()));
    if (inserted) {
      g.edges.push_back({from->second, to->second, 0, {}});
      g.after[from->second].push_back(it->second);
    }
    edge& e = g.edges[it->second];
    e.bits |= static_cast<std::uint8_t>(sqlite3_column_int(st, 2) & 15);
    e.origins.push_back({store, sqlite3_column_int64(st, 3)});
    e.runs += static_cast<std::uint64_t>(sqlite3_column_int64(st, 4));
  }
  const bool ok = sqlite3_errcode(db) == SQLITE_OK || sqlite3_errcode(db) == SQLITE_DONE ||
                  sqlite3_errcode(db) == SQLITE_ROW;
  if (!ok) *error = std::string("reading failed: ") + sqlite3_errmsg(db);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return ok;
}

bool origin_text(const loaded_graph& g, const origin& o, std::string* stack, std::string* run) {
  // One store open at a time: printing reads the origins of one edge after
  // another, mostly from the same store.
  static sqlite3* db = nullptr;
  static std::uint32_t open_index = ~0u;
  *stack = "";
  *run = "(the recording run cannot be read: " + g.paths[o.store] + ")";
  if (open_index != o.store) {
    sqlite3_close(db);
    db = nullptr;
    open_index = o.store;
    if (sqlite3_open_v2(g.paths[o.store].c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return false;
  }
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT stack, program, test, pid FROM deps WHERE id = ?1;", -1, &st, nullptr);
  sqlite3_bind_int64(st, 1, o.row);
  const bool found = st && sqlite3_step(st) == SQLITE_ROW;
  if (found) {
    *stack = column_text(st, 0);
    const std::string test = column_text(st, 2);
    *run = column_text(st, 1) + (test.empty() ? "" : " (" + test + ")") + " pid " +
           std::to_string(sqlite3_column_int64(st, 3));
  }
  sqlite3_finalize(st);
  return found;
}

// The core's search (core/graph.hpp) over (class, flag) states, flag =
// "only -(*R)-> edges led here", so the next edge may not be S*.
std::vector<std::uint32_t> components(const loaded_graph& g) {
  const std::uint32_t n = static_cast<std::uint32_t>(g.descriptors.size());
  constexpr std::uint32_t none = ~0u;
  std::vector<std::uint32_t> index(n, none), low(n, 0), comp(n, none), stack;
  std::vector<std::pair<std::uint32_t, std::size_t>> frames;  // class, next edge to look at
  std::uint32_t next_index = 0, next_comp = 0;
  for (std::uint32_t root = 0; root < n; ++root) {
    if (index[root] != none) continue;
    frames.push_back({root, 0});
    index[root] = low[root] = next_index++;
    stack.push_back(root);
    while (!frames.empty()) {
      auto& [v, at] = frames.back();
      if (at < g.after[v].size()) {
        const std::uint32_t w = g.edges[g.after[v][at++]].to;
        if (index[w] == none) {
          index[w] = low[w] = next_index++;
          stack.push_back(w);
          frames.push_back({w, 0});
        } else if (comp[w] == none && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      const std::uint32_t done = v;
      frames.pop_back();
      if (!frames.empty() && low[done] < low[frames.back().first]) low[frames.back().first] = low[done];
      if (low[done] == index[done]) {
        for (std::uint32_t w = none; w != done;) {
          w = stack.back();
          stack.pop_back();
          comp[w] = next_comp;
        }
        ++next_comp;
      }
    }
  }
  return comp;
}

std::vector<std::uint32_t> cycle_through(const loaded_graph& g, const std::vector<std::uint32_t>& comp,
                                         std::uint32_t start) {
  const edge& closing = g.edges[start];
  if (comp[closing.from] != comp[closing.to]) return {};
  for (std::uint8_t bit = 1; bit <= 8; bit <<= 1) {
    if (!(closing.bits & bit)) continue;
    const bool prev_exclusive = bit & dep_from_e;
    const bool next_recursive = bit & dep_into_r;
    const std::size_t n = g.descriptors.size();
    std::vector<bool> seen(2 * n, false);
    std::vector<std::uint32_t> via_edge(2 * n, 0), via_state(2 * n, 0);
    std::deque<std::uint32_t> queue;
    const std::uint32_t root = closing.to * 2 + (next_recursive ? 1 : 0);
    seen[root] = true;
    queue.push_back(root);
    while (!queue.empty()) {
      const std::uint32_t s = queue.front();
      queue.pop_front();
      const std::uint32_t id = s / 2;
      const bool only_xr = s & 1;
      if (id == closing.from && (prev_exclusive || !only_xr)) {
        std::vector<std::uint32_t> path;
        for (std::uint32_t at = s; at != root; at = via_state[at]) path.insert(path.begin(), via_edge[at]);
        path.push_back(start);
        return path;
      }
      for (std::uint32_t eid : g.after[id]) {
        if (comp[g.edges[eid].to] != comp[closing.from]) continue;
        std::uint8_t bits = g.edges[eid].bits;
        if (only_xr) bits &= static_cast<std::uint8_t>(~dep_from_s);
        if (!bits) continue;
        const std::uint32_t to = g.edges[eid].to * 2;
        const std::uint32_t next = to + ((bits & dep_into_n) ? 0 : 1);
        // (class, unrestricted) dominates (class, restricted).
        if (seen[to] || seen[next]) continue;
        seen[next] = true;
        via_edge[next] = eid;
        via_state[next] = s;
        queue.push_back(next);
      }
    }
  }
  return {};
}

}  // namespace lockdep_graph

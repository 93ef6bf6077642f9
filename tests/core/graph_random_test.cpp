// graph::forward and graph::backward against a brute-force model on many
// random small graphs with random dependency types (fixed seeds; a failure
// names its seed, root, flag and direction).
//
// The model knows nothing of the graph's (class, flag) states or their
// domination: it runs a plain BFS over (class, type of the path's last edge)
// with the strong-path rule stated directly on consecutive edge types — no
// -(*R)-> edge directly followed by a -(S*)-> edge.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "core/graph.hpp"

namespace {

using lockdep::internal::graph;
using lockdep::internal::lock_class;

constexpr int k_max_nodes = 9;

// Type index t is the bit position in dep_bits: 0 SR, 1 ER, 2 SN, 3 EN.
bool into_r(int t) { return t < 2; }
bool from_s(int t) { return t % 2 == 0; }
// May an edge of type `second` directly follow one of type `first`?
bool strong_pair(int first, int second) { return !(into_r(first) && from_s(second)); }

struct model {
  int n = 0;
  bool alive[k_max_nodes] = {};
  std::uint8_t mask[k_max_nodes][k_max_nodes] = {};  // [from][to], 0 = no edge
  std::uint32_t id[k_max_nodes] = {};                // graph class id of each node
};

// The search's root flag as the type of a virtual edge next to the root:
// forward, the edge into the root; backward, the edge out of it.
int start_type(bool forward, bool flag) {
  if (forward) return flag ? 1 /*ER*/ : 3 /*EN*/;
  return flag ? 2 /*SN*/ : 3 /*EN*/;
}
// The graph's flag of a path whose last edge (in search order) has type t.
bool restricted(bool forward, int t) { return forward ? into_r(t) : from_s(t); }

using dist_table = std::array<std::array<int, 4>, k_max_nodes>;  // -1: unreachable

dist_table brute_force(const model& m, int root, bool forward, bool flag) {
  dist_table dist;
  for (auto& row : dist) row.fill(-1);
  std::deque<std::pair<int, int>> queue;
  const int t0 = start_type(forward, flag);
  dist[root][t0] = 0;
  queue.emplace_back(root, t0);
  while (!queue.empty()) {
    const auto [v, t] = queue.front();
    queue.pop_front();
    for (int w = 0; w < m.n; ++w) {
      const std::uint8_t bits = forward ? m.mask[v][w] : m.mask[w][v];
      for (int t2 = 0; t2 < 4; ++t2) {
        if (!(bits & (1u << t2))) continue;
        if (!(forward ? strong_pair(t, t2) : strong_pair(t2, t))) continue;
        if (dist[w][t2] >= 0) continue;
        dist[w][t2] = dist[v][t] + 1;
        queue.emplace_back(w, t2);
      }
    }
  }
  return dist;
}

// want[v]: 0 no match, 1 match with any flag, 2 match only unrestricted.
using wants = std::array<int, k_max_nodes>;

class RandomGraph {
 public:
  explicit RandomGraph(graph& g) : g_(g) {}

  void build(std::mt19937& rng) {
    m_ = model{};
    m_.n = 2 + static_cast<int>(rng() % (k_max_nodes - 1));
    for (int v = 0; v < m_.n; ++v) {
      lock_class* c = g_.alloc_class();
      ASSERT_NE(c, nullptr);
      m_.id[v] = c->id;
      m_.alive[v] = true;
    }
    const unsigned density = 10 + rng() % 40;  // percent
    for (int u = 0; u < m_.n; ++u) {
      for (int v = 0; v < m_.n; ++v) {
        if (rng() % 100 >= density) continue;
        const std::uint8_t bits = static_cast<std::uint8_t>(1 + rng() % 15);
        // Sometimes in two parts, to go through add_edge's merging.
        const std::uint8_t first = rng() % 2 ? bits : static_cast<std::uint8_t>(bits & (1u << (rng() % 4)));
        if (first) {
          ASSERT_NE(g_.add_edge(m_.id[u], m_.id[v], first, false, 0), 0u);
        }
        ASSERT_NE(g_.add_edge(m_.id[u], m_.id[v], bits, false, 0), 0u);
        m_.mask[u][v] = bits;
      }
    }
    for (int u = 0; u < m_.n; ++u)
      for (int v = 0; v < m_.n; ++v)
        if (m_.mask[u][v] && rng() % 10 == 0) {
          g_.remove_edge(g_.find_edge(m_.id[u], m_.id[v]));
          m_.mask[u][v] = 0;
        }
    if (rng() % 4 == 0) {
      const int dead = static_cast<int>(rng() % m_.n);
      g_.free_class(g_.cls(m_.id[dead]));
      m_.alive[dead] = false;
      for (int v = 0; v < m_.n; ++v) m_.mask[dead][v] = m_.mask[v][dead] = 0;
    }
  }

  void free_all() {
    for (int v = 0; v < m_.n; ++v)
      if (m_.alive[v]) g_.free_class(g_.cls(m_.id[v]));
    EXPECT_EQ(g_.class_count(), 0u);
    EXPECT_EQ(g_.dependency_count(), 0u);
  }

  // Every (root, flag, direction): the full search's states, then searches
  // for single targets and for random target sets.
  void check_all(std::mt19937& rng) {
    for (int root = 0; root < m_.n; ++root) {
      if (!m_.alive[root]) continue;
      for (bool forward : {true, false}) {
        for (bool flag : {false, true}) {
          SCOPED_TRACE(std::string(forward ? "forward" : "backward") + " root=" + std::to_string(root) +
                       " flag=" + std::to_string(flag));
          const dist_table dist = brute_force(m_, root, forward, flag);
          check_visited(root, forward, flag, dist);
          for (int v = 0; v < m_.n; ++v) {
            for (int mode = 1; mode <= 2; ++mode) {
              wants w{};
              w[v] = mode;
              check_search(root, forward, flag, w, dist);
            }
          }
          for (int i = 0; i < 3; ++i) {
            wants w{};
            for (int v = 0; v < m_.n; ++v) w[v] = static_cast<int>(rng() % 3);
            check_search(root, forward, flag, w, dist);
          }
        }
      }
    }
  }

 private:
  int node_of(std::uint32_t id) const {
    for (int v = 0; v < m_.n; ++v)
      if (m_.alive[v] && m_.id[v] == id) return v;
    ADD_FAILURE() << "search reached class " << id << ", not a live node";
    return 0;
  }

  // A search that matches nothing expands exactly the reachable classes,
  // each with the least restricted flag the model allows, at most twice.
  void check_visited(int root, bool forward, bool flag, const dist_table& dist) {
    bool seen[k_max_nodes][2] = {};
    auto record = [&](const lock_class& c, bool f) {
      seen[node_of(c.id)][f] = true;
      return false;
    };
    const graph::path_end end = forward ? g_.forward(m_.id[root], flag, record) : g_.backward(m_.id[root], flag, record);
    EXPECT_FALSE(end.found);
    unsigned reachable = 0;
    for (int v = 0; v < m_.n; ++v) {
      bool any = false, unrestricted = false;
      for (int t = 0; t < 4; ++t) {
        if (dist[v][t] < 0) continue;
        any = true;
        unrestricted |= !restricted(forward, t);
      }
      reachable += any;
      EXPECT_EQ(seen[v][0] || seen[v][1], any) << "node " << v;
      EXPECT_EQ(seen[v][0], unrestricted) << "node " << v;
    }
    EXPECT_GE(g_.last_search_visits(), reachable);
    EXPECT_LE(g_.last_search_visits(), 2 * reachable);
  }

  void check_search(int root, bool forward, bool flag, const wants& w, const dist_table& dist) {
    auto wanted = [&](int v, bool f) { return w[v] == 1 || (w[v] == 2 && !f); };
    int best = -1;  // the model's shortest strong path to any wanted end
    for (int v = 0; v < m_.n; ++v)
      for (int t = 0; t < 4; ++t)
        if (dist[v][t] >= 0 && wanted(v, restricted(forward, t)) && (best < 0 || dist[v][t] < best))
          best = dist[v][t];
    auto match = [&](const lock_class& c, bool f) { return wanted(node_of(c.id), f); };
    const graph::path_end end = forward ? g_.forward(m_.id[root], flag, match) : g_.backward(m_.id[root], flag, match);
    ASSERT_EQ(end.found, best >= 0);
    if (!end.found) return;
    std::uint32_t states[k_max_nodes * 2 + 1], edges[k_max_nodes * 2 + 1];
    const unsigned n = g_.path_to(end.state, states, edges, k_max_nodes * 2 + 1);
    ASSERT_EQ(static_cast<int>(n) - 1, best) << "not a shortest path";
    ASSERT_EQ(states[0] >> 1, m_.id[root]);
    ASSERT_EQ(states[0] & 1, flag ? 1u : 0u);
    ASSERT_EQ(states[n - 1], end.state);
    // Replay the path: real edges, and a typing that obeys the rule and
    // leaves the end flag the search reported.
    unsigned types = 1u << start_type(forward, flag);  // feasible last-edge types
    for (unsigned i = 1; i < n; ++i) {
      const auto& d = g_.dep(edges[i]);
      const std::uint32_t prev = states[i - 1] >> 1, cur = states[i] >> 1;
      ASSERT_TRUE(d.in_use);
      ASSERT_EQ(d.from, forward ? prev : cur);
      ASSERT_EQ(d.to, forward ? cur : prev);
      ASSERT_EQ(d.dep, forward ? m_.mask[node_of(prev)][node_of(cur)] : m_.mask[node_of(cur)][node_of(prev)]);
      unsigned next = 0;
      for (int t2 = 0; t2 < 4; ++t2)
        for (int t = 0; t < 4; ++t)
          if ((d.dep & (1u << t2)) && (types & (1u << t)) && (forward ? strong_pair(t, t2) : strong_pair(t2, t)))
            next |= 1u << t2;
      ASSERT_NE(next, 0u) << "weak step " << i;
      types = next;
      bool can_end_unrestricted = false;
      for (int t = 0; t < 4; ++t) can_end_unrestricted |= (types & (1u << t)) && !restricted(forward, t);
      ASSERT_EQ(states[i] & 1, can_end_unrestricted ? 0u : 1u) << "flag at step " << i;
    }
    EXPECT_TRUE(wanted(node_of(states[n - 1] >> 1), end.state & 1));
  }

  graph& g_;
  model m_;
};

TEST(GraphRandom, SearchesMatchBruteForce) {
  graph g;
  ASSERT_TRUE(g.init(k_max_nodes, k_max_nodes * k_max_nodes));
  RandomGraph rg(g);
  for (std::uint32_t seed = 1; seed <= 400; ++seed) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    std::mt19937 rng(seed);
    rg.build(rng);
    if (HasFatalFailure()) return;
    rg.check_all(rng);
    rg.free_all();
    if (HasFailure()) return;  // the first failing seed is enough
  }
}

}  // namespace

// Direct tests of the dependency graph (lib/core/graph.hpp): tables, edges
// and the strong-path searches, on graphs built by hand, plus a randomized
// comparison of both searches against a brute-force search written here.
// The graph is single-threaded by contract (graph lock held), so no locking.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/graph.hpp"

namespace {

using lockdep::internal::dep_bit;
using lockdep::internal::dep_en;
using lockdep::internal::dep_er;
using lockdep::internal::dep_sn;
using lockdep::internal::dep_sr;
using lockdep::internal::graph;
using lockdep::internal::lock_class;

// One search's outcome: the classes from the root to the match (empty when
// nothing matched) and the flag the match was reached with.
struct found_path {
  std::vector<std::uint32_t> classes;
  std::vector<std::uint32_t> edges;  // edges[i] reached classes[i]; edges[0] == 0
  bool end_flag = false;
};

class GraphTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(g.init(32, 128)); }

  std::uint32_t node() {
    lock_class* c = g.alloc_class();
    EXPECT_NE(c, nullptr);
    return c ? c->id : 0;
  }
  std::uint32_t edge(std::uint32_t from, std::uint32_t to, std::uint8_t dep) {
    return g.add_edge(from, to, dep, true, 0);
  }

  // Search from `root` for class `target`; `unrestricted` additionally
  // requires the match's flag to be false (as read-only usage does).
  found_path search(bool forward, std::uint32_t root, bool flag, std::uint32_t target,
                    bool unrestricted = false) {
    auto match = [&](const lock_class& c, bool f) { return c.id == target && (!unrestricted || !f); };
    graph::path_end end = forward ? g.forward(root, flag, match) : g.backward(root, flag, match);
    found_path p;
    if (!end.found) return p;
    std::uint32_t states[64], edges[64];
    const unsigned n = g.path_to(end.state, states, edges, 64);
    for (unsigned i = 0; i < n; ++i) {
      p.classes.push_back(states[i] >> 1);
      p.edges.push_back(edges[i]);
    }
    p.end_flag = end.state & 1;
    return p;
  }
  found_path fwd(std::uint32_t root, bool only_xr, std::uint32_t target, bool unrestricted = false) {
    return search(true, root, only_xr, target, unrestricted);
  }
  found_path back(std::uint32_t root, bool out_shared, std::uint32_t target, bool unrestricted = false) {
    return search(false, root, out_shared, target, unrestricted);
  }

  graph g;
};

using Ids = std::vector<std::uint32_t>;

TEST_F(GraphTest, DepBitMapsReadModes) {
  // read: 0 exclusive, 1 shared non-recursive, 2 recursive reader.
  EXPECT_EQ(dep_bit(0, 0), dep_en);
  EXPECT_EQ(dep_bit(0, 1), dep_en);
  EXPECT_EQ(dep_bit(0, 2), dep_er);
  EXPECT_EQ(dep_bit(1, 0), dep_sn);
  EXPECT_EQ(dep_bit(2, 1), dep_sn);
  EXPECT_EQ(dep_bit(1, 2), dep_sr);
  EXPECT_EQ(dep_bit(2, 2), dep_sr);
}

TEST_F(GraphTest, ForwardFindsShortestPath) {
  const std::uint32_t a = node(), b = node(), c = node(), d = node(), e = node();
  edge(a, b, dep_en);
  edge(b, c, dep_en);
  edge(c, d, dep_en);
  edge(b, d, dep_en);  // shortcut, added after the longer way
  EXPECT_EQ(fwd(a, false, d).classes, (Ids{a, b, d}));
  EXPECT_EQ(fwd(a, false, c).classes, (Ids{a, b, c}));
  EXPECT_EQ(fwd(a, false, a).classes, (Ids{a}));  // the root matches itself
  EXPECT_TRUE(fwd(d, false, a).classes.empty());  // edges have a direction
  EXPECT_TRUE(fwd(a, false, e).classes.empty());  // isolated class
  // Every edge returned connects its neighbours.
  found_path p = fwd(a, false, d);
  ASSERT_EQ(p.edges.size(), 3u);
  EXPECT_EQ(p.edges[0], 0u);
  EXPECT_EQ(p.edges[1], g.find_edge(a, b));
  EXPECT_EQ(p.edges[2], g.find_edge(b, d));
}

TEST_F(GraphTest, BackwardFindsShortestPath) {
  const std::uint32_t a = node(), b = node(), c = node(), d = node();
  edge(a, b, dep_en);
  edge(b, c, dep_en);
  edge(c, d, dep_en);
  edge(a, c, dep_en);
  found_path p = back(d, false, a);
  EXPECT_EQ(p.classes, (Ids{d, c, a}));  // from the root outwards
  ASSERT_EQ(p.edges.size(), 3u);
  EXPECT_EQ(p.edges[1], g.find_edge(c, d));
  EXPECT_EQ(p.edges[2], g.find_edge(a, c));
  EXPECT_TRUE(back(a, false, d).classes.empty());
}

TEST_F(GraphTest, EqualLengthPathsPreferTheOlderEdge) {
  const std::uint32_t a = node(), b = node(), c = node(), d = node();
  edge(a, c, dep_en);  // older
  edge(a, b, dep_en);
  edge(b, d, dep_en);
  edge(c, d, dep_en);
  EXPECT_EQ(fwd(a, false, d).classes, (Ids{a, c, d}));
  EXPECT_EQ(back(d, false, a).classes, (Ids{d, b, a}));  // b -> d is older than c -> d
}

TEST_F(GraphTest, ForwardRejectsRecursiveReadFollowedByShared) {
  const std::uint32_t a = node(), b = node(), t = node();
  edge(a, b, dep_er);  // a -(ER)-> b: b taken as recursive reader
  edge(b, t, dep_sn);  // b -(SN)-> t: b held shared
  EXPECT_TRUE(fwd(a, false, t).classes.empty());
  // b itself is reachable, but only restricted.
  found_path pb = fwd(a, false, b);
  EXPECT_EQ(pb.classes, (Ids{a, b}));
  EXPECT_TRUE(pb.end_flag);
  EXPECT_TRUE(fwd(a, false, b, /*unrestricted=*/true).classes.empty());
  // An exclusive hold of b continues the path.
  edge(b, t, dep_en);
  found_path pt = fwd(a, false, t);
  EXPECT_EQ(pt.classes, (Ids{a, b, t}));
  EXPECT_FALSE(pt.end_flag);
}

TEST_F(GraphTest, ForwardRootFlagRestrictsTheFirstEdge) {
  const std::uint32_t a = node(), s = node(), e = node(), r = node();
  edge(a, s, dep_sn | dep_sr);
  edge(a, e, dep_en);
  edge(a, r, dep_er);
  EXPECT_TRUE(fwd(a, true, s).classes.empty());
  EXPECT_EQ(fwd(a, false, s).classes, (Ids{a, s}));
  EXPECT_EQ(fwd(a, true, e).classes, (Ids{a, e}));
  EXPECT_TRUE(fwd(a, true, r).end_flag);
  // The root matches with the flag it was given.
  EXPECT_TRUE(fwd(a, true, a, /*unrestricted=*/true).classes.empty());
  EXPECT_TRUE(fwd(a, true, a).end_flag);
}

TEST_F(GraphTest, MergedTypesLeaveTheLeastRestrictedState) {
  const std::uint32_t a = node(), b = node(), t = node();
  edge(a, b, dep_er);
  edge(a, b, dep_en);  // merged: b reachable both ways, N dominates
  edge(b, t, dep_sn);
  found_path pb = fwd(a, false, b, /*unrestricted=*/true);
  EXPECT_EQ(pb.classes, (Ids{a, b}));
  EXPECT_EQ(fwd(a, false, t).classes, (Ids{a, b, t}));
  // From a restricted root, only the E* half of a merged edge is usable.
  const std::uint32_t u = node();
  edge(t, u, dep_sn | dep_er);
  found_path pu = fwd(t, true, u);
  EXPECT_EQ(pu.classes, (Ids{t, u}));
  EXPECT_TRUE(pu.end_flag);
}

// graph.hpp's departure from the kernel: a class first reached restricted
// must still be expanded when a longer path reaches it unrestricted.
TEST_F(GraphTest, ForwardExpandsAClassAgainWhenReachedLessRestricted) {
  const std::uint32_t a = node(), b = node(), c = node(), t = node();
  edge(a, b, dep_er);  // first (shortest) reach of b: restricted
  edge(a, c, dep_en);
  edge(c, b, dep_en);  // second reach of b: unrestricted
  edge(b, t, dep_sn);  // usable only after the second
  EXPECT_EQ(fwd(a, false, t).classes, (Ids{a, c, b, t}));
  // Each class is expanded at most twice.
  EXPECT_LE(g.last_search_visits(), 2u * g.class_count());
}

TEST_F(GraphTest, ForwardDoesNotExpandAClassAgainWhenReachedMoreRestricted) {
  const std::uint32_t a = node(), b = node(), c = node(), t = node();
  edge(a, b, dep_en);  // unrestricted first
  edge(a, c, dep_en);
  edge(c, b, dep_er);  // restricted later: dominated, not queued
  edge(b, t, dep_sn);
  EXPECT_EQ(fwd(a, false, t).classes, (Ids{a, b, t}));
  (void)fwd(a, false, 0);  // matches nothing: full search
  EXPECT_EQ(g.last_search_visits(), 4u);
}

TEST_F(GraphTest, BackwardRejectsRecursiveReadBeforeShared) {
  const std::uint32_t a = node(), b = node(), t = node();
  edge(a, b, dep_er);
  edge(b, t, dep_sn);  // a -(ER)-> b -(SN)-> t is weak
  EXPECT_TRUE(back(t, false, a).classes.empty());
  found_path pb = back(t, false, b);
  EXPECT_TRUE(pb.end_flag);  // b's edge towards the root is S* only
  edge(a, b, dep_en);
  EXPECT_EQ(back(t, false, a).classes, (Ids{t, b, a}));
}

TEST_F(GraphTest, BackwardRootFlagRestrictsTheFirstEdge) {
  const std::uint32_t a = node(), r = node(), n = node();
  edge(a, r, dep_er | dep_sr);  // into the root as recursive reader only
  edge(n, r, dep_en);
  EXPECT_TRUE(back(r, true, a).classes.empty());  // root's next edge is S*
  EXPECT_EQ(back(r, false, a).classes, (Ids{r, a}));
  EXPECT_EQ(back(r, true, n).classes, (Ids{r, n}));
}

TEST_F(GraphTest, BackwardExpandsAClassAgainWhenReachedLessRestricted) {
  const std::uint32_t t = node(), b = node(), c = node(), a = node();
  edge(b, t, dep_sn);  // first reach of b: its edge out is S* only
  edge(c, t, dep_en);
  edge(b, c, dep_en);  // second reach of b: E* out, unrestricted
  edge(a, b, dep_er);  // usable only before the second
  EXPECT_EQ(back(t, false, a).classes, (Ids{t, c, b, a}));
  EXPECT_LE(g.last_search_visits(), 2u * g.class_count());
}

TEST_F(GraphTest, AddEdgeMergesTypesIntoOneEdge) {
  const std::uint32_t a = node(), b = node();
  const std::uint32_t e = g.add_edge(a, b, dep_sr, false, 7);
  ASSERT_NE(e, 0u);
  EXPECT_EQ(g.add_edge(a, b, dep_en, true, 9), e);
  EXPECT_EQ(g.add_edge(a, b, dep_sr, false, 11), e);
  EXPECT_EQ(g.dep(e).dep, dep_sr | dep_en);
  EXPECT_TRUE(g.dep(e).direct);    // once direct, always direct
  EXPECT_EQ(g.dep(e).trace, 7u);   // the first trace is kept
  EXPECT_EQ(g.dependency_count(), 1u);
  EXPECT_EQ(g.cls(a).nr_after, 1u);
  EXPECT_EQ(g.cls(b).nr_before, 1u);
  EXPECT_EQ(g.find_edge(a, b), e);
  EXPECT_EQ(g.find_edge(b, a), 0u);  // the reverse is a different edge
  const std::uint32_t r = g.add_edge(b, a, dep_en, false, 0);
  EXPECT_NE(r, e);
  EXPECT_EQ(g.dependency_count(), 2u);
}

TEST_F(GraphTest, RemoveEdgeKeepsTheOthersInOrder) {
  const std::uint32_t a = node(), b = node(), c = node(), d = node();
  const std::uint32_t ab = edge(a, b, dep_en), ac = edge(a, c, dep_en), ad = edge(a, d, dep_en);
  const std::uint32_t cb = edge(c, b, dep_en), db = edge(d, b, dep_en);
  g.remove_edge(ac);
  EXPECT_EQ(g.find_edge(a, c), 0u);
  EXPECT_EQ(g.dependency_count(), 4u);
  EXPECT_EQ(g.cls(a).nr_after, 2u);
  EXPECT_EQ(g.cls(c).nr_before, 0u);
  EXPECT_EQ(g.cls(a).after_head, ab);
  EXPECT_EQ(g.dep(ab).next_after, ad);
  g.remove_edge(cb);  // middle of b's before-list
  EXPECT_EQ(g.cls(b).before_head, ab);
  EXPECT_EQ(g.dep(ab).next_before, db);
  EXPECT_TRUE(fwd(a, false, c).classes.empty());
  EXPECT_EQ(fwd(a, false, b).classes, (Ids{a, b}));
  // The freed slot is reused.
  const std::uint32_t again = edge(c, d, dep_en);
  EXPECT_TRUE(again == ac || again == cb);
  EXPECT_TRUE(g.dep(again).in_use);
}

TEST_F(GraphTest, FreeClassRemovesEveryEdgeTouchingIt) {
  const std::uint32_t x = node(), b = node(), c = node(), d = node();
  edge(x, b, dep_en);
  edge(x, c, dep_sn);
  edge(d, x, dep_er);
  edge(x, x, dep_en);  // self-loop: on both of x's lists
  const std::uint32_t bc = edge(b, c, dep_en);
  edge(d, b, dep_en);
  ASSERT_EQ(g.dependency_count(), 6u);
  const std::uint32_t classes = g.class_count();
  g.free_class(g.cls(x));
  EXPECT_FALSE(g.cls(x).in_use);
  EXPECT_EQ(g.class_count(), classes - 1);
  EXPECT_EQ(g.dependency_count(), 2u);
  EXPECT_EQ(g.cls(x).after_head, 0u);
  EXPECT_EQ(g.cls(x).before_head, 0u);
  EXPECT_EQ(g.find_edge(d, x), 0u);
  EXPECT_EQ(g.cls(b).nr_before, 1u);  // d -> b only
  EXPECT_EQ(g.cls(c).nr_before, 1u);  // b -> c only
  EXPECT_EQ(g.cls(d).nr_after, 1u);
  EXPECT_EQ(g.find_edge(b, c), bc);
  EXPECT_EQ(fwd(d, false, c).classes, (Ids{d, b, c}));
}

TEST(GraphTable, FullClassTableReturnsNullAndRecyclesOldestFirst) {
  graph g;
  ASSERT_TRUE(g.init(3, 4));
  lock_class* a = g.alloc_class();
  lock_class* b = g.alloc_class();
  lock_class* c = g.alloc_class();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(g.alloc_class(), nullptr);
  EXPECT_EQ(g.class_count(), 3u);
  const std::uint32_t bid = b->id, aid = a->id;
  g.free_class(*b);
  g.free_class(*a);
  lock_class* r1 = g.alloc_class();
  lock_class* r2 = g.alloc_class();
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(r1->id, bid);  // freed first, recycled first
  EXPECT_EQ(r2->id, aid);
  EXPECT_TRUE(r1->in_use);
  EXPECT_EQ(r1->after_head, 0u);
  EXPECT_EQ(g.alloc_class(), nullptr);
  EXPECT_EQ(g.class_count(), 3u);
}

TEST(GraphTable, FullDependencyTableReturnsZero) {
  graph g;
  ASSERT_TRUE(g.init(4, 2));
  const std::uint32_t a = g.alloc_class()->id, b = g.alloc_class()->id, c = g.alloc_class()->id;
  const std::uint32_t ab = g.add_edge(a, b, dep_en, true, 0);
  const std::uint32_t bc = g.add_edge(b, c, dep_en, true, 0);
  ASSERT_NE(ab, 0u);
  ASSERT_NE(bc, 0u);
  EXPECT_EQ(g.add_edge(a, c, dep_en, true, 0), 0u);
  EXPECT_EQ(g.find_edge(a, c), 0u);
  EXPECT_EQ(g.cls(a).nr_after, 1u);
  EXPECT_EQ(g.dependency_count(), 2u);
  // Extending an existing edge needs no new slot.
  EXPECT_EQ(g.add_edge(a, b, dep_sr, false, 0), ab);
  g.remove_edge(bc);
  EXPECT_EQ(g.add_edge(a, c, dep_en, true, 0), bc);
  EXPECT_EQ(g.add_edge(c, a, dep_en, true, 0), 0u);
}

TEST_F(GraphTest, PathToCapKeepsTheStatesNearestTheEnd) {
  std::uint32_t ids[10];
  for (std::uint32_t& id : ids) id = node();
  for (int i = 0; i + 1 < 10; ++i) edge(ids[i], ids[i + 1], dep_en);
  auto match = [&](const lock_class& c, bool) { return c.id == ids[9]; };
  graph::path_end end = g.forward(ids[0], false, match);
  ASSERT_TRUE(end.found);
  std::uint32_t states[4], edges[4];
  ASSERT_EQ(g.path_to(end.state, states, edges, 4), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(states[i] >> 1, ids[6 + i]);
    EXPECT_EQ(edges[i], g.find_edge(ids[5 + i], ids[6 + i]));
  }
}

}  // namespace

// The dependency graph: classes (nodes) and dependencies (edges), both in
// preallocated tables, plus the searches every check is built from.
//
// An edge prev -> next carries a 4-bit mask of dependency types (kernel
// §3.6): how prev was held (Shared/Exclusive) and how next was taken
// (Recursive reader / Non-recursive). A path is *strong* when no -(*R)-> edge
// is directly followed by a -(S*)-> edge; only strong cycles deadlock.
//
// Departure from the kernel: its BFS marks a class visited on first reach,
// whatever restriction the path that reached it carried, so it can miss a
// strong path that reaches the class again less restricted. Our searches run
// over (class, flag) states and mark after the strong-path filter, which makes
// them exact. A state reached without restriction dominates the restricted
// one, so each class is expanded at most twice.
//
// All functions require the graph lock.
#pragma once

#include <cstdint>

#include "core/dep_types.hpp"
#include "core/lock_class.hpp"

LOCKDEP_INTERNAL_BEGIN

struct dependency {
  std::uint32_t from = 0, to = 0;
  std::uint32_t next_after = 0;   // next edge in from's after-list
  std::uint32_t next_before = 0;  // next edge in to's before-list
  std::uint32_t trace = 0;        // stack where it was first recorded
  std::uint8_t dep = 0;           // dep_bits
  bool direct = false;            // ever taken directly on top (distance 1)
  bool in_use = false;
};

class graph {
 public:
  bool init(std::uint32_t max_classes, std::uint32_t max_deps) noexcept;

  lock_class& cls(std::uint32_t id) { return classes_[id]; }
  std::uint32_t max_classes() const { return max_classes_; }
  std::uint32_t class_count() const { return nr_classes_; }
  std::uint32_t dependency_count() const { return nr_deps_; }
  std::uint32_t max_dependencies() const { return max_deps_; }
  std::uint32_t classes_high_water() const { return next_class_; }
  dependency& dep(std::uint32_t id) { return deps_[id]; }
  std::uint64_t bytes() const;

  // nullptr when the table is full.
  lock_class* alloc_class() noexcept;
  // Removes the class and every edge touching it.
  void free_class(lock_class& c) noexcept;

  // Existing edge from -> to, or 0.
  std::uint32_t find_edge(std::uint32_t from, std::uint32_t to) const noexcept;
  // Add (or extend) edge; returns its id, 0 when the table is full.
  std::uint32_t add_edge(std::uint32_t from, std::uint32_t to, std::uint8_t dep, bool direct,
                         std::uint32_t trace) noexcept;
  void remove_edge(std::uint32_t id) noexcept;

  // ---- searches --------------------------------------------------------------
  // A state is (class id << 1) | flag.
  //   forward flag  = "only -(*R)-> edges led here" (next edge may not be S*)
  //   backward flag = "the edge leaving this class is S* only" (edge into it
  //                   must be *N)
  struct path_end {
    bool found = false;
    std::uint32_t state = 0;
  };
  template <class Match>
  path_end forward(std::uint32_t root, bool only_xr, Match&& match) noexcept;
  template <class Match>
  path_end backward(std::uint32_t root, bool out_shared, Match&& match) noexcept;

  // Walk the parent links of the last search from `state` to its root.
  // Fills `out` with states from root to `state`; returns the count. A path
  // longer than `cap` keeps its `cap` states nearest `state`: then
  // out_states[0] is not the root. `length`, if given, gets the whole
  // path's number of states (> the count when it was cut).
  unsigned path_to(std::uint32_t state, std::uint32_t* out_states, std::uint32_t* out_edges, unsigned cap,
                   unsigned* length = nullptr) noexcept;
  std::uint32_t last_search_visits() const { return visits_; }

 private:
  template <bool Forward, class Match>
  path_end search(std::uint32_t root, bool flag, Match&& match) noexcept;

  lock_class* classes_ = nullptr;
  dependency* deps_ = nullptr;
  std::uint32_t* queue_ = nullptr;
  std::uint32_t max_classes_ = 0, max_deps_ = 0;
  std::uint32_t next_class_ = 1;  // 0 is reserved
  std::uint32_t nr_classes_ = 0, nr_deps_ = 0;
  std::uint32_t free_classes_ = 0, free_classes_tail_ = 0, free_deps_ = 0, next_dep_ = 1;
  std::uint32_t gen_ = 0, visits_ = 0;
};

template <bool Forward, class Match>
graph::path_end graph::search(std::uint32_t root, bool flag, Match&& match) noexcept {
  const std::uint32_t gen = ++gen_;
  std::uint32_t head = 0, tail = 0;
  visits_ = 0;
  auto visit = [&](std::uint32_t id, bool f, std::uint32_t parent, std::uint32_t edge) -> bool {
    lock_class& c = classes_[id];
    // (id, false) dominates (id, true).
    if (c.visit_gen[0] == gen) return false;
    if (f && c.visit_gen[1] == gen) return false;
    c.visit_gen[f] = gen;
    c.parent_state[f] = parent;
    c.parent_edge[f] = edge;
    queue_[tail++] = (id << 1) | f;
    return true;
  };
  visit(root, flag, ~0u, 0);
  while (head != tail) {
    const std::uint32_t state = queue_[head++];
    const std::uint32_t id = state >> 1;
    const bool f = state & 1;
    ++visits_;
    if (match(classes_[id], f)) return {true, state};
    const lock_class& c = classes_[id];
    for (std::uint32_t e = Forward ? c.after_head : c.before_head; e;
         e = Forward ? deps_[e].next_after : deps_[e].next_before) {
      const dependency& d = deps_[e];
      std::uint8_t bits = d.dep;
      if (Forward) {
        if (f) bits &= static_cast<std::uint8_t>(~dep_from_s);  // after *R no S*
        if (!bits) continue;
        visit(d.to, !(bits & dep_into_n), state, e);
      } else {
        if (f) bits &= dep_into_n;  // before an S* edge only *N
        if (!bits) continue;
        visit(d.from, !(bits & dep_from_e), state, e);
      }
    }
  }
  return {};
}

template <class Match>
graph::path_end graph::forward(std::uint32_t root, bool only_xr, Match&& match) noexcept {
  return search<true>(root, only_xr, match);
}
template <class Match>
graph::path_end graph::backward(std::uint32_t root, bool out_shared, Match&& match) noexcept {
  return search<false>(root, out_shared, match);
}

LOCKDEP_INTERNAL_END

// The instance-order graph: the order in which instances of one class were
// nested (see held.cpp for why the class graph cannot see it).
//
// Nodes are instance ids (never reused), edges held -> acquired with the
// class graph's dependency types (how each end was held: shared/exclusive,
// recursive reader or not), so the same strong-path rule decides what is a
// deadlock: rdlock(l0) wrlock(l1), later wrlock(l1) rdlock(l0) on glibc's
// reader-preferring rwlocks is no cycle, exactly as on two classes.
//
// Storage: an edge pool (preload_max_instance_edges) and an open-addressed
// node table twice the pool's possible node count, both mmap'd (a hook may
// run inside the program's allocator). A node exists while it has edges; a
// destroyed instance takes all its edges with it. No edge is dropped while
// the pool has room; when it is full, one limit report says so (and the
// validator turns off, as for the core's tables).
//
// One spin lock guards it all. Never held across a call into the core (the
// core's cold section comes first or not at all).
#include <sys/mman.h>

#include "core/frontend.hpp"
#include "preload/preload.hpp"

namespace lockdep_preload {

namespace core = lockdep::internal;
using lockdep::internal::dep_from_s;
using lockdep::internal::dep_into_n;

namespace {

constexpr std::uint32_t k_none = ~0u;
constexpr unsigned k_max_path = lockdep::internal::k_record_max_chain - 1;

struct order_edge {
  std::uint64_t from, to;
  std::uint32_t next_out, prev_out, next_in, prev_in;  // edge ids, 0 = none
  std::uint32_t trace;  // where it was first recorded (0: no stack)
  std::uint8_t dep;     // core::dep_bits
};

struct order_node {
  std::uint64_t id;  // 0 = empty slot
  std::uint32_t out_head, in_head;
  // Search scratch per flag, as in the class graph (core/graph.hpp).
  std::uint32_t visit_gen[2], parent_state[2], parent_edge[2];
};

struct order_graph {
  core::spin_mutex lock;
  order_node* nodes = nullptr;
  order_edge* edges = nullptr;
  std::uint32_t* queue = nullptr;
  std::uint32_t node_mask = 0;
  std::uint32_t max_edges = 0, next_edge = 1, free_edges = 0;
  std::uint32_t gen = 0;
  int state = 0;  // 0 not mapped, 1 ready, 2 mapping failed, 3 pool was full
};
order_graph g;

void* map_zeroed(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

// Lock held.
bool ready() {
  if (g.state == 0) {
    g.max_edges = options().max_instance_edges;
    std::uint32_t slots = 64;
    while (slots < 4 * g.max_edges) slots <<= 1;  // nodes <= 2 edges: load <= 1/2
    g.nodes = static_cast<order_node*>(map_zeroed(sizeof(order_node) * slots));
    g.edges = static_cast<order_edge*>(map_zeroed(sizeof(order_edge) * (g.max_edges + 1)));
    g.queue = static_cast<std::uint32_t*>(map_zeroed(sizeof(std::uint32_t) * 2 * slots));
    g.node_mask = slots - 1;
    g.state = g.nodes && g.edges && g.queue ? 1 : 2;
  }
  return g.state == 1;
}

std::uint32_t home(std::uint64_t id) {
  return static_cast<std::uint32_t>((id * 0x9e3779b97f4a7c15ull) >> 32) & g.node_mask;
}

std::uint32_t find_node(std::uint64_t id) {
  for (std::uint32_t i = home(id); g.nodes[i].id; i = (i + 1) & g.node_mask)
    if (g.nodes[i].id == id) return i;
  return k_none;
}

std::uint32_t find_or_add_node(std::uint64_t id) {
  std::uint32_t i = home(id);
  for (; g.nodes[i].id; i = (i + 1) & g.node_mask)
    if (g.nodes[i].id == id) return i;
  g.nodes[i] = order_node{};
  g.nodes[i].id = id;
  return i;
}

// Linear-probing deletion by backward shift (no tombstones): later entries
// of the probe run move up into the hole unless their home lies after it.
void erase_node(std::uint32_t i) {
  for (std::uint32_t j = i;;) {
    g.nodes[i].id = 0;
    for (;;) {
      j = (j + 1) & g.node_mask;
      if (!g.nodes[j].id) return;
      const std::uint32_t k = home(g.nodes[j].id);
      const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!stays) break;
    }
    g.nodes[i] = g.nodes[j];
    i = j;
  }
}

std::uint32_t find_edge(std::uint32_t from_slot, std::uint64_t to) {
  for (std::uint32_t e = g.nodes[from_slot].out_head; e; e = g.edges[e].next_out)
    if (g.edges[e].to == to) return e;
  return 0;
}

// 0 when the pool is full.
std::uint32_t add_edge(std::uint64_t from, std::uint64_t to, std::uint8_t dep, std::uint32_t trace) {
  std::uint32_t e = 0;
  if (g.free_edges) {
    e = g.free_edges;
    g.free_edges = g.edges[e].next_out;
  } else if (g.next_edge <= g.max_edges) {
    e = g.next_edge++;
  } else {
    return 0;
  }
  order_edge& d = g.edges[e];
  d = order_edge{from, to, 0, 0, 0, 0, trace, dep};
  order_node& f = g.nodes[find_or_add_node(from)];
  d.next_out = f.out_head;
  if (f.out_head) g.edges[f.out_head].prev_out = e;
  f.out_head = e;
  order_node& t = g.nodes[find_or_add_node(to)];  // adding never moves f
  d.next_in = t.in_head;
  if (t.in_head) g.edges[t.in_head].prev_in = e;
  t.in_head = e;
  return e;
}

void erase_if_bare(std::uint64_t id) {
  const std::uint32_t s = find_node(id);
  if (s != k_none && !g.nodes[s].out_head && !g.nodes[s].in_head) erase_node(s);
}

void remove_edge(std::uint32_t e) {
  const order_edge d = g.edges[e];
  if (d.prev_out) g.edges[d.prev_out].next_out = d.next_out;
  else g.nodes[find_node(d.from)].out_head = d.next_out;
  if (d.next_out) g.edges[d.next_out].prev_out = d.prev_out;
  if (d.prev_in) g.edges[d.prev_in].next_in = d.next_in;
  else g.nodes[find_node(d.to)].in_head = d.next_in;
  if (d.next_in) g.edges[d.next_in].prev_in = d.prev_in;
  g.edges[e].next_out = g.free_edges;
  g.free_edges = e;
  erase_if_bare(d.from);  // may move nodes: look the other end up again
  erase_if_bare(d.to);
}

// Strong path acquiring -> ... -> held? Breadth-first over (node, flag)
// states, flag = "only -(*R)-> edges led here" (the next edge may not leave
// shared), exactly as core/graph.hpp. Fills `traces` with the traces of the
// path's edges, the one into `held` first; returns their count (0: none).
unsigned strong_path(const order_end& acquiring, const order_end& held, std::uint32_t* traces, bool* truncated) {
  const std::uint32_t root = find_node(acquiring.id);
  if (root == k_none) return 0;
  if (++g.gen == 0) {  // wrapped: old marks could look current
    for (std::uint32_t i = 0; i <= g.node_mask; ++i) g.nodes[i].visit_gen[0] = g.nodes[i].visit_gen[1] = 0;
    g.gen = 1;
  }
  std::uint32_t head = 0, tail = 0;
  auto visit = [&](std::uint32_t slot, bool f, std::uint32_t parent, std::uint32_t edge) {
    order_node& n = g.nodes[slot];
    if (n.visit_gen[0] == g.gen || (f && n.visit_gen[1] == g.gen)) return;  // (n, 0) dominates (n, 1)
    n.visit_gen[f] = g.gen;
    n.parent_state[f] = parent;
    n.parent_edge[f] = edge;
    g.queue[tail++] = (slot << 1) | f;
  };
  visit(root, acquiring.read == 2, k_none, 0);
  while (head != tail) {
    const std::uint32_t state = g.queue[head++];
    const order_node& n = g.nodes[state >> 1];
    const bool f = state & 1;
    // Closing the cycle leaves `held` as it is held: shared after -(*R)-> is weak.
    if (n.id == held.id && (held.read == 0 || !f)) {
      unsigned count = 0;
      for (std::uint32_t s = state; s != k_none && g.nodes[s >> 1].parent_state[s & 1] != k_none;) {
        const order_node& at = g.nodes[s >> 1];
        if (count == k_max_path) {
          *truncated = true;
          break;
        }
        traces[count++] = g.edges[at.parent_edge[s & 1]].trace;
        s = at.parent_state[s & 1];
      }
      return count;
    }
    for (std::uint32_t e = n.out_head; e; e = g.edges[e].next_out) {
      std::uint8_t bits = g.edges[e].dep;
      if (f) bits &= static_cast<std::uint8_t>(~dep_from_s);
      if (!bits) continue;
      const std::uint32_t to = find_node(g.edges[e].to);
      if (to != k_none) visit(to, !(bits & dep_into_n), state, e);
    }
  }
  return 0;
}

}  // namespace

void order_check(const order_end& held, const order_end& acquiring) noexcept {
  const std::uint8_t bit = core::dep_bit(held.read, acquiring.read);
  g.lock.lock();
  if (!ready()) {
    g.lock.unlock();
    return;
  }
  const std::uint32_t from = find_node(held.id);
  const std::uint32_t known = from == k_none ? 0 : find_edge(from, acquiring.id);
  const bool validated = known && (g.edges[known].dep & bit);
  g.lock.unlock();
  if (validated) return;  // this dependency was validated when first recorded
  // The stack of the new edge, taken outside our lock (the core's comes first).
  const std::uint32_t trace = core::capture_front_end_trace(acquiring.ip);
  std::uint32_t traces[k_max_path];
  bool truncated = false, full = false;
  g.lock.lock();
  const unsigned path = strong_path(acquiring, held, traces, &truncated);
  const std::uint32_t s = find_node(held.id);
  if (const std::uint32_t e = s == k_none ? 0 : find_edge(s, acquiring.id)) {
    g.edges[e].dep |= bit;
  } else if (g.state == 1 && !add_edge(held.id, acquiring.id, bit, trace)) {
    g.state = 3;  // said once; the validator is off from here on
    full = true;
  }
  g.lock.unlock();
  if (full) core::front_end_limit_reached("BUG: MAX_INSTANCE_ORDER_ENTRIES too low!",
                                       lockdep::option_id::preload_max_instance_edges);
  if (path)
    core::report_instance_cycle(acquiring.in->map(), acquiring.ip, held.in->map(), held.ip, traces, path, truncated,
                                "instances of one class nested in opposite orders");
}

void forget_order_edges(std::uint64_t id) noexcept {
  g.lock.lock();
  if (g.state == 1 || g.state == 3) {
    for (std::uint32_t s; (s = find_node(id)) != k_none;) {
      const order_node& n = g.nodes[s];
      remove_edge(n.out_head ? n.out_head : n.in_head);
    }
  }
  g.lock.unlock();
}

void lock_order_for_fork() noexcept { g.lock.lock(); }
void unlock_order_after_fork() noexcept { g.lock.unlock(); }

}  // namespace lockdep_preload

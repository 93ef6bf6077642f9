// The reference model of the oracle test: what lockdep must report, written
// as plainly as possible and independently of lib/core.
//
// It keeps the dependency graph as a small adjacency matrix of edge-type
// masks and answers every question with an exhaustive search over
// (class, "the last edge entered it as a recursive read") states, trying
// every type an edge carries. What it mirrors from lockdep on purpose,
// because these are lockdep's documented semantics rather than accidents:
//   * per acquisition: usage bits first (INITIAL USE, then irq bits in
//     order), then - for a blocking, not-yet-validated chain of the current
//     irq context - wait context, recursion, and one edge per held lock from
//     the top down to the first lock that is neither a trylock nor a
//     recursive reader (kernel-lockdep.md §3.5);
//   * an edge type already recorded is not re-checked; a recursive report
//     adds no edges; a circular report skips the irq check of that edge;
//   * a validated chain (context type + held classes and read modes) is
//     never validated again (§3.4);
//   * every problem is reported once: dedupe by kind and classes;
//   * an out-of-order release replays the locks above it.
// Everything else (which paths exist, which classes are safe/unsafe, the
// usage conflict table of §2.4, the wait-context rule) is recomputed here.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "lockdep/report.hpp"

namespace oracle {

constexpr int k_max_classes = 16;

// Usage bits, kernel order (kernel-lockdep.md §2.1).
constexpr int in_h_w = 0, in_h_r = 1, on_h_w = 2, on_h_r = 3, in_s_w = 4, in_s_r = 5, on_s_w = 6, on_s_r = 7,
              used_w = 8, used_r = 9;
inline std::uint32_t bit(int b) { return 1u << b; }

// Edge types (§3.6): prev Shared/Exclusive, next Recursive/Non-recursive.
constexpr std::uint8_t sr = 1, er = 2, sn = 4, en = 8, all_types = 15;
constexpr std::uint8_t from_e = er | en, from_s = sr | sn, into_r = sr | er, into_n = sn | en;
inline std::uint8_t edge_type(int prev_read, int next_read) {
  if (prev_read == 0) return next_read == 2 ? er : en;
  return next_read == 2 ? sr : sn;
}

// One report the model expects at this step.
struct expectation {
  lockdep::report_kind kind{};
  int c0 = -1, c1 = -1;           // exact classes[0], classes[1] (-1: not compared)
  std::uint32_t allowed1 = 0;     // irq inversion: classes[1] must be one of these
  std::uint32_t allowed2 = 0;     // safe->unsafe: classes[2] (the safe class) one of these
  std::uint32_t allowed3 = 0;     // safe->unsafe: classes[3] (the unsafe class) one of these
  int state = 0;                  // safe->unsafe: hardirq 0 / softirq 1
  std::string why;
};

struct model_held {
  int map, cls, read;
  bool trylock;
  int ctx;  // id of the context it was taken in
};

struct model_frame {
  int ctx_id, ctx_type;
  bool saved_hardirqs_on;
};

struct model_thread {
  std::vector<model_held> held;
  std::vector<model_frame> frames;
  int ctx_id = 0, ctx_type = 0;  // 0 process, 1 softirq, 2 hardirq
  bool hardirqs_on = true;
  int hardirq_depth = 0, softirq_depth = 0, bh = 0;
  int next_ctx = 1;
  bool softirqs_on() const { return bh == 0 && softirq_depth == 0; }
  int context_base() const {
    int b = static_cast<int>(held.size());
    while (b > 0 && held[b - 1].ctx == ctx_id) --b;
    return b;
  }
};

class model {
 public:
  // Class of each map and wait types of each class.
  std::vector<int> map_class;
  int inner[k_max_classes] = {}, outer[k_max_classes] = {};
  std::uint32_t usage[k_max_classes] = {};
  std::uint8_t edges[k_max_classes][k_max_classes] = {};
  int nclasses = 0;
  std::vector<expectation> expected;  // filled by each operation
  // safe->unsafe pairs lockdep actually reported (safe, unsafe, state).
  std::set<std::tuple<int, int, int>> reported_safe_unsafe;

  void acquire(model_thread& t, int map, int read, bool trylock) {
    const int c = map_class[map];
    mark(c, needs(t, trylock, read));
    if (!trylock) {
      std::string seq = chain_of(t);
      seq += static_cast<char>('A' + c);
      seq += static_cast<char>('0' + read);
      if (validated_.insert(seq).second) validate(t, c, read);
    }
    t.held.push_back({map, c, read, trylock, t.ctx_id});
  }

  // Precondition: `map` is held in the current context.
  void release(model_thread& t, int map) {
    int i = static_cast<int>(t.held.size()) - 1;
    while (t.held[i].map != map) --i;
    std::vector<model_held> above(t.held.begin() + i + 1, t.held.end());
    t.held.resize(i);
    for (const model_held& h : above) acquire(t, h.map, h.read, h.trylock);
  }

  void irq_disable(model_thread& t) { t.hardirqs_on = false; }
  void irq_enable(model_thread& t) {
    t.hardirqs_on = true;
    mark_held(t, true);
  }
  void bh_disable(model_thread& t) { ++t.bh; }
  void bh_enable(model_thread& t) {
    --t.bh;
    if (t.bh == 0 && t.softirqs_on() && t.hardirqs_on) mark_held(t, false);
  }
  void enter(model_thread& t, int type) {
    t.frames.push_back({t.ctx_id, t.ctx_type, t.hardirqs_on});
    t.ctx_id = t.next_ctx++;
    t.ctx_type = type;
    if (type == 2) {
      ++t.hardirq_depth;
      t.hardirqs_on = false;
    } else {
      ++t.softirq_depth;
    }
  }
  void exit(model_thread& t) {
    model_frame f = t.frames.back();
    t.frames.pop_back();
    if (t.ctx_type == 2) {
      --t.hardirq_depth;
      t.hardirqs_on = f.saved_hardirqs_on;
    } else {
      --t.softirq_depth;
    }
    t.ctx_id = f.ctx_id;
    t.ctx_type = f.ctx_type;
  }

  // Exhaustive: a path a -> ... -> b of at least one edge, with no -(*R)->
  // edge directly followed by an -(S*)-> edge, whose first edge has a type
  // in first_ok and whose last edge has a type in last_ok.
  bool strong_path(int a, int b, std::uint8_t first_ok, std::uint8_t last_ok) const {
    bool seen[k_max_classes][2] = {};
    std::vector<std::pair<int, bool>> todo;
    auto step = [&](int u, std::uint8_t allowed) {
      for (int w = 0; w < nclasses; ++w) {
        for (std::uint8_t t : {sr, er, sn, en}) {
          if (!(edges[u][w] & t & allowed)) continue;
          if (w == b && (t & last_ok)) return true;
          const bool r = t & into_r;
          if (!seen[w][r]) {
            seen[w][r] = true;
            todo.push_back({w, r});
          }
        }
      }
      return false;
    };
    if (step(a, first_ok)) return true;
    while (!todo.empty()) {
      auto [u, r] = todo.back();
      todo.pop_back();
      if (step(u, r ? from_e : all_types)) return true;
    }
    return false;
  }

 private:
  std::set<std::string> validated_;
  std::set<std::tuple<int, int, int>> seen_recursive_, seen_wait_;
  std::set<std::pair<int, int>> seen_circular_;

  static std::uint32_t needs(const model_thread& t, bool trylock, int read) {
    const bool r = read != 0;
    std::uint32_t m = bit(r ? used_r : used_w);
    if (!trylock && t.hardirq_depth) m |= bit(r ? in_h_r : in_h_w);
    if (!trylock && t.softirq_depth) m |= bit(r ? in_s_r : in_s_w);
    if (t.hardirqs_on) {
      m |= bit(r ? on_h_r : on_h_w);
      if (t.softirqs_on()) m |= bit(r ? on_s_r : on_s_w);
    }
    return m;
  }

  static std::string chain_of(const model_thread& t) {
    std::string s(1, static_cast<char>('0' + t.ctx_type));
    for (std::size_t i = t.context_base(); i < t.held.size(); ++i) {
      s += static_cast<char>('A' + t.held[i].cls);
      s += static_cast<char>('0' + t.held[i].read);
    }
    return s;
  }

  // The single-lock rules (kernel-lockdep.md §2.4 table) for state base s.
  static std::uint32_t conflicts(int b) {
    const int s = b & ~3;
    switch (b & 3) {
      case 0: return bit(s + 2) | bit(s + 3);  // IN-W vs ON-W, ON-R
      case 1: return bit(s + 2);               // IN-R vs ON-W
      case 2: return bit(s + 0) | bit(s + 1);  // ON-W vs IN-W, IN-R
      default: return bit(s + 0);              // ON-R vs IN-W
    }
  }

  // Set the missing bits of `need` on class c, in lockdep's order.
  void mark(int c, std::uint32_t need) {
    for (int b : {used_w, used_r, 0, 1, 2, 3, 4, 5, 6, 7}) {
      if (!(need & bit(b)) || (usage[c] & bit(b))) continue;
      const std::uint32_t before = usage[c];
      usage[c] |= bit(b);
      if (b >= used_w) continue;
      if (conflicts(b) & before) {
        expected.push_back({lockdep::report_kind::inconsistent_lock_state, c, -1, 0, 0, 0, 0, "usage bit " + std::to_string(b)});
        continue;
      }
      const int s = b & ~3;
      const bool read = b & 1, enabled = b & 2;
      std::uint32_t others = 0;
      for (int o = 0; o < nclasses; ++o) {
        if (o == c) continue;
        bool hit;
        if (enabled) {  // a class used in this irq that reaches c
          const std::uint8_t first = (usage[o] & bit(s)) ? all_types : (usage[o] & bit(s + 1)) ? from_e : 0;
          hit = first && strong_path(o, c, first, read ? into_n : all_types);
        } else {  // a class enabled for this irq that c reaches
          const std::uint8_t last = (usage[o] & bit(s + 2)) ? all_types : (usage[o] & bit(s + 3)) ? into_n : 0;
          hit = last && strong_path(c, o, read ? from_e : all_types, last);
        }
        if (hit) others |= bit(o);
      }
      if (others)
        expected.push_back({lockdep::report_kind::irq_lock_inversion, c, -1, others, 0, 0, 0, "usage bit " + std::to_string(b)});
    }
  }

  void mark_held(model_thread& t, bool hardirq_transition) {
    const bool soft = t.softirqs_on();
    for (int i = static_cast<int>(t.held.size()) - 1; i >= 0; --i) {
      const bool r = t.held[i].read != 0;
      std::uint32_t need = 0;
      if (hardirq_transition) need |= bit(r ? on_h_r : on_h_w);
      if (soft) need |= bit(r ? on_s_r : on_s_w);
      mark(t.held[i].cls, need);
    }
  }

  void validate(model_thread& t, int c, int read) {
    const int base = t.context_base();
    const int top = static_cast<int>(t.held.size());
    // Wait context: trylocks and type 0 are not checked.
    if (inner[c]) {
      const int need = outer[c] ? outer[c] : inner[c];
      int curr = t.ctx_type == 0 ? 4 : 2;
      for (int i = base; i < top; ++i)
        if (inner[t.held[i].cls] && inner[t.held[i].cls] < curr) curr = inner[t.held[i].cls];
      if (need > curr && seen_wait_.insert({c, curr, t.ctx_type}).second)
        expected.push_back({lockdep::report_kind::invalid_wait_context, c, -1, 0, 0, 0, 0, "wait " + std::to_string(need) + ">" + std::to_string(curr)});
    }
    for (int i = base; i < top; ++i) {
      const model_held& h = t.held[i];
      if (h.cls != c || (read == 2 && h.read != 0)) continue;
      if (seen_recursive_.insert({c, read, h.read}).second)
        expected.push_back({lockdep::report_kind::recursive_locking, c, c, 0, 0, 0, 0, "recursive"});
      return;  // no dependencies from a recursive acquisition
    }
    for (int i = top - 1; i >= base; --i) {
      const model_held& prev = t.held[i];
      if (prev.cls != c) add_edge(prev, c, read);
      if (!prev.trylock && prev.read != 2) break;
    }
  }

  void add_edge(const model_held& prev, int next, int next_read) {
    const int p = prev.cls;
    const std::uint8_t t0 = edge_type(prev.read, next_read);
    if (edges[p][next] & t0) return;
    // A strong cycle through the new edge: next -> ... -> prev -> next.
    const bool cycle = strong_path(next, p, (t0 & into_r) ? from_e : all_types, (t0 & from_s) ? into_n : all_types);
    if (cycle) {
      if (seen_circular_.insert({next, p}).second)
        expected.push_back({lockdep::report_kind::circular_dependency, next, p, 0, 0, 0, 0, "cycle"});
    } else {
      for (int s = 0; s < 8; s += 4) {
        std::uint32_t safe = 0, unsafe = 0;
        for (int x = 0; x < nclasses; ++x) {
          const std::uint8_t first = (usage[x] & bit(s)) ? all_types : (usage[x] & bit(s + 1)) ? from_e : 0;
          if (!first) continue;
          const bool here = x == p && (t0 & first);  // the new edge leaves x itself
          if (here || strong_path(x, p, first, (t0 & from_s) ? into_n : all_types)) safe |= bit(x);
        }
        for (int y = 0; y < nclasses; ++y) {
          const std::uint8_t last = (usage[y] & bit(s + 2)) ? all_types : (usage[y] & bit(s + 3)) ? into_n : 0;
          if (!last) continue;
          const bool here = y == next && (t0 & last);  // the new edge enters y itself
          if (here || strong_path(next, y, (t0 & into_r) ? from_e : all_types, last)) unsafe |= bit(y);
        }
        if (!safe || !unsafe) continue;
        // Lockdep names one of the candidate pairs and reports each pair
        // once: the comparison accepts silence if a candidate pair was
        // reported before (see reported_safe_unsafe).
        expected.push_back({lockdep::report_kind::irq_safe_to_unsafe, next, p, 0, safe, unsafe, s / 4, "safe->unsafe"});
        break;
      }
    }
    edges[p][next] |= t0;
  }
};

}  // namespace oracle

// The interrupt rules over a loaded graph (irq_check.hpp).
#include "irq_check.hpp"

#include <deque>

#include "core/dep_types.hpp"
#include "core/usage.hpp"

namespace lockdep_graph {

using namespace lockdep::internal;

namespace {

constexpr std::uint32_t k_none = ~0u;

// One state's usage of every class: `words` with the state's four bits at
// `base` (a kernel state's in the usage word, a signal's at 0).
struct state_usage {
  unsigned state = 0;
  int signal = -1;
  unsigned base = 0;
  std::vector<std::uint32_t> words;
};

// The usage bit of the state and direction that class usage `u` carries, if
// a path ending (or starting) with restriction `restricted` may use it: the
// write bit always, the read bit only on an unrestricted end; -1 if none.
int matching_bit(std::uint32_t u, unsigned base, bool enabled, bool restricted) {
  base += enabled ? k_dir_bit : 0;
  if (u & bit_mask(base)) return static_cast<int>(base);
  if (!restricted && (u & bit_mask(base | k_read_bit))) return static_cast<int>(base | k_read_bit);
  return -1;
}

bool inconsistent(std::uint32_t u, unsigned base, unsigned* used_bit, unsigned* enabled_bit) {
  for (unsigned b = base; b < base + 2; ++b) {
    if (!(u & bit_mask(b))) continue;
    const std::uint32_t clash = u & conflicting_bits(b);
    if (!clash) continue;
    *used_bit = b;
    *enabled_bit = clash & bit_mask(b ^ k_dir_bit) ? b ^ k_dir_bit : (b ^ k_dir_bit) ^ k_read_bit;
    return true;
  }
  return false;
}

void inconsistent_classes(const state_usage& su, std::vector<irq_problem>& out) {
  for (std::uint32_t c = 0; c < su.words.size(); ++c) {
    irq_problem p;
    if (!inconsistent(su.words[c], su.base, &p.safe_bit, &p.unsafe_bit)) continue;
    p.state = su.state;
    p.signal = su.signal;
    p.safe = p.unsafe = c;
    out.push_back(std::move(p));
  }
}

// Search states are class * 2 + restricted ("only -(*R)-> edges led here":
// the next edge may not leave it shared), as in cycle_through.
void paths_in_state(const loaded_graph& g, const state_usage& su, std::vector<irq_problem>& out) {
  const std::size_t n = g.descriptors.size();
  const std::vector<std::uint32_t>& usage = su.words;
  std::vector<bool> seen(2 * n, false), reported(n, false), is_inconsistent(n, false);
  std::vector<std::uint32_t> via_edge(2 * n, k_none), via_state(2 * n, k_none), root(2 * n, k_none);
  std::deque<std::uint32_t> queue;
  unsigned a = 0, b = 0;
  for (std::uint32_t c = 0; c < n; ++c) {
    is_inconsistent[c] = inconsistent(usage[c], su.base, &a, &b);
    // A read-only irq-safe class starts restricted: the path must leave it
    // exclusively (a recursive read in the handler waits only for a writer).
    const int safe = matching_bit(usage[c], su.base, false, false);
    if (safe < 0) continue;
    const std::uint32_t s = c * 2 + (is_read_bit(static_cast<unsigned>(safe)) ? 1 : 0);
    seen[s] = true;
    root[s] = c;
    queue.push_back(s);
  }
  while (!queue.empty()) {
    const std::uint32_t s = queue.front();
    queue.pop_front();
    const std::uint32_t c = s / 2;
    const bool restricted = s & 1;
    const int unsafe = matching_bit(usage[c], su.base, true, restricted);
    if (unsafe >= 0 && via_edge[s] != k_none && !reported[c] && !is_inconsistent[c] && c != root[s]) {
      reported[c] = true;
      irq_problem p;
      p.state = su.state;
      p.signal = su.signal;
      p.safe = root[s];
      p.unsafe = c;
      p.safe_bit = static_cast<unsigned>(matching_bit(usage[root[s]], su.base, false, false));
      p.unsafe_bit = static_cast<unsigned>(unsafe);
      for (std::uint32_t at = s; via_edge[at] != k_none; at = via_state[at]) p.path.insert(p.path.begin(), via_edge[at]);
      out.push_back(std::move(p));
    }
    for (std::uint32_t eid : g.after[c]) {
      std::uint8_t bits = g.edges[eid].bits;
      if (restricted) bits &= static_cast<std::uint8_t>(~dep_from_s);
      if (!bits) continue;
      const std::uint32_t to = g.edges[eid].to * 2;
      const std::uint32_t next = to + ((bits & dep_into_n) ? 0 : 1);
      if (seen[to] || seen[next]) continue;  // (class, unrestricted) dominates
      seen[next] = true;
      via_edge[next] = eid;
      via_state[next] = s;
      root[next] = root[s];
      queue.push_back(next);
    }
  }
}

// The kernel states read from the usage words, then each signal's.
std::vector<state_usage> states_of(const loaded_graph& g) {
  std::vector<state_usage> out;
  for (unsigned state = 0; state < k_kernel_states; ++state) out.push_back({state, -1, state_base(state), g.usage});
  for (std::uint32_t sig = 0; sig < g.signals.size(); ++sig) {
    out.push_back({0, static_cast<int>(sig), 0, std::vector<std::uint32_t>(g.descriptors.size(), 0)});
  }
  const std::size_t first_signal = k_kernel_states;
  for (const auto& [key, bits] : g.signal_usage) out[first_signal + key.second].words[key.first] = bits;
  return out;
}

}  // namespace

std::vector<irq_problem> irq_problems(const loaded_graph& g) {
  std::vector<irq_problem> out;
  const std::vector<state_usage> states = states_of(g);
  for (const state_usage& su : states) inconsistent_classes(su, out);
  for (const state_usage& su : states) paths_in_state(g, su, out);
  return out;
}

}  // namespace lockdep_graph

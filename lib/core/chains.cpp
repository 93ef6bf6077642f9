// Validated-chain records: the class sequences the chain cache stands for,
// kept so that a class going away takes its chains with it, and the reset
// of the whole graph.
#include <cstring>

#include "core/core.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {
void rebuild_chain_table(core_state& cs) {
  cs.chains.clear();
  for (std::uint32_t i = 0; i < cs.nr_chain_recs; ++i)
    if (cs.chain_recs[i].live) cs.chains.insert(cs.chain_recs[i].key);
}

// Squeeze dead chain records and their hlocks out of the pools.
void compact_chains(core_state& cs) {
  std::uint32_t out = 0, hl = 0;
  for (std::uint32_t i = 0; i < cs.nr_chain_recs; ++i) {
    chain_record r = cs.chain_recs[i];
    if (!r.live) continue;
    std::memmove(cs.chain_hlocks + hl, cs.chain_hlocks + r.base, r.depth * sizeof(std::uint32_t));
    r.base = hl;
    hl += r.depth;
    cs.chain_recs[out++] = r;
  }
  cs.nr_chain_recs = out;
  cs.hlocks_used = hl;
}
}  // namespace

bool add_chain(std::uint64_t key, const thread_state& ts, unsigned ctx_base, const held_lock& next,
               std::uint8_t irq_context) noexcept {
  core_state& cs = core();
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  const unsigned n = depth - ctx_base + 1;
  if (cs.nr_chain_recs >= cs.limits.max_chains || cs.hlocks_used + n > cs.limits.max_chain_hlocks)
    compact_chains(cs);
  if (cs.nr_chain_recs >= cs.limits.max_chains || cs.hlocks_used + n > cs.limits.max_chain_hlocks ||
      !cs.chains.insert(key))
    return false;
  // Removed slots (key churn) plus new ones must never fill the table: the
  // lock-free probe ends only at an empty slot.
  if (cs.chains.needs_rebuild()) rebuild_chain_table(cs);
  chain_record& r = cs.chain_recs[cs.nr_chain_recs++];
  r.key = key;
  r.base = cs.hlocks_used;
  r.depth = static_cast<std::uint16_t>(n);
  r.irq_context = irq_context;
  r.live = true;
  for (unsigned i = ctx_base; i < depth; ++i)
    cs.chain_hlocks[cs.hlocks_used++] =
        hlock_id(ts.held[i].cls.load(std::memory_order_relaxed), ts.held[i].read);
  cs.chain_hlocks[cs.hlocks_used++] = hlock_id(next.cls.load(std::memory_order_relaxed), next.read);
  return true;
}

void drop_chains_with(std::uint32_t id) noexcept {
  core_state& cs = core();
  for (std::uint32_t i = 0; i < cs.nr_chain_recs; ++i) {
    chain_record& r = cs.chain_recs[i];
    if (!r.live) continue;
    for (unsigned j = 0; j < r.depth; ++j) {
      if ((cs.chain_hlocks[r.base + j] & 0xffffff) == id) {
        r.live = false;
        cs.chains.remove(r.key);
        break;
      }
    }
  }
  if (cs.chains.needs_rebuild()) rebuild_chain_table(cs);
}

void reset_graph() noexcept {
  core_state& cs = core();
  for (std::uint32_t id = 1; id < cs.g.classes_high_water(); ++id) {
    lock_class& c = cs.g.cls(id);
    if (!c.in_use) continue;
    if (c.key) key_access::classes(*c.key)[c.subclass].store(nullptr, std::memory_order_release);
    cs.g.free_class(c);
  }
  cs.nr_chain_recs = 0;
  cs.hlocks_used = 0;
  cs.chains.clear();
}

LOCKDEP_INTERNAL_END

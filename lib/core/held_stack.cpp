// The held-lock stack editor: entries taken untracked, validating and
// pushing an entry, and rebuilding the stack when an entry leaves from the
// middle (out-of-order release, a freed or re-classed lock), plus the
// lookups the rest of the validator shares. Every edit runs in a cold
// section; only the owning thread edits its stack.
#include "core/held_stack.hpp"

LOCKDEP_INTERNAL_BEGIN

void copy_held(held_lock& to, const held_lock& from) noexcept {
  to.instance.store(from.instance.load(std::memory_order_relaxed), std::memory_order_relaxed);
  to.cls.store(from.cls.load(std::memory_order_relaxed), std::memory_order_relaxed);
  to.prev_chain_key = from.prev_chain_key;
  to.acquire_ip = from.acquire_ip;
  to.caller_word = from.caller_word;
  to.ctx_id = from.ctx_id;
  to.references = from.references;
  to.read = from.read;
  to.irq_context = from.irq_context;
  to.trylock = from.trylock;
  to.check = from.check;
  to.hardirqs_off = from.hardirqs_off;
  to.nest_lock = from.nest_lock;
  to.nest_merged = from.nest_merged;
}

void note_untracked(thread_state& ts, const lock_map& m) {
  if (ts.nr_untracked < thread_state::k_max_untracked) ts.untracked[ts.nr_untracked++] = &m;
  else ts.untracked_overflow = true;
}

// Forget untracked acquisitions of `m`: one, or all; returns whether any.
bool drop_untracked(thread_state& ts, const lock_map& m, bool all) {
  bool found = false;
  for (std::uint32_t i = ts.nr_untracked; i-- > 0;) {
    if (ts.untracked[i] != &m) continue;
    ts.untracked[i] = ts.untracked[--ts.nr_untracked];
    found = true;
    if (!all) break;
  }
  return found;
}

// True if `m` was taken untracked (and forgets one such acquisition).
bool take_untracked(thread_state& ts, const lock_map& m) {
  return drop_untracked(ts, m, false) || ts.untracked_overflow;
}

void validate_and_push(thread_state& ts, held_lock& hl, std::uint32_t& trace, bool mark) {
  core_state& cs = core();
  lock_class* cls = hl.cls.load(std::memory_order_relaxed);
  if (hl.check && cs.enabled.load(std::memory_order_relaxed)) {
    const std::uint32_t need = ts.need[hl.trylock][hl.read != 0];
    if (mark && (cls->usage.load(std::memory_order_relaxed) & need) != need) mark_usage(ts, hl, need, trace);
    const std::uint64_t key = chain_mix(ts.chain_key, hlock_id(cls, hl.read));
    if (!hl.trylock && !cs.chains.contains(key)) {
      ++cs.cold_entries;
      validate_chain(ts, hl, key, trace);
    }
  }
  ts.chain_key = chain_mix(ts.chain_key, hlock_id(cls, hl.read));
  ts.depth.store(ts.depth.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

namespace {

// Where context `ctx`'s chain key lives: the thread's for the current
// context, the frame of the interrupt that entered on top of it otherwise.
void store_context_key(thread_state& ts, std::uint32_t ctx, std::uint32_t current_ctx, std::uint64_t key,
                       std::uint64_t& current_key) {
  if (ctx == current_ctx) {
    current_key = key;
    return;
  }
  for (unsigned f = 0; f < ts.irq_nesting; ++f)
    if (ts.frames[f].ctx_id == ctx) ts.frames[f].saved_chain_key = key;
}

// A re-pushed entry taken under a nest lock joins a same-class entry that is
// now on top, as the kernel's __lock_acquire merges it when it replays the
// stack: the top then counts both entries' acquisitions and, like any merged
// entry, matches every lock of its class on release.
bool merge_into_top(thread_state& ts, const held_lock& h) {
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  if (!h.nest_lock || depth == 0) return false;
  held_lock& top = ts.held[depth - 1];
  if (top.ctx_id != h.ctx_id || top.cls.load(std::memory_order_relaxed) != h.cls.load(std::memory_order_relaxed))
    return false;
  top.references += h.references + 1;
  top.nest_merged = true;
  return true;
}

}  // namespace

// Truncate the stack to held[0..i) and push the saved entries `from`.. back
// on it, each re-validated in its new position (cold section held).
//
// held[i] may belong to interrupted code (a lock freed or re-classed inside
// an interrupt), so the entries span contexts. Each is validated as its own
// context (chains restart at a boundary, no edges across one), and each
// context's new chain key goes back where that context keeps it. Usage bits
// are marked only for the current context: the thread's irq state now is not
// the one the interrupted code took its locks in.
void rebuild_from(thread_state& ts, unsigned i, unsigned from) {
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  held_lock* saved = ts.scratch;
  unsigned n = 0;
  for (unsigned j = from; j < depth; ++j) copy_held(saved[n++], ts.held[j]);
  const std::uint32_t current_ctx = ts.ctx_id;
  const std::uint8_t current_type = ts.ctx_type;
  std::uint64_t current_key = ts.chain_key;
  std::uint32_t ctx = ts.held[i].ctx_id;
  ts.chain_key = ts.held[i].prev_chain_key;
  ts.depth.store(i, std::memory_order_relaxed);
  std::uint32_t trace = 0;
  for (unsigned j = 0; j < n; ++j) {
    if (merge_into_top(ts, saved[j])) continue;
    held_lock& slot = ts.held[ts.depth.load(std::memory_order_relaxed)];
    copy_held(slot, saved[j]);
    if (slot.ctx_id != ctx) {
      store_context_key(ts, ctx, current_ctx, ts.chain_key, current_key);
      ctx = slot.ctx_id;
      ts.chain_key = initial_chain_key(slot.irq_context);
    }
    slot.prev_chain_key = ts.chain_key;
    ts.ctx_id = slot.ctx_id;  // what the checks read as "the context"
    ts.ctx_type = slot.irq_context;
    validate_and_push(ts, slot, trace, ctx == current_ctx);
  }
  store_context_key(ts, ctx, current_ctx, ts.chain_key, current_key);
  ts.ctx_id = current_ctx;
  ts.ctx_type = current_type;
  ts.chain_key = current_key;
}

// Remove held[i] and replay the entries above it (cold section held).
void remove_held(thread_state& ts, unsigned i) { rebuild_from(ts, i, i + 1); }

// Top-down search within the current irq context.
int find_held(const thread_state& ts, const lock_map& m) {
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  for (int i = static_cast<int>(depth) - 1; i >= 0; --i) {
    const held_lock& h = ts.held[i];
    if (!context_matches(ts, h)) break;
    if (h.instance.load(std::memory_order_relaxed) == &m) return i;
    if (h.nest_merged) {
      lock_class* c = h.cls.load(std::memory_order_relaxed);
      if (c && c->key == m.key()) return i;
    }
  }
  return -1;
}

void forget_held_instance(thread_state& ts, const lock_map& m) noexcept {
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  for (unsigned i = depth; i-- > 0;) {
    if (ts.held[i].instance.load(std::memory_order_relaxed) == &m) {
      cold_section section(&ts);
      remove_held(ts, i);
      return;
    }
  }
}

void forget_untracked(thread_state& ts, const lock_map& m) noexcept { drop_untracked(ts, m, true); }

void drop_context_locks(thread_state& ts) noexcept {
  cold_section section(&ts);
  unsigned depth = ts.depth.load(std::memory_order_relaxed);
  while (depth > 0 && ts.held[depth - 1].ctx_id == ts.ctx_id) {
    --depth;
    ts.chain_key = ts.held[depth].prev_chain_key;
    // Still really locked: its later release (outside) must succeed.
    if (const lock_map* m = ts.held[depth].instance.load(std::memory_order_relaxed))
      for (unsigned r = 0; r <= ts.held[depth].references; ++r) note_untracked(ts, *m);
  }
  ts.depth.store(depth, std::memory_order_relaxed);
}

void replay_from(thread_state& ts, unsigned i, lock_class* new_cls) noexcept {
  cold_section section(&ts);
  ts.held[i].cls.store(new_cls, std::memory_order_relaxed);
  ts.held[i].check = new_cls->validate;
  rebuild_from(ts, i, i);
}

int find_held_any_context(const thread_state& ts, const lock_map& m, int read) noexcept {
  const unsigned depth = ts.depth.load(std::memory_order_relaxed);
  for (int i = static_cast<int>(depth) - 1; i >= 0; --i) {
    const held_lock& h = ts.held[i];
    if (read >= 0 && h.read != read) continue;
    if (h.instance.load(std::memory_order_relaxed) == &m) return i;
    if (h.nest_merged) {
      lock_class* c = h.cls.load(std::memory_order_relaxed);
      if (c && c->key == m.key()) return i;
    }
  }
  return -1;
}

LOCKDEP_INTERNAL_END

// Acquire and release: the warm path, and the cold path it falls back to.
//
// Warm path (everything below until acquire_slow): the held classes'
// chain was validated before and the class already has the usage bits this
// acquisition would set. It reads the thread's state, the lock's class
// pointer and usage word, probes the chain cache, and pushes one entry:
// no lock, no allocation, no write to shared memory.
#include <atomic>

#include "core/core.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {


inline bool context_matches(const thread_state& ts, const held_lock& h) { return h.ctx_id == ts.ctx_id; }

void fill_entry(held_lock& hl, thread_state& ts, lock_map& m, lock_class* cls, unsigned read, bool trylock,
                std::uintptr_t ip) {
  hl.instance.store(&m, std::memory_order_relaxed);
  hl.cls.store(cls, std::memory_order_relaxed);
  hl.prev_chain_key = ts.chain_key;
  hl.acquire_ip = ip;
  hl.ctx_id = ts.ctx_id;
  hl.references = 0;
  hl.read = static_cast<std::uint8_t>(read);
  hl.irq_context = ts.ctx_type;
  hl.trylock = trylock;
  hl.check = cls->validate;
  hl.hardirqs_off = !ts.hardirqs_on;
  hl.nest_lock = nullptr;
  hl.nest_merged = false;
}

}  // namespace

void copy_held(held_lock& to, const held_lock& from) noexcept {
  to.instance.store(from.instance.load(std::memory_order_relaxed), std::memory_order_relaxed);
  to.cls.store(from.cls.load(std::memory_order_relaxed), std::memory_order_relaxed);
  to.prev_chain_key = from.prev_chain_key;
  to.acquire_ip = from.acquire_ip;
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

namespace {

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

bool bad_map(thread_state* ts, lock_map& m) {
  if (map_access::alive(m) == k_map_alive) return false;
  misuse_report(ts, report_kind::bad_lock_usage, "using a lock that was destroyed (or never constructed)", &m);
  return true;
}

// Validate and push `hl` (already filled at held[depth]); cold section held.
// `mark` false: leave the class's usage bits alone (the thread's irq state
// now is not the one `hl` was taken in).
void validate_and_push(thread_state& ts, held_lock& hl, std::uint32_t& trace, bool mark = true) {
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

LOCKDEP_NOINLINE void acquire_slow(thread_state* ts, lock_map& m, unsigned flags, lock_map* nest,
                                   std::uintptr_t ip) {
  if (!ts) ts = current_thread_state();
  if (!ts || ts->recursion) return;
  if (ts->off) return note_untracked(*ts, m);
  ts->entry_ip = ip;
  if (bad_map(ts, m)) return;
  if (flags & k_bad_subclass)
    misuse_report(ts, report_kind::bad_lock_usage, "BUG: looking up invalid subclass (valid: 0..7); using 7", &m);
  const unsigned sub = (flags & k_has_subclass) ? (flags >> k_subclass_shift) & 7u : m.subclass();
  const unsigned read = flags & k_read_mask;
  const bool trylock = flags & k_trylock;
  lock_class_key& key = *m.key();
  if (key_access::state(key).load(std::memory_order_acquire) == key_unregistered) {
    misuse_report(ts, report_kind::bad_lock_usage, "acquiring a lock whose class key was unregistered", &m);
    return note_untracked(*ts, m);
  }
  cold_section section(ts);
  core_state& cs = core();
  if (!cs.enabled.load(std::memory_order_relaxed)) return note_untracked(*ts, m);
  if ((flags & k_recursive_instance)) {
    int i = find_held(*ts, m);
    if (i >= 0) {
      ++ts->held[i].references;
      return;
    }
  }
  lock_class* cls = register_class(key, sub, static_cast<std::uint8_t>(m.inner()),
                                   static_cast<std::uint8_t>(m.outer()), map_access::validate(m));
  if (!cls) {
    limit_reached(ts, "BUG: MAX_LOCKDEP_KEYS too low!", option_id::max_classes);
    return note_untracked(*ts, m);
  }
  const unsigned depth = ts->depth.load(std::memory_order_relaxed);
  if (depth >= ts->max_depth) {
    limit_reached(ts, "BUG: MAX_LOCK_DEPTH too low!", option_id::max_depth);
    return note_untracked(*ts, m);
  }
  if (nest) {
    if (find_held(*ts, *nest) < 0) {
      if (report_record* r = begin_report(report_kind::nested_lock_not_taken,
                                                      problem_signature(report_kind::nested_lock_not_taken, cls->id))) {
        snapshot_class(*cls, r->classes[0]);
        r->nr_classes = 1;
        r->instance = &m;
        r->ip = ip;
        r->read = static_cast<std::uint8_t>(read);
        r->other_instance = nest;
        r->message = nest->key() && nest->key()->name() ? nest->key()->name() : "(nest lock)";
        finish_report(*r, *ts);
      }
    } else if (depth > 0) {
      held_lock& top = ts->held[depth - 1];
      if (context_matches(*ts, top) && top.cls.load(std::memory_order_relaxed) == cls) {
        ++top.references;
        top.nest_merged = true;
        return;
      }
    }
  }
  held_lock& hl = ts->held[depth];
  fill_entry(hl, *ts, m, cls, read, trylock, ip);
  hl.nest_lock = nest;
  std::uint32_t trace = 0;
  validate_and_push(*ts, hl, trace);
}

LOCKDEP_NOINLINE bool release_slow(thread_state* ts, lock_map& m, bool report, std::uintptr_t ip) {
  if (!ts) ts = current_thread_state();
  if (!ts) return true;
  if (ts->recursion) return true;
  ts->entry_ip = ip;
  if (bad_map(ts, m)) return false;
  if (!core().enabled.load(std::memory_order_relaxed) || ts->off) {
    // Validation is off: keep the stack consistent if we can, never refuse.
    int i = find_held(*ts, m);
    if (i >= 0) {
      cold_section section(ts);
      remove_held(*ts, static_cast<unsigned>(i));
    } else {
      take_untracked(*ts, m);
    }
    return true;
  }
  int i = find_held(*ts, m);
  if (i < 0) {
    if (take_untracked(*ts, m)) return true;
    if (report) misuse_report(ts, report_kind::bad_unlock_balance, "is trying to release lock", &m);
    return false;
  }
  held_lock& h = ts->held[i];
  if (h.references > 0) {
    // A merged entry stays matchable by class until its last acquisition
    // goes: the locks under a nest lock may be released in any order, so the
    // one left need not be the instance that created the entry.
    --h.references;
    return true;
  }
  cold_section section(ts);
  remove_held(*ts, static_cast<unsigned>(i));
  return true;
}

}  // namespace

// ---- warm path -----------------------------------------------------------------------

namespace {

// The warm paths themselves, inlined into each public entry point: acquire
// calling the global acquire_at would stay a real call (through the PLT in
// liblockdep.so), since -fPIC code lets another definition interpose it.
LOCKDEP_ALWAYS_INLINE void acquire_warm(lock_map& m, unsigned flags, lock_map* nest, std::uintptr_t ip) {
  thread_state* ts = current_thread_state_if_any();
  if (__builtin_expect(!ts || ts->recursion || ts->off || nest || map_access::alive(m) != k_map_alive ||
                           (flags & (k_recursive_instance | k_bad_subclass)),
                       0))
    return acquire_slow(ts, m, flags, nest, ip);
  const unsigned sub = (flags & k_has_subclass) ? (flags >> k_subclass_shift) & 7u : m.subclass();
  lock_class* cls = key_access::classes(*m.key())[sub].load(std::memory_order_acquire);
  const unsigned depth = ts->depth.load(std::memory_order_relaxed);
  if (__builtin_expect(!cls || depth >= ts->max_depth, 0)) return acquire_slow(ts, m, flags, nest, ip);
  const unsigned read = flags & k_read_mask;
  const bool trylock = flags & k_trylock;
  const std::uint64_t key = chain_mix(ts->chain_key, hlock_id(cls, read));
  if (cls->validate) {
    const std::uint32_t need = ts->need[trylock][read != 0];
    if ((cls->usage.load(std::memory_order_relaxed) & need) != need)
      return acquire_slow(ts, m, flags, nest, ip);
    if (!trylock && !core_unchecked().chains.contains(key)) return acquire_slow(ts, m, flags, nest, ip);
  }
  held_lock& hl = ts->held[depth];
  fill_entry(hl, *ts, m, cls, read, trylock, ip);
  ts->chain_key = key;
  ts->depth.store(depth + 1, std::memory_order_relaxed);
}

LOCKDEP_ALWAYS_INLINE bool release_warm(lock_map& m, std::uintptr_t ip) {
  thread_state* ts = current_thread_state_if_any();
  if (__builtin_expect(ts && !ts->recursion, 1)) {
    const unsigned depth = ts->depth.load(std::memory_order_relaxed);
    if (depth > 0) {
      held_lock& top = ts->held[depth - 1];
      if (top.instance.load(std::memory_order_relaxed) == &m && top.references == 0 &&
          context_matches(*ts, top)) {
        ts->chain_key = top.prev_chain_key;
        ts->depth.store(depth - 1, std::memory_order_relaxed);
        return true;
      }
    }
  }
  return release_slow(ts, m, true, ip);
}

}  // namespace

void acquire_at(lock_map& m, unsigned flags, lock_map* nest, std::uintptr_t ip) noexcept {
  acquire_warm(m, flags, nest, ip);
}

void acquire(lock_map& m, unsigned flags, lock_map* nest) noexcept {
  acquire_warm(m, flags, nest, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}

void acquire_exclusive(lock_map& m) noexcept {
  acquire_warm(m, static_cast<unsigned>(read_mode::exclusive), nullptr,
               reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}

bool release_at(lock_map& m, std::uintptr_t ip) noexcept { return release_warm(m, ip); }

bool release(lock_map& m) noexcept {
  return release_warm(m, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}

void acquire_failed(lock_map& m) noexcept {
  thread_state* ts = current_thread_state_if_any();
  if (!ts || ts->recursion) return;
  int i = find_held(*ts, m);
  if (i < 0) {
    take_untracked(*ts, m);  // an untracked attempt that failed
    return;
  }
  if (ts->held[i].references > 0) {
    --ts->held[i].references;
    return;
  }
  cold_section section(ts);
  remove_held(*ts, static_cast<unsigned>(i));
}

void might_acquire(lock_map& m, unsigned flags) noexcept {
  // Straight to the slow path (a wait is never hot): it records our caller.
  acquire_slow(current_thread_state_if_any(), m, flags, nullptr,
               reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
  thread_state* ts = current_thread_state_if_any();
  if (ts && !ts->recursion && find_held(*ts, m) >= 0)
    release_slow(ts, m, false, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
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

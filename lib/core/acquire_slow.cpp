// The cold path of acquire and release: everything the warm path
// (validator.cpp) hands over - a new class or chain, a usage bit to set, a
// nest lock, a recursive instance, a lock taken out of order, misuse - and
// the annotations that never take the warm path (a failed attempt, a wait).
#include "core/caller_chains.hpp"
#include "core/held_stack.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

bool bad_map(thread_state* ts, lock_map& m) {
  if (map_access::alive(m) == k_map_alive) return false;
  misuse_report(ts, report_kind::bad_lock_usage, "using a lock that was destroyed (or never constructed)", &m);
  return true;
}

}  // namespace

void acquire_slow(thread_state* ts, lock_map& m, unsigned flags, lock_map* nest, std::uintptr_t ip,
                  std::uintptr_t caller_word) noexcept {
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
  // No chain yet: the unwound frames when a capture hook gives them (more
  // than the one outer return address the entry point was passed).
  if (!(caller_word & k_chain_tag))
    if (const std::uintptr_t* unwound = unwound_callers(ip)) caller_word = chain_word(unwound);
  fill_entry(hl, *ts, m, cls, read, trylock, cls->validate, ip, caller_word);
  hl.nest_lock = nest;
  std::uint32_t trace = 0;
  validate_and_push(*ts, hl, trace);
}

bool release_slow(thread_state* ts, lock_map& m, bool report, std::uintptr_t ip) noexcept {
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

LOCKDEP_INTERNAL_END

// Keys and locks coming and going: dynamic key registration, reset(), and
// a lock_map's destruction (a held lock freed).
#include <mutex>

#include "core/core.hpp"
#include "core/imports.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {
// Is any class of `key` on some thread's held stack?
bool key_held(lock_class_key& key) {
  bool held = false;
  for_each_thread([&](thread_state& t) {
    const unsigned d = t.depth.load(std::memory_order_relaxed);
    for (unsigned i = 0; i < d && i < k_max_held_capacity; ++i) {
      lock_class* c = t.held[i].cls.load(std::memory_order_relaxed);
      if (c && c->key == &key) held = true;
    }
  });
  return held;
}
}  // namespace

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE
using namespace internal;

void register_key(lock_class_key& key) {
  key_access::state(key).store(key_registered, std::memory_order_release);
}

bool unregister_key(lock_class_key& key) {
  thread_state* ts = current_thread_state();
  bool held = false;
  {
    cold_section cs(ts);
    // Under the graph lock: free_class() writes lock_class::key, which
    // key_held() reads through other threads' held stacks.
    held = key_held(key);
    core_state& c = core();
    for (unsigned s = 0; s < 8 && !held; ++s) {
      lock_class* cls = key_access::classes(key)[s].exchange(nullptr, std::memory_order_acq_rel);
      if (!cls) continue;
      drop_chains_with(cls->id);
      c.g.free_class(*cls);
    }
    if (!held) key_access::state(key).store(key_unregistered, std::memory_order_release);
  }
  if (held)
    misuse_report(ts, report_kind::bad_lock_usage, "unregistering a lock class key whose lock is held; refused",
                  nullptr);
  return !held;
}

bool reset() {
  thread_state* ts = current_thread_state();
  bool held = false;
  for_each_thread([&](thread_state& t) { held |= t.depth.load(std::memory_order_relaxed) > 0; });
  if (held) {
    misuse_report(ts, report_kind::bad_lock_usage, "lockdep::reset() while locks are held; refused", nullptr);
    return false;
  }
  deliver_pending();  // queued reports refer to traces that are about to go
  if (ts) ts->untracked_overflow = false;
  {
    cold_section section(ts);
    reset_graph();
    forget_signatures();
    // Every trace id lived in a class, an edge or a queued report: with the
    // first two gone, the pool can start over unless a report is in flight.
    if (!reports_in_flight()) core().traces.clear();
    core().enabled.store(true, std::memory_order_relaxed);
  }
  run_reset_hook();  // the graph store's dependencies come back (core/imports.hpp)
  return true;
}

lock_map::lock_map(lock_class_key& key, wait_type inner, wait_type outer, check c) {
  map_access::init(*this, &key, inner, outer, c);
}

lock_map::~lock_map() {
  if (alive_ != k_map_alive) {
    misuse_report(current_thread_state(), report_kind::bad_lock_usage, "destroying a lock that was already destroyed",
                  this);
    return;
  }
  alive_ = k_map_dead;
  thread_state* ts = current_thread_state_if_any();
  if (ts && ts->nr_untracked) forget_untracked(*ts, *this);
  if (!ts || ts->depth.load(std::memory_order_relaxed) == 0) return;
  const unsigned d = ts->depth.load(std::memory_order_relaxed);
  for (unsigned i = 0; i < d; ++i) {
    if (ts->held[i].instance.load(std::memory_order_relaxed) == this) {
      misuse_report(ts, report_kind::held_lock_freed, "is freeing memory", this);
      forget_held_instance(*ts, *this);
      return;
    }
  }
}

LOCKDEP_END_NAMESPACE

// Queries, assertions and re-classing of the annotation API (lock_map.hpp).
#include "core/core.hpp"

LOCKDEP_BEGIN_NAMESPACE
using namespace internal;

namespace {
bool validation_active() { return core_ready() && core().enabled.load(std::memory_order_relaxed); }
}  // namespace

bool is_held(const lock_map& m, int read) {
  if (!validation_active()) return true;  // unknown: keep assertions quiet
  thread_state* ts = current_thread_state_if_any();
  return ts && find_held_any_context(*ts, m, read) >= 0;
}

void assert_held(const lock_map& m, int read) {
  if (is_held(m, read)) return;
  misuse_report(current_thread_state(), report_kind::assertion_failed,
                read < 0 ? "lockdep_assert_held() failed: lock not held" : "lockdep_assert_held() failed: lock not held in the asserted mode",
                &m);
}

void assert_not_held(const lock_map& m) {
  if (!validation_active()) return;
  thread_state* ts = current_thread_state_if_any();
  if (ts && find_held_any_context(*ts, m, -1) >= 0)
    misuse_report(ts, report_kind::assertion_failed, "lockdep_assert_not_held() failed: lock is held", &m);
}

void assert_none_held() {
  if (!validation_active()) return;
  thread_state* ts = current_thread_state_if_any();
  if (ts && ts->depth.load(std::memory_order_relaxed) > 0)
    misuse_report(ts, report_kind::assertion_failed, "lockdep_assert_none_held() failed: locks are held", nullptr);
}

namespace {
void reclass(lock_map& m) {
  thread_state* ts = current_thread_state();
  if (!ts || ts->recursion) return;
  const int i = find_held_any_context(*ts, m, -1);
  if (i < 0) return;
  lock_class* cls = nullptr;
  {
    cold_section section(ts);
    cls = register_class(*m.key(), m.subclass(), static_cast<std::uint8_t>(m.inner()),
                         static_cast<std::uint8_t>(m.outer()), map_access::validate(m));
    if (!cls) limit_reached(ts, "BUG: MAX_LOCKDEP_KEYS too low!", option_id::max_classes);
  }
  if (cls) replay_from(*ts, static_cast<unsigned>(i), cls);
}

// Out of range is reported and clamped to 7, as lock_acquire does.
unsigned checked_subclass(const lock_map& m, unsigned subclass) {
  if (subclass <= 7) return subclass;
  misuse_report(current_thread_state(), report_kind::bad_lock_usage,
                "BUG: setting invalid subclass (valid: 0..7); using 7", &m);
  return 7;
}
}  // namespace

void set_class(lock_map& m, lock_class_key& key, unsigned subclass) {
  map_access::set_key(m, &key);
  map_access::set_subclass(m, checked_subclass(m, subclass));
  reclass(m);
}

void set_subclass(lock_map& m, unsigned subclass) {
  map_access::set_subclass(m, checked_subclass(m, subclass));
  reclass(m);
}

validation_off::validation_off() {
  if (thread_state* ts = current_thread_state()) ++ts->off;
}

validation_off::~validation_off() {
  // The constructor may have found no state (lockdep initialising, thread
  // past teardown): never let the count go negative, which would switch
  // the thread off for good.
  thread_state* ts = current_thread_state_if_any();
  if (ts && ts->off > 0) --ts->off;
}

LOCKDEP_END_NAMESPACE

// Ordered locking within one class (lockdep/ordered.hpp): the class's lock
// comparison and print functions, the kernel's lock_set_cmp_fn. The checks
// that use them are in checks.cpp (check_deadlock).
#include "core/core.hpp"
#include "lockdep/ordered.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

const void* object_of(const lock_class& c, const lock_map* m) {
  return reinterpret_cast<const char*>(m) - c.object_offset;
}

}  // namespace

int compare_locks(const lock_class& c, const lock_map* held, const lock_map* next) noexcept {
  return c.cmp_fn(object_of(c, held), object_of(c, next));
}

void describe_lock(const lock_class* c, const lock_map* m, char (&out)[k_lock_text]) noexcept {
  out[0] = 0;
  if (!c || !c->print_fn || !m || map_access::alive(*m) != k_map_alive) return;
  c->print_fn(object_of(*c, m), out, k_lock_text);
  out[k_lock_text - 1] = 0;
}

void set_cmp_fn(lock_map& m, lock_cmp_fn cmp, lock_print_fn print, std::ptrdiff_t object_offset) noexcept {
  thread_state* ts = current_thread_state();
  if (!ts || ts->recursion) return;
  if (map_access::alive(m) != k_map_alive) {
    misuse_report(ts, report_kind::bad_lock_usage, "setting the lock comparison of a lock that was destroyed (or never constructed)", &m);
    return;
  }
  lock_class_key& key = *m.key();
  if (key_access::state(key).load(std::memory_order_acquire) == key_unregistered) {
    misuse_report(ts, report_kind::bad_lock_usage, "setting the lock comparison of a lock whose class key was unregistered", &m);
    return;
  }
  cold_section section(ts);
  lock_class* cls = register_class(key, m.subclass(), static_cast<std::uint8_t>(m.inner()),
                                   static_cast<std::uint8_t>(m.outer()), map_access::validate(m));
  if (!cls) {
    limit_reached(ts, "BUG: MAX_LOCKDEP_KEYS too low!", option_id::max_classes);
    return;
  }
  cls->cmp_fn = cmp;
  cls->print_fn = print;
  cls->object_offset = object_offset;
  // Chains of the class validated before it was ordered (or under another
  // comparison) must be checked again.
  drop_chains_with(cls->id);
}

LOCKDEP_INTERNAL_END

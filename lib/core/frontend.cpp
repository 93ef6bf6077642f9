// Front-end entry points of frontend.hpp other than acquire/release.
//
// Reports found outside the core's class graph, raised through the core so
// they share its record, deduplication and delivery: the preload interposer's
// instance-level cycles between locks of one class (which the class graph
// cannot see, since it would need a nesting annotation to tell them apart).
#include "core/core.hpp"

LOCKDEP_INTERNAL_BEGIN

void report_instance_cycle(lock_map& acquiring, std::uintptr_t ip, lock_map& held, std::uintptr_t held_ip,
                           std::uint64_t signature, const char* message) noexcept {
  thread_state* ts = current_thread_state();
  if (!ts || ts->recursion || ts->off) return;
  ts->entry_ip = ip;
  cold_section section(ts);
  core_state& cs = core();
  if (!cs.enabled.load(std::memory_order_relaxed)) return;
  lock_class_key* key = acquiring.key();
  lock_class* cls = key ? register_class(*key, acquiring.subclass(), static_cast<std::uint8_t>(acquiring.inner()),
                                         static_cast<std::uint8_t>(acquiring.outer()), true)
                        : nullptr;
  if (!cls) return;
  // c = 1 keeps instance cycles apart from class cycles (a, b = classes).
  report_record* r = begin_report(report_kind::circular_dependency,
                                  problem_signature(report_kind::circular_dependency, cls->id, signature, 1));
  if (!r) return;
  snapshot_class(*cls, r->classes[0]);
  snapshot_class(*cls, r->classes[1]);
  r->nr_classes = 2;
  r->instance = &acquiring;
  r->ip = ts->entry_ip;
  r->other_instance = &held;
  r->other_ip = held_ip;
  // The cycle runs through two instances of one class: acquiring -> held was
  // recorded earlier (#1), held -> acquiring is being attempted now (#0).
  const std::uint32_t trace = cs.stacktraces.load(std::memory_order_relaxed) ? cs.traces.capture(2, ts->entry_ip) : 0;
  snapshot_class(*cls, r->chain[0].cls);
  r->chain[0].depth = 1;
  snapshot_class(*cls, r->chain[1].cls);
  r->chain[1].trace = trace;
  r->chain[1].depth = 0;
  r->nr_chain = 2;
  r->message = message;
  finish_report(*r, *ts);
}

void set_key_name(lock_class_key& key, const char* name) noexcept { key_access::set_name(key, name); }

LOCKDEP_INTERNAL_END

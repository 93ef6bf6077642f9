// Front-end entry points of frontend.hpp other than acquire/release.
//
// Reports found outside the core's class graph, raised through the core so
// they share its record, deduplication and delivery: the preload interposer's
// instance-level cycles between locks of one class (which the class graph
// cannot see, since it would need a nesting annotation to tell them apart),
// and the stacks and limits of its own instance-order table.
#include "core/core.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {
constexpr unsigned k_front_end_skip = 2;

std::uint32_t capture_checked(core_state& cs, thread_state* ts) {
  const std::uint32_t trace = cs.traces.capture(k_front_end_skip, ts->entry_ip);
  if (!trace && cs.traces.full()) limit_reached(ts, "BUG: MAX_STACK_TRACE_ENTRIES too low!", option_id::max_trace_entries);
  return trace;
}
}  // namespace

void report_instance_cycle(lock_map& acquiring, std::uintptr_t ip, lock_map& held, std::uintptr_t held_ip,
                           const std::uint32_t* path_traces, unsigned path_len, bool truncated,
                           const char* message) noexcept {
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
  // One report per class, as the class graph gives one per pair of classes
  // (c = 1 keeps it apart from the class graph's own cycle of a class).
  report_record* r = begin_report(report_kind::circular_dependency,
                                  problem_signature(report_kind::circular_dependency, cls->id, cls->id, 1));
  if (!r) return;
  snapshot_class(*cls, r->classes[0]);
  snapshot_class(*cls, r->classes[1]);
  r->nr_classes = 2;
  r->instance = &acquiring;
  r->ip = ts->entry_ip;
  r->other_instance = &held;
  r->other_ip = held_ip;
  // The cycle runs through instances of one class: acquiring -> ... -> held
  // was recorded earlier (#n..#1, each with the stack of the edge into it),
  // held -> acquiring is being attempted now (#0).
  if (path_len > k_record_max_chain - 1) path_len = k_record_max_chain - 1;
  for (unsigned i = 0; i < path_len; ++i) {
    snapshot_class(*cls, r->chain[i].cls);
    r->chain[i].trace = path_traces[i];
    r->chain[i].depth = static_cast<std::uint16_t>(path_len - i);
  }
  snapshot_class(*cls, r->chain[path_len].cls);
  r->chain[path_len].trace = cs.stacktraces.load(std::memory_order_relaxed) ? capture_checked(cs, ts) : 0;
  r->chain[path_len].depth = 0;
  r->nr_chain = path_len + 1;
  r->truncated = truncated;
  r->message = message;
  finish_report(*r, *ts);
}

void set_key_name(lock_class_key& key, const char* name) noexcept { key_access::set_name(key, name); }

std::uint32_t capture_front_end_trace(std::uintptr_t ip) noexcept {
  thread_state* ts = current_thread_state();
  core_state& cs = core();
  if (!ts || ts->recursion || ts->off || !cs.stacktraces.load(std::memory_order_relaxed)) return 0;
  ts->entry_ip = ip;
  cold_section section(ts);
  return capture_checked(cs, ts);
}

void front_end_limit_reached(const char* limit, option_id option) noexcept {
  thread_state* ts = current_thread_state();
  if (!ts || ts->recursion) return;
  cold_section section(ts);
  limit_reached(ts, limit, option);
}

LOCKDEP_INTERNAL_END

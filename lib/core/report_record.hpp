// The boundary between the core and the report layer: a problem as plain
// data, built under the graph lock without allocating (it may be built in a
// signal handler), queued, and handed to the report layer later, outside
// every lock of the core. The report layer turns it into lockdep::report,
// formats and delivers it.
#pragma once

#include <cstdint>

#include "core/usage.hpp"
#include "lockdep/report.hpp"

LOCKDEP_INTERNAL_BEGIN

constexpr unsigned k_record_max_held = 64;
constexpr unsigned k_record_max_chain = 64;
constexpr unsigned k_lock_text = 48;  // a class's print function's text per lock

// A class as it was when the problem was found.
struct class_snapshot {
  const lock_class_key* key = nullptr;
  const char* name = nullptr;      // key name or null (then the site is used)
  const char* site_file = nullptr;
  unsigned site_line = 0;
  std::uint32_t id = 0;
  std::uint32_t usage = 0;         // usage bits
  std::uint16_t name_version = 1;  // N in name#N
  std::uint8_t subclass = 0;
  std::uint8_t wait_inner = 0, wait_outer = 0;
  bool validate = true;
  std::uint32_t usage_trace[usage_bits] = {};
};

struct held_snapshot {
  class_snapshot cls;
  const void* instance = nullptr;
  std::uintptr_t ip = 0;
  const std::uintptr_t* callers = nullptr;  // held_lock::callers
  std::uint8_t read = 0;
  bool trylock = false;
  char text[k_lock_text] = {};  // print function's text, or empty
};

struct chain_step {
  class_snapshot cls;
  std::uint32_t trace = 0;  // trace of the edge leading into this step
  std::uint16_t depth = 0;
};

struct report_record {
  report_kind kind{};
  // Classes in the order report::classes documents.
  class_snapshot classes[4];
  unsigned nr_classes = 0;
  // The acquisition in question (lock lines "is trying to acquire lock:").
  const void* instance = nullptr;
  std::uintptr_t ip = 0;
  const std::uintptr_t* callers = nullptr;  // held_lock::callers, interned
  std::uint8_t read = 0;
  const void* other_instance = nullptr;  // the held lock it conflicts with
  std::uintptr_t other_ip = 0;
  const std::uintptr_t* other_callers = nullptr;
  std::uint8_t other_read = 0;
  char text[k_lock_text] = {};        // print function's text of `instance`
  char other_text[k_lock_text] = {};  // and of `other_instance`
  // Recursive locking of an ordered class: what its comparison returned.
  bool cmp_valid = false;
  int cmp_result = 0;
  // Circular: the cycle; irq reports: the path(s).
  chain_step chain[k_record_max_chain];
  unsigned nr_chain = 0;
  chain_step chain2[k_record_max_chain];  // safe->unsafe: the forward part
  unsigned nr_chain2 = 0;
  bool truncated = false;
  // Usage bits involved (inconsistent state, irq reports).
  std::uint8_t old_bit = 0, new_bit = 0;
  bool forwards = false;  // irq inversion: new USED_IN found an unsafe lock ahead
  // The thread.
  pid_t tid = 0;
  char thread_name[32] = {};
  std::uint32_t hardirq_depth = 0, softirq_depth = 0;
  bool hardirqs_on = true, softirqs_on = true;
  held_snapshot held[k_record_max_held];
  unsigned nr_held = 0;
  unsigned total_held = 0;
  // Wait context: the context value that was exceeded.
  std::uint8_t ctx_outer = 0, ctx_inner = 0;
  // Free text for misuse and limit reports (static strings only).
  const char* message = nullptr;
  const char* message2 = nullptr;
  long value = 0;
  unsigned long dropped_before = 0;  // reports lost to a full queue since the last delivery
  std::uint32_t backtrace = 0;  // "stack backtrace:"
};

// The report layer's entry; called outside core locks with the record.
using deliver_hook = void (*)(const report_record& r);
void set_deliver_hook(deliver_hook h) noexcept;
// Deliver queued records now (call with no core lock held).
void deliver_pending() noexcept;

// The report layer's own locks across fork(): the core's fork handler calls
// `prepare` after its own pre-fork report and before taking its locks, and
// `parent` / `child` after releasing them. One handler for both layers, so
// the order does not depend on which registered with pthread_atfork first.
struct fork_hooks {
  void (*prepare)();
  void (*parent)();
  void (*child)();
};
void set_fork_hooks(const fork_hooks* h) noexcept;

// Resolve a trace id to frames (for the report layer).
const std::uintptr_t* trace_frames(std::uint32_t id, unsigned* n) noexcept;

LOCKDEP_INTERNAL_END

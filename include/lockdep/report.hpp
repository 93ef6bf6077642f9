// lockdep/report.hpp - what lockdep tells you, and where it goes.
//
// Every problem lockdep finds becomes a `report`: structured data first
// (kind, the classes involved with their usage and traces, the dependency
// chain, the thread's held locks, the current stack) and text second (the
// kernel's layout, in `report::text`). Each distinct problem (kind, classes,
// irq state) is reported once per process.
//
// Where reports go: by default the text is written to stderr. A callback can
// receive the structured report instead of (or besides) printing, and
// halt_on_error aborts after the first report. Reports raised inside a
// (simulated or real) signal handler are queued and delivered at the next
// lockdep call outside it, so nothing unsafe runs in the handler.
//
// Thread safety: all functions here may be called from any thread. Sinks are
// called one report at a time, never while lockdep holds its graph lock, so a
// callback may lock (lockdep-instrumented locks included).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockdep/config.hpp"
#include "lockdep/lock_map.hpp"
#include "lockdep/options.hpp"

LOCKDEP_BEGIN_NAMESPACE

enum class report_kind {
  recursive_locking,        // WARNING: possible recursive locking detected
  circular_dependency,      // WARNING: possible circular locking dependency detected
  inconsistent_lock_state,  // WARNING: inconsistent lock state
  irq_lock_inversion,       // WARNING: possible irq lock inversion dependency detected
  irq_safe_to_unsafe,       // WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected
  invalid_wait_context,     // [ BUG: Invalid wait context ]
  bad_unlock_balance,       // WARNING: bad unlock balance detected!
  held_lock_freed,          // WARNING: held lock freed!
  locks_held_at_exit,       // WARNING: <thread> still has locks held!
  nested_lock_not_taken,    // WARNING: Nested lock was not taken
  bad_irq_state,            // WARNING: inconsistent irq state (misuse of the irq API)
  bad_lock_usage,           // WARNING: bad lock usage (destroyed lock, bad subclass, key in use...)
  assertion_failed,         // WARNING: lock assertion failed
  limit_reached,            // BUG: <LIMIT> too low! (validation turns off)
};
#if LOCKDEP_ENABLED
std::string_view to_string(report_kind k);
#else
inline std::string_view to_string(report_kind) { return "(lockdep disabled)"; }
#endif

// A stack trace as captured (return addresses); symbolized only when printed.
struct stack_trace {
  std::vector<std::uintptr_t> frames;
  // A usage bit another process recorded, imported from a graph store
  // (graph_store=), which keeps no stack for usage bits: no frames.
  bool imported = false;
  bool empty() const { return frames.empty(); }
};

// Symbolize one frame as `function+0xoff file:line` (or what is known).
#if LOCKDEP_ENABLED
std::string describe_frame(std::uintptr_t address);
#else
inline std::string describe_frame(std::uintptr_t) { return {}; }
#endif

// One frame symbolized into parts (what describe_frame prints as one line),
// for machine-readable output. Unknown parts are empty or 0.
struct frame_info {
  std::uintptr_t address = 0;  // the return address as captured
  std::string function;        // demangled name
  std::string file;            // source file (needs debug info)
  int line = 0;
  std::string module;          // path of the executable or shared object
  std::uintptr_t offset = 0;   // address - the module's load address
};
#if LOCKDEP_ENABLED
frame_info symbolize_frame(std::uintptr_t address);
#else
inline frame_info symbolize_frame(std::uintptr_t address) { return {address, {}, {}, 0, {}, 0}; }
#endif

struct class_info {
  std::string name;   // label, with `#N` for the N-th class of one name and `/S` for subclass S
  std::string key_name;  // the key's own name, without #N or /S (empty for an unnamed site key)
  const lock_class_key* key = nullptr;  // identifies the class with `subclass`
  unsigned subclass = 0;
  std::string usage;  // the four usage characters, e.g. "+.+." (printed as `{+.+.}`)
  int wait_outer = 0;  // as printed in -{outer:inner}
  int wait_inner = 0;
  std::string key_location;  // construction site or key symbol
  std::string site;          // construction site (file:line) of a site-keyed class, else empty
  // First trace of each usage bit the class has, in the kernel's order,
  // labelled as it prints them ("IN-SOFTIRQ-W", "HARDIRQ-ON-W", "INITIAL USE").
  std::vector<std::pair<std::string, stack_trace>> usage_traces;
};

struct held_lock_info {
  class_info cls;
  const void* instance = nullptr;
  read_mode read = read_mode::exclusive;
  bool trylock = false;
  std::uintptr_t acquire_ip = 0;  // where the acquisition was called from
  // Code built without optimisation only: the return addresses of the
  // acquisition's callers above acquire_ip, nearest first (a std::lock_guard
  // constructor or a wrapper's Lock() is then a frame of its own). `at:`
  // names the first of acquire_ip, caller_ips that is the user's code.
  std::vector<std::uintptr_t> caller_ips;
  std::string description;  // its class's print function's text (set_lock_cmp_fn), or empty
};

// One step of a dependency chain: the class and the stack at which the
// dependency leading into it was first recorded. `depth` orders the steps
// as the kernel numbers them (`-> #depth`).
struct dependency_step {
  class_info cls;
  stack_trace trace;
  int depth = 0;
  // A dependency another process recorded (LOCKDEP_OPTIONS=graph_store):
  // `trace` is empty, `imported_stack` is the symbolized stack of its first
  // recording (one frame a line) and `recorded_by` says where it came from,
  // "recorded by <program> (<test>) pid N". Both empty otherwise.
  std::string imported_stack;
  std::string recorded_by;
};

// The thread's interrupt-like state when the problem was found, as the
// kernel prints it: [HC<in hardirq>[<depth>]:SC<in softirq>[<depth>]:HE<on>:SE<on>].
struct irq_state_info {
  int hardirq_depth = 0, softirq_depth = 0;
  bool hardirqs_on = true, softirqs_on = true;
};

struct report {
  report_kind kind{};
  std::string header;  // the banner line, e.g. "WARNING: possible recursive locking detected"
  std::string thread_name;
  long tid = 0;
  // The classes the report is about, in the order the text names them:
  //   recursive / circular / wait context / safe->unsafe: [0] the lock being
  //   acquired, [1] the held lock it conflicts with (safe->unsafe adds [2] the
  //   irq-safe and [3] the irq-unsafe class);
  //   inconsistent state: [0] the lock; irq inversion: [0] the lock whose
  //   state changed, [1] the other lock; unlock / freed: [0] the lock.
  std::vector<class_info> classes;
  // circular: the cycle; irq inversion: the shortest path between the two
  // locks; safe -> unsafe: the path from the irq-safe lock to the held lock.
  std::vector<dependency_step> chain;
  // safe -> unsafe only: the path from the lock being acquired to the
  // irq-unsafe lock.
  std::vector<dependency_step> forward_chain;
  bool chain_truncated = false;  // a path longer than 64 steps was cut
  // The acquisition (or release, or usage change) the report is about, with
  // its `at:` address, and the held lock it conflicts with, when there is one.
  std::optional<held_lock_info> acquiring;
  std::optional<held_lock_info> conflicting;
  irq_state_info irq;
  // The usage labels involved ("IN-HARDIRQ-W", "HARDIRQ-ON-R", ...):
  // inconsistent state: the old and the new usage; irq inversion: the new
  // usage of classes[0] and the conflicting usage of classes[1]; safe ->
  // unsafe: the irq-safe usage of classes[2] and the unsafe one of classes[3].
  std::string old_usage, new_usage;
  // irq reports: the state in question ("HARDIRQ", "SOFTIRQ-READ", ...).
  std::string irq_state_name;
  bool irq_forwards = false;  // irq inversion: classes[0] is the irq-safe end
  int context_outer = 0, context_inner = 0;  // invalid wait context: the context exceeded
  std::vector<held_lock_info> held_locks;
  std::size_t held_total = 0;  // held_locks lists the first 64 of these
  // Kind-specific extra line, e.g. "inconsistent {A} -> {B} usage.", or for
  // recursive locking of an ordered class "and the lock comparison function
  // returns 1:".
  std::string detail;
  std::string limit_option;  // limit_reached: the option that raises it
  unsigned long dropped_before = 0;  // reports lost to a full queue just before this one
  stack_trace backtrace;
  std::string text;  // the full report as printed
  bool waived = false;
  // Why it was waived: the waiver's reason, or "suppressions FILE:LINE: ENTRY".
  std::string waiver_reason;
};

// ---- Sinks -------------------------------------------------------------------

using report_callback = std::function<void(const report&)>;
// Install a callback that receives every report (nullptr removes it).
// Returns the previous one. It runs in the thread that raised the report (or
// the next one to leave lockdep), outside lockdep's locks; it may lock
// lockdep-instrumented locks (not validated there). If it throws, that one
// report is lost with a line on stderr; the program is not terminated.
#if LOCKDEP_ENABLED
report_callback set_report_callback(report_callback cb);
#else
inline report_callback set_report_callback(report_callback) { return nullptr; }  // never called
#endif

// ---- Counters -----------------------------------------------------------------

struct statistics {
  std::uint64_t reports = 0;          // delivered
  std::uint64_t suppressed = 0;       // duplicates of an earlier report
  // Found while 32 reports were queued undelivered (raised in a signal
  // handler, or behind a slow report callback): the next delivered report
  // says how many, and each is reported again if it recurs.
  std::uint64_t dropped = 0;
  std::uint64_t waived = 0;           // matched a waiver
  std::uint64_t classes = 0, max_classes = 0;
  std::uint64_t dependencies = 0, max_dependencies = 0;
  std::uint64_t chains = 0, max_chains = 0;
  std::uint64_t trace_entries = 0, max_trace_entries = 0;
  std::uint64_t cold_path_entries = 0;  // chain-cache misses
  std::uint64_t graph_bytes = 0;        // memory of the static tables in use
  bool enabled = true;                  // false after a limit was reached
};
#if LOCKDEP_ENABLED
statistics get_statistics();
#else
inline statistics get_statistics() { return {}; }
#endif

// One line saying what lockdep saw, so a green run shows it was active:
//   lockdep: 12 classes, 30 dependencies, 1 reports (0 waived, 2 suppressed)
// Printed at exit with the option print_summary=1, and at the end of every
// GoogleTest run with lockdep::gtest.
#if LOCKDEP_ENABLED
std::string summary_line();
#else
inline std::string summary_line() { return "lockdep: disabled at build time"; }
#endif

// Deliver reports queued by signal handlers now (normally automatic).
#if LOCKDEP_ENABLED
void flush_reports();
#else
inline void flush_reports() {}
#endif

// Forget every class, dependency, validated chain, stored stack trace and
// "already reported" signature (queued reports are delivered first), and
// turn validation back on if a limit had turned it off: a
// fresh start for suites whose tests must be isolated. Refused (returns
// false, after a report) while any thread holds a tracked lock. Call it
// while no other thread is taking locks (between tests): an acquisition
// racing with it may be validated against the classes being forgotten. By
// default nothing is ever forgotten: the graph accumulating across a
// process's tests is what finds inversions split between tests.
#if LOCKDEP_ENABLED
bool reset();
#else
inline bool reset() { return true; }
#endif

LOCKDEP_END_NAMESPACE

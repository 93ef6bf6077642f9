// The core's side of the graph store (lib/store/): one dependency graph
// shared by many processes.
//
// Other processes' dependencies are imported as edges between classes
// identified by *descriptors*, the parts of a class that stay the same from
// one process or build to the next (site basename:line:column, key name,
// subclass, wait types; never addresses). A class this process has not used
// yet is a placeholder until a key with its descriptor registers and adopts
// it. An imported edge's trace is not a trace id: k_imported_trace | the
// store's edge id, which the report layer resolves to the recorded stack
// text (store/runtime.hpp).
//
// Dependencies and usage bits this process adds are queued under the graph
// lock into a preallocated ring and written to the store later, outside
// every core lock, by the hook the store installs (run at the end of a
// cold section). The warm path does not look at any of this.
#pragma once

#include <cstdint>

#include "core/lock_class.hpp"

LOCKDEP_INTERNAL_BEGIN

constexpr std::uint32_t k_imported_trace = 0x80000000u;
inline bool is_imported_trace(std::uint32_t t) { return (t & k_imported_trace) != 0; }
inline std::uint32_t imported_edge_id(std::uint32_t t) { return t & ~k_imported_trace; }

constexpr unsigned k_descriptor_chars = 200;
constexpr unsigned k_recorded_frames = 24;
constexpr unsigned k_test_chars = 128;

// "<site basename:line:col>|<name>|<subclass>|<inner>|<outer>", each part
// possibly empty. Truncated to fit; never allocates.
void describe_class(const lock_class_key& key, unsigned subclass, unsigned inner, unsigned outer,
                    char (&out)[k_descriptor_chars]) noexcept;
std::uint64_t descriptor_hash(const char* descriptor) noexcept;
// A front end whose keys are renamed after they are made (the preload names
// its classes by symbol only when a report prints them) gives each key an
// identity that never changes: describe_class uses it instead of the name,
// so one lock has one descriptor before and after a report, in every
// process. Returns nullptr for a key it does not know. Must not allocate or
// lock (called under the graph lock).
using key_identity_fn = const char* (*)(const lock_class_key& key) noexcept;
void set_key_identity(key_identity_fn fn) noexcept;

// ---- importing -------------------------------------------------------------------
struct imported_class {
  lock_class_key* placeholder = nullptr;  // the caller's, alive for the process
  std::uint64_t hash = 0;                 // descriptor_hash of its descriptor
  std::uint8_t subclass = 0, wait_inner = 0, wait_outer = 0;
  std::uint32_t usage = 0;
  std::uint32_t id = 0;  // out: its class in this graph (0: the table was full)
};
struct imported_dependency {
  std::uint32_t from = 0, to = 0;  // indexes into the imported classes
  std::uint8_t bits = 0;           // dep_bits
  std::uint32_t edge_id = 0;       // the store's id, < 2^31
};
// A class's usage in one signal's state (store/schema.hpp signal_usage):
// its four bits (IN-W, IN-R, ON-W, ON-R) go to the line that signal has in
// this process, now or when it gets one (a handler installed after the
// import); a signal with no line of its own here, none or the shared one,
// takes none (the process cannot tell it from the others).
struct imported_signal_usage {
  std::uint32_t cls = 0;  // index into the imported classes
  int sig = 0;            // 1..64
  std::uint8_t bits = 0;
};
// Adds the classes (matching the live ones by descriptor), dependencies
// and signal usage to the graph; takes the graph lock itself. A second
// import replaces the first's placeholder table (after lockdep::reset:
// benchmarks). False when a table filled up (what fitted was imported).
bool import_graph(imported_class* classes, std::uint32_t nr_classes, const imported_dependency* deps,
                  std::uint32_t nr_deps, const imported_signal_usage* signals = nullptr,
                  std::uint32_t nr_signals = 0) noexcept;
// register_class (graph lock held): the placeholder class this key's
// descriptor names, now the key's; nullptr when there is none.
lock_class* adopt_imported_class(lock_class_key& key, unsigned subclass, std::uint8_t inner,
                                 std::uint8_t outer) noexcept;

// The signal states some class is used in (IN-S-W/R), here or imported:
// until one is, a new S-ON bit needs no search (checks.cpp). Lock-free.
void note_signal_state_used_in(unsigned state) noexcept;

// ---- recording -------------------------------------------------------------------
struct recorded_item {
  bool dependency = false;  // else a usage bit of `from`
  std::uint8_t bits = 0;    // dep_bits, or the usage bit's number
  char from[k_descriptor_chars] = {};
  char to[k_descriptor_chars] = {};
  std::uint32_t from_usage = 0, to_usage = 0;  // the classes' usage then
  std::uintptr_t frames[k_recorded_frames] = {};
  unsigned nr_frames = 0;
  char test[k_test_chars] = {};  // the test running then (set_recording_test), or empty
  // A usage bit of a signal line: the line's signal ("SIGUSR1"), `bits` the
  // bit's number within the state (0..3); else empty.
  char signal[32] = {};
};
// The test now running, "<suite>.<name>" (the GoogleTest listener; null
// when none): recorded with each item. Not in a signal handler.
void set_recording_test(const char* suite, const char* name) noexcept;
// Start queueing, with room for `capacity` items (no core lock held).
bool start_recording(std::uint32_t capacity) noexcept;
// Move up to `max` queued items to `out`; *lost counts items a full ring
// dropped since the last call. Takes the graph lock.
unsigned take_recorded(recorded_item* out, unsigned max, std::uint64_t* lost) noexcept;
bool recorded_pending() noexcept;
// Called with no core lock held when items are queued (deliver_pending).
using recorded_hook = void (*)();
void set_recorded_hook(recorded_hook h) noexcept;
void run_recorded_hook() noexcept;

// Run by lockdep::reset() once the graph is gone, with no core lock held:
// the store imports its dependencies again (store/runtime.cpp), so a reset
// forgets this process's graph but not the shared one.
using reset_hook = void (*)();
void set_reset_hook(reset_hook h) noexcept;
void run_reset_hook() noexcept;

// Graph lock held; nothing when recording is off.
void record_dependency(const lock_class& from, const lock_class& to, std::uint8_t bit,
                       std::uint32_t trace) noexcept;
void record_usage(const lock_class& c, unsigned bit, std::uint32_t trace) noexcept;

LOCKDEP_INTERNAL_END

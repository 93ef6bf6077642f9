// What a front end of the core may call: the narrow boundary between the
// validator and the runtimes that feed it events (the preload interposer,
// the gtest integration, any other). The public annotation API
// (lockdep/lock_map.hpp: acquire, release, lock_map, keys) is the rest of
// it. Nothing here exposes the graph, the chain cache or thread state; a
// front end includes this and no other header of lib/core.
//
// Every function may be called from any thread, before main and inside a
// signal handler; none allocates through malloc or blocks on a lock a
// program thread can hold.
#pragma once

#include <cstdint>

#include "core/dep_types.hpp"
#include "core/report_record.hpp"  // k_record_max_chain: the longest path a report shows
#include "core/signal_lines.hpp"   // signal_line: a signal's usage state
#include "core/spin_mutex.hpp"
#include "lockdep/options.hpp"
#include "lockdep/lock_map.hpp"

LOCKDEP_INTERNAL_BEGIN

// ---- acquire / release with the caller's address given ----------------------
// For front ends whose public entry is not the user's call (the preload
// interposer): `ip` is reported as `at:` and starts captured traces.
// `flags` as made by make_flags() (lockdep/lock_map.hpp).
void acquire_at(lock_map& m, unsigned flags, lock_map* nest, std::uintptr_t ip) noexcept;
// False if `m` was not held (then a bad-unlock report was raised).
bool release_at(lock_map& m, std::uintptr_t ip) noexcept;

// ---- reports a front end finds itself -------------------------------------------
// A circular dependency between instances of one class, found by a front
// end that orders instances itself (the preload interposer). Takes a cold
// section; one report per class. `ip`/`held_ip`: where each was acquired
// (`at:`). `path_traces`: the traces of the older path acquiring -> ... ->
// held, the edge into `held` first (`truncated`: the path was longer).
void report_instance_cycle(lock_map& acquiring, std::uintptr_t ip, lock_map& held, std::uintptr_t held_ip,
                           const std::uint32_t* path_traces, unsigned path_len, bool truncated,
                           const char* message) noexcept;
// The current stack from `ip` outwards, stored with the graph's traces, for a
// front end's own dependency (0 when stack traces are off; a full store is
// reported as for the graph's).
std::uint32_t capture_front_end_trace(std::uintptr_t ip) noexcept;
// A front end's own table is full: one limit report (`limit`, in the
// kernel's words, and the option to raise), then validation is off.
void front_end_limit_reached(const char* limit, option_id option) noexcept;

// ---- interrupts a front end observes ----------------------------------------------
// The signal model (lib/preload/signals.cpp, irq.hpp): each signal with a
// handler has a line (core/signal_lines.hpp), and a thread's line is "on"
// while one of its signals can be delivered to it. Sets the calling
// thread's deliverable lines (bit per line) outside an interrupt context or
// in a signal handler's (whose own mask may leave other signals
// deliverable), and marks its held locks for the lines that turn on.
// Returns false, changing nothing, inside any other interrupt context
// (leaving it restores the state saved at entry).
bool set_signal_lines_deliverable(std::uint8_t lines) noexcept;
// The calling thread's deliverable lines (all of them for a thread lockdep
// has not seen).
std::uint8_t signal_lines_deliverable() noexcept;
// The calling thread's innermost context is a signal_handler_scope whose
// handler was left without ending it (longjmp / siglongjmp out of the
// handler): leave it as its end would. Nothing if the innermost context is
// not a signal handler's.
void leave_abandoned_signal_handler() noexcept;

// ---- naming ------------------------------------------------------------------------
// Give a key a name found later (the preload names classes lazily). `name`
// must live as long as the key.
void set_key_name(lock_class_key& key, const char* name) noexcept;
// A front end whose class names are costly to compute (the preload
// interposer symbolizes call sites, which allocates, and its hooks may run
// inside the program's allocator) names them only when a report is
// delivered: `namer` is called then, outside every core lock, for each class
// in the record, and returns the name to print, or nullptr to keep the one
// captured.
using key_namer = const char* (*)(const lock_class_key* key);
void set_key_namer(key_namer namer) noexcept;
// A string that lives as long as the process although not a literal (a
// label lockdep interned, such as a wait map's): as a lock's name it is part
// of the site key, not a run-time label (see the key interner).
void note_constant_name(const char* name);

LOCKDEP_INTERNAL_END

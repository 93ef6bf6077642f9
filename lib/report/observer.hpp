// Internal hooks of the report layer for lockdep's own front ends (the
// GoogleTest listener) and the waiver list. Not public API.
#pragma once

#include <cstdint>
#include <string>

#include "lockdep/report.hpp"

LOCKDEP_INTERNAL_BEGIN

// Called for every delivered report (waived ones included), after the user
// callback, before halt_on_error. One observer; nullptr removes it.
// Returns how many reports had been delivered before it was installed.
using report_observer = void (*)(const report& r);
std::uint64_t set_report_observer(report_observer o) noexcept;

// stacktrace.cpp: let the core capture stacks with Boost.Stacktrace.
void install_capture_hook();
// site_groups.cpp: let the core group construction sites by symbolized line.
void install_site_group_hook();

// waivers.cpp: the reason of the first waiver matching `rep`, if any.
bool find_waiver(const report& rep, std::string* reason);
// Whether f(class_info) holds for a class the report involves (among the
// classes it names or its dependency chains): what waivers and suppressions
// match.
template <class F>
bool any_class(const report& rep, F&& f) {
  for (const class_info& c : rep.classes)
    if (f(c)) return true;
  for (const auto* chain : {&rep.chain, &rep.forward_chain})
    for (const dependency_step& s : *chain)
      if (f(s.cls)) return true;
  return false;
}

// suppressions.cpp: read the suppressions file at `path` when it differs
// from the one read last ("" forgets it); from set_options.
void configure_suppressions(const std::string& path);
// The first suppressions entry matching `rep`: counts it and sets *reason.
bool find_suppression(const report& rep, std::string* reason);
void suppressions_fork_lock() noexcept;
void suppressions_fork_unlock() noexcept;
void sarif_fork_lock() noexcept;
void sarif_fork_unlock() noexcept;
void sarif_after_fork_child() noexcept;

// Record a waived report (for statistics and waived_reports()).
void note_waived(const report& rep, const std::string& reason);
std::uint64_t waived_count();

// fork(): the report layer's leaf locks (each taken alone, never nested),
// held across fork() so the child never inherits one that another thread of
// the parent held. Called by the runtime's fork hooks (sinks.cpp).
void waivers_fork_lock() noexcept;
void waivers_fork_unlock() noexcept;
void reported_fork_lock() noexcept;
void reported_fork_unlock() noexcept;
void wait_names_fork_lock() noexcept;
void wait_names_fork_unlock() noexcept;
// watchdog.cpp: the child has no watchdog thread; restart it on demand.
void watchdog_after_fork_child() noexcept;

// introspect.cpp: remember the classes of a delivered (not waived) report,
// to highlight them in graph_dot().
void note_reported(const report& rep);
// watchdog.cpp: apply hung_timeout / show_locks_signal (from set_options).
void configure_watchdog(const options& o);
// sinks.cpp: write text where reports go (stderr or <log_path>.<pid>).
void print_to_sink(const std::string& text);
// lock_stat.cpp: turn lock_stat on/off (from configure_watchdog), and count
// one contended acquisition of `m` (held by the caller now) at `ip`.
void configure_lock_stat(bool on);
void stat_contended(const lock_map& m, std::uint64_t waited_ns, std::uintptr_t ip) noexcept;

LOCKDEP_INTERNAL_END

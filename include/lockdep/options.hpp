// lockdep/options.hpp - every run-time option, in one table.
//
// Options are read once from the environment variable LOCKDEP_OPTIONS at
// start-up, in the sanitizers' syntax:
//
//   LOCKDEP_OPTIONS=halt_on_error=1:log_path=/tmp/ld:stacktrace=0 ./my_test
//
// Items are separated by ':', ',' or ' '. An unknown option or a bad value
// prints one warning naming it and keeps the default. The runtime options
// (struct options below) can be changed later with parse_options() and
// set_options(); the table sizes (kind `limit`) are fixed once lockdep has
// started, and the preload_* options are read by lockdep-run's interposer.
//
// LOCKDEP_OPTION_LIST is the one list of options: the parser, the defaults
// of struct options, the preload's and the core's settings and README's
// option table (checked by a test) all come from it. `option_table` gives
// programs the same list (name, kind, default, bounds, one line of
// documentation), for example to print their own help.
//
// Thread safety: get_options/set_options/parse_options may be called from
// any thread; a change applies to reports raised after it.
#pragma once

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "lockdep/config.hpp"

LOCKDEP_BEGIN_NAMESPACE

enum class option_kind : std::uint8_t {
  boolean,  // 0/1, false/true, no/yes
  integer,  // decimal in [min, max]; read again by parse_options()
  limit,    // a table size: decimal in [min, max], read once at start-up
  text,     // any text up to the next separator
};

// X(name, kind, default, min, max, documentation)
//   `default` is a number (booleans 0/1); text options default to empty.
//   Limits of 0 as default mean "derived" (said in the documentation).
#define LOCKDEP_OPTION_LIST(X)                                                                            \
  X(print_reports, boolean, 1, 0, 1, "write each report's text to stderr (or log_path)")                 \
  X(halt_on_error, boolean, 0, 0, 1, "abort() after the first report")                                  \
  X(stacktrace, boolean, 1, 0, 1, "capture stacks and symbolize them when printed (0: faster, no traces)") \
  X(max_reports, integer, 1000, 0, INT_MAX,                                                              \
    "reports printed at most; later ones are counted (statistics::suppressed) and reaching it is said once") \
  X(log_path, text, 0, 0, 0, "append reports to <log_path>.<pid> instead of stderr")                      \
  X(fork_report, boolean, 0, 0, 1, "report locks held across fork()")                                    \
  X(hung_timeout, integer, 0, 0, INT_MAX,                                                                \
    "seconds; a watchdog prints every thread's locks when one waits longer for a lock (0: off)")         \
  X(show_locks_signal, integer, 0, 0, 64, "a signal number that prints every thread's locks (0: off)")  \
  X(lock_stat, boolean, 0, 0, 1, "collect contention statistics (lock_stat_text())")                     \
  X(print_summary, boolean, 0, 0, 1,                                                                      \
    "print summary_line() ('lockdep: N classes, N dependencies, N reports ...') at exit")               \
  X(strip_frames, text, 0, 0, 0,                                                                          \
    "pipe-separated patterns: frames at the top of stacks containing one are not printed")              \
  X(suppressions, text, 0, 0, 0,                                                                         \
    "a file of `kind:class[,class...]` entries; matching reports are waived (lockdep/waiver.hpp)")       \
  X(report_format, text, 0, 0, 0,                                                                        \
    "text (default), json (one JSON object a line) or sarif (also <log_path>.<pid>.sarif at exit)")     \
  X(max_classes, limit, 16384, 1, (1 << 24) - 1, "lock classes (key x subclass)")                       \
  X(max_dependencies, limit, 131072, 1, 1 << 28, "edges of the dependency graph")                        \
  X(max_chains, limit, 65536, 1, 1 << 28, "validated held-lock sequences (the chain cache)")             \
  X(max_chain_hlocks, limit, 0, 1, 1 << 28, "total entries of those sequences (0: 5 x max_chains)")      \
  X(max_trace_entries, limit, 1 << 20, 1, 1 << 28, "stack-trace storage, in frames")                     \
  X(max_depth, limit, 48, 1, 128, "locks one thread may hold at once")                                  \
  X(graph_store, text, 0, 0, 0,                                                                           \
    "an SQLite file shared by processes: load the dependencies earlier runs recorded, add this run's")   \
  X(preload_enable, boolean, 1, 0, 1, "lockdep-run: 0 forwards every pthread call untouched")            \
  X(preload_site_frames, integer, 1, 1, 8, "lockdep-run: caller frames that form a lock class's site")    \
  X(preload_skip_frames, integer, 0, 0, 32, "lockdep-run: caller frames skipped first (lock helpers)")    \
  X(preload_join, boolean, 1, 0, 1, "lockdep-run: validate pthread_join as a wait on the thread")        \
  X(preload_join_grace_ms, integer, 500, 0, 60000,                                                        \
    "lockdep-run: a join of a thread that finishes within this many ms is not validated")              \
  X(preload_max_instance_edges, integer, 131072, 16, 1 << 24,                                             \
    "lockdep-run: same-class instance-order edges (a full table is one limit report)")                  \
  X(preload_ordered, text, 0, 0, 0,                                                                        \
    "lockdep-run: '|'-separated globs (init site or symbol) of classes whose locks are ordered by address")

enum class option_id : unsigned {
#define LOCKDEP_OPTION_ID(name, kind, def, lo, hi, doc) name,
  LOCKDEP_OPTION_LIST(LOCKDEP_OPTION_ID)
#undef LOCKDEP_OPTION_ID
};

struct option_def {
  const char* name;
  option_kind kind;
  long default_value;
  long min, max;
  const char* doc;
};

inline constexpr option_def option_table[] = {
#define LOCKDEP_OPTION_ROW(name, kind, def, lo, hi, doc) {#name, option_kind::kind, def, lo, hi, doc},
    LOCKDEP_OPTION_LIST(LOCKDEP_OPTION_ROW)
#undef LOCKDEP_OPTION_ROW
};
inline constexpr unsigned option_count = sizeof(option_table) / sizeof(option_table[0]);


// ---- The runtime options -------------------------------------------------------

constexpr const option_def& option_info(option_id id) { return option_table[static_cast<unsigned>(id)]; }

// What print_reports writes (option report_format).
enum class report_format : std::uint8_t {
  text,   // the kernel's layout
  json,   // one JSON object per report, one a line (JSON Lines)
  sarif,  // text as usual, plus a SARIF 2.1.0 log written at exit
};

// The options parse_options() and set_options() change at run time, each
// named as in LOCKDEP_OPTIONS (the table above documents them).
struct options {
  bool print_reports = option_info(option_id::print_reports).default_value;
  bool halt_on_error = option_info(option_id::halt_on_error).default_value;
  bool stacktrace = option_info(option_id::stacktrace).default_value;
  int max_reports = static_cast<int>(option_info(option_id::max_reports).default_value);
  std::string log_path;
  bool report_held_at_fork = option_info(option_id::fork_report).default_value;  // fork_report
  int hung_timeout = static_cast<int>(option_info(option_id::hung_timeout).default_value);  // introspect.hpp
  int show_locks_signal = static_cast<int>(option_info(option_id::show_locks_signal).default_value);
  bool lock_stat = option_info(option_id::lock_stat).default_value;  // introspect.hpp
  bool print_summary = option_info(option_id::print_summary).default_value;  // summary_line() at exit
  // '|'-separated patterns; stack frames at the top whose text (function and
  // file) contains one are not printed (a wrapper's Lock(), e.g.
  // "port_stdcxx.h|MutexLock"), and `at:` names the first frame below them.
  // The standard lock guards and lockdep's own frames are always dropped so.
  std::string strip_frames;
  std::string suppressions;  // path of a suppressions file, read when it changes
  report_format format = report_format::text;  // report_format
};
#if LOCKDEP_ENABLED
options get_options();
void set_options(const options& o);
#else
inline options get_options() { return {}; }
inline void set_options(const options&) {}
#endif
// Parse `text` in LOCKDEP_OPTIONS syntax on top of the current options;
// returns false (after a warning on stderr naming each item it did not
// understand) if anything was not understood. Limits and preload_* items are
// checked but change nothing (they are read at start-up).
#if LOCKDEP_ENABLED
bool parse_options(std::string_view text);
#else
inline bool parse_options(std::string_view) { return true; }
#endif

LOCKDEP_END_NAMESPACE

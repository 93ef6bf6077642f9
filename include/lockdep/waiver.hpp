// lockdep/waiver.hpp - declare a known, accepted report.
//
// Sometimes a report is understood and accepted for now (a third-party
// library's lock order, a fix scheduled for later). A waiver says so, with a
// reason, instead of turning lockdep off:
//
//   lockdep::waive("&dev->lock", "&queue->lock", "vendor SDK order, bug #123");
//   lockdep::waive("legacy_big_lock", "being removed in 2.0");
//   lockdep::waive(conn_key, pool_key, "...");     // by lock_class_key
//
// A pair waiver matches a report that involves both classes (among the
// classes it names or the dependency chain it prints); a single-class waiver
// matches any report involving that class. Classes are matched by name (the
// key's name, or the label the report prints, like "file.cpp:42" or
// "name#2") or by key.
//
// A waived report is never silently dropped: it still reaches the report
// callback, with report::waived set; it is counted in statistics::waived and
// listed by waived_reports(); and a one-line note (not the report),
// "lockdep: waived <kind> report (<reason>)", is printed while print_reports
// is on. It is not printed as an error, does not
// halt (halt_on_error), does not count towards max_reports, and does not
// fail a GoogleTest test (lockdep/gtest.hpp).
//
// A suppressions file waives reports without changing the program, in the
// sanitizers' habit: LOCKDEP_OPTIONS=suppressions=PATH, one entry a line,
//
//   # kind:class pattern[,class pattern...]     ('*' matches any characters)
//   circular_dependency:&dev->lock,&queue->lock  # vendor SDK, bug 123
//   *:legacy_*
//
// The kind is a report kind's name (to_string(report_kind)) or a pattern;
// each class pattern must match a class the report involves (as for
// waivers, by key name or by label). '#' at the start of a line or after a
// blank starts a comment ("name#2" is a label). A matching report is handled
// as a waived one (report::waived, report::waiver_reason "suppressions
// FILE:LINE: ENTRY"), but is counted in suppression_statistics() instead of
// statistics::waived, and nothing is printed for it; at exit, while
// print_reports is on, one line counts the suppressed reports and one line
// per entry says how often it matched ("never matched" finds stale ones).
// An unreadable file or a malformed line is a warning naming file and line.
//
// Thread safety: all functions may be called from any thread, any time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lockdep/config.hpp"
#include "lockdep/lock_class_key.hpp"
#include "lockdep/report.hpp"

LOCKDEP_BEGIN_NAMESPACE

// One report a waiver matched.
struct waived_report {
  report_kind kind{};
  std::string header;                // the report's banner line
  std::vector<std::string> classes;  // the classes the report names
  std::string reason;                // the matching waiver's reason
};

// One entry of the suppressions file and how many reports it matched.
struct suppression_entry {
  std::string file;
  int line = 0;
  std::string entry;  // as written, comment and blanks stripped
  std::uint64_t matched = 0;
};
struct suppression_stats {
  std::uint64_t suppressed = 0;  // reports a suppression entry matched
  std::vector<suppression_entry> entries;  // every entry of the file, in order
};

#if LOCKDEP_ENABLED
void waive(std::string_view class_a, std::string_view class_b, std::string_view reason);
void waive(std::string_view class_name, std::string_view reason);
void waive(const lock_class_key& a, const lock_class_key& b, std::string_view reason);
void waive(const lock_class_key& key, std::string_view reason);
// Remove every waiver (the list of waived reports is kept).
void clear_waivers();
// Every report a waiver matched so far, oldest first (the first 10000).
std::vector<waived_report> waived_reports();
// The suppressions file's counters (empty without option suppressions).
suppression_stats suppression_statistics();
#else
inline void waive(std::string_view, std::string_view, std::string_view) {}
inline void waive(std::string_view, std::string_view) {}
inline void waive(const lock_class_key&, const lock_class_key&, std::string_view) {}
inline void waive(const lock_class_key&, std::string_view) {}
inline void clear_waivers() {}
inline std::vector<waived_report> waived_reports() { return {}; }
inline suppression_stats suppression_statistics() { return {}; }
#endif

LOCKDEP_END_NAMESPACE

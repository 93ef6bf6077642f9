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

#if LOCKDEP_ENABLED
void waive(std::string_view class_a, std::string_view class_b, std::string_view reason);
void waive(std::string_view class_name, std::string_view reason);
void waive(const lock_class_key& a, const lock_class_key& b, std::string_view reason);
void waive(const lock_class_key& key, std::string_view reason);
// Remove every waiver (the list of waived reports is kept).
void clear_waivers();
// Every report a waiver matched so far, oldest first (the first 10000).
std::vector<waived_report> waived_reports();
#else
inline void waive(std::string_view, std::string_view, std::string_view) {}
inline void waive(std::string_view, std::string_view) {}
inline void waive(const lock_class_key&, const lock_class_key&, std::string_view) {}
inline void waive(const lock_class_key&, std::string_view) {}
inline void clear_waivers() {}
inline std::vector<waived_report> waived_reports() { return {}; }
#endif

LOCKDEP_END_NAMESPACE

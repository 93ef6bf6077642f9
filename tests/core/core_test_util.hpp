// Small helpers shared by the core suites.
#pragma once

#include <string>
#include <string_view>

#include "support/report_capture.hpp"

namespace core_test {

inline bool contains(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

// The "(name) at:" line of a report and the frame line after it; empty if
// the text has none.
inline std::string at_line(const std::string& text, std::string_view name) {
  const std::string marker = "(" + std::string(name) + ") at:\n";
  const std::size_t at = text.find(marker);
  if (at == std::string::npos) return {};
  const std::size_t frame_end = text.find('\n', at + marker.size());
  return text.substr(at, frame_end == std::string::npos ? std::string::npos : frame_end - at);
}

// Number of reports whose class list names `name` first.
inline std::size_t count_about(lockdep_test::report_capture& cap, lockdep::report_kind kind,
                               std::string_view name) {
  std::size_t n = 0;
  for (const auto& r : cap.reports())
    n += r.kind == kind && !r.classes.empty() && r.classes[0].name == name;
  return n;
}

// A trivial lock that counts calls and tolerates anything (unlocking while
// unlocked, being destroyed while locked): lets tests misuse a wrapped lock
// and observe what the wrapper passed through.
struct counting_lock {
  int locks = 0, unlocks = 0;
  bool held = false;
  void lock() { ++locks; held = true; }
  void unlock() { ++unlocks; held = false; }
  bool try_lock() {
    if (held) return false;
    lock();
    return true;
  }
};

}  // namespace core_test

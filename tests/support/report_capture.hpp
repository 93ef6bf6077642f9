// Test support: collect lockdep's structured reports instead of printing.
//
//   lockdep_test::report_capture cap;          // also lockdep::reset()s
//   ... code under test ...
//   ASSERT_EQ(cap.count(), 1u);
//   EXPECT_EQ(cap.first().kind, lockdep::report_kind::circular_dependency);
//
// Each capture starts from a reset graph (classes, dependencies, chains and
// seen-report signatures forgotten), so test cases are isolated.
#pragma once

#include <mutex>
#include <vector>

#include "lockdep/lockdep.hpp"

namespace lockdep_test {

class report_capture {
 public:
  explicit report_capture(bool reset_graph = true) {
    if (reset_graph) lockdep::reset();
    saved_ = lockdep::get_options();
    lockdep::options o = saved_;
    o.print_reports = false;
    o.halt_on_error = false;
    o.max_reports = 1 << 30;  // a long whole-binary run must keep capturing
    lockdep::set_options(o);
    prev_ = lockdep::set_report_callback([this](const lockdep::report& r) {
      std::lock_guard<std::mutex> g(mu_);
      reports_.push_back(r);
    });
  }
  ~report_capture() {
    lockdep::flush_reports();
    lockdep::set_report_callback(prev_);
    lockdep::set_options(saved_);
  }
  report_capture(const report_capture&) = delete;
  report_capture& operator=(const report_capture&) = delete;

  std::vector<lockdep::report> reports() {
    lockdep::flush_reports();
    std::lock_guard<std::mutex> g(mu_);
    return reports_;
  }
  std::size_t count() { return reports().size(); }
  std::size_t count(lockdep::report_kind k) {
    std::size_t n = 0;
    for (const auto& r : reports()) n += r.kind == k;
    return n;
  }
  // The first report (precondition: count() > 0).
  lockdep::report first() { return reports().at(0); }
  void clear() {
    lockdep::flush_reports();
    std::lock_guard<std::mutex> g(mu_);
    reports_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<lockdep::report> reports_;
  lockdep::report_callback prev_;
  lockdep::options saved_;
};

}  // namespace lockdep_test

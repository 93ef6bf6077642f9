// Registers one gtest case per (kernel self-test row, lock type), named
// <row>.<driver>, e.g. ABBA.spinlock or AA.map_rlock, and checks each against
// the kernel's expected result: 'F' = exactly one report of the row's kind,
// naming the row's classes; 'S' = no report at all.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "selftest.hpp"
#include "support/report_capture.hpp"

namespace selftest {
namespace {

std::string describe(const std::vector<lockdep::report>& reports) {
  std::ostringstream out;
  out << reports.size() << " report(s)";
  for (const auto& r : reports) {
    out << "\n  " << lockdep::to_string(r.kind) << " classes:";
    for (const auto& c : r.classes) out << " " << c.name;
    out << " chain:";
    for (const auto& s : r.chain) out << " " << s.cls.name;
    if (!r.detail.empty()) out << " (" << r.detail << ")";
  }
  return out.str();
}

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

class selftest_run : public ::testing::Test {
 public:
  selftest_run(selftest_case c, driver_info d) : case_(std::move(c)), driver_(std::move(d)) {}

  void TestBody() override {
    const char want = case_.expected[static_cast<int>(driver_.col)];
    std::vector<lockdep::report> reports;
    {
      lockdep_test::report_capture cap;  // isolates the case: resets lockdep
      std::unique_ptr<driver> d = driver_.make();
      case_.body(*d);
      d->release_all();
      reports = cap.reports();
    }
    if (want == 'S') {
      EXPECT_TRUE(reports.empty()) << "expected no report, got " << describe(reports);
      return;
    }
    ASSERT_EQ(reports.size(), 1u) << "expected one " << lockdep::to_string(case_.kind) << ", got "
                                  << describe(reports);
    const lockdep::report& r = reports.front();
    EXPECT_EQ(r.kind, case_.kind) << describe(reports);
    ASSERT_GE(r.classes.size(), case_.classes.size()) << describe(reports);
    for (std::size_t i = 0; i < case_.classes.size(); ++i)
      EXPECT_EQ(r.classes[i].name, case_.classes[i]) << "class [" << i << "] of " << describe(reports);
    if (!case_.cycle.empty()) {
      std::vector<std::string> on_chain;
      for (const auto& s : r.chain) on_chain.push_back(s.cls.name);
      EXPECT_EQ(sorted_unique(on_chain), sorted_unique(case_.cycle)) << "cycle of " << describe(reports);
    }
  }

 private:
  selftest_case case_;
  driver_info driver_;
};

bool applies(const selftest_case& c, const driver_info& d) {
  if (c.expected[static_cast<int>(d.col)] == '-') return false;
  if (!d.real) return c.on_map;
  return !c.on_real || c.on_real(d);
}

// Registered during static initialization, before gtest_main runs the tests.
const int registered = [] {
  for (const selftest_case& c : kernel_cases()) {
    for (const driver_info& d : all_drivers()) {
      if (!applies(c, d)) continue;
      ::testing::RegisterTest(c.name.c_str(), d.name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                              [c, d]() -> ::testing::Test* { return new selftest_run(c, d); });
    }
  }
  return 0;
}();

}  // namespace
}  // namespace selftest

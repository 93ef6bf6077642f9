// Minimal end-to-end checks that the build, the warm path and the report
// pipeline work; the real suites live beside this directory.
#include <gtest/gtest.h>

#include <mutex>

#include "support/report_capture.hpp"

TEST(Smoke, ConsistentOrderIsSilent) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"smoke_a"}, b{"smoke_b"};
  for (int i = 0; i < 3; ++i) {
    std::scoped_lock g(a);
    std::lock_guard<lockdep::mutex> h(b);
  }
  EXPECT_EQ(cap.count(), 0u);
}

TEST(Smoke, AbbaReportsCircular) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"smoke_a"}, b{"smoke_b"};
  {
    std::lock_guard<lockdep::mutex> g(a);
    std::lock_guard<lockdep::mutex> h(b);
  }
  {
    std::lock_guard<lockdep::mutex> g(b);
    std::lock_guard<lockdep::mutex> h(a);
  }
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, lockdep::report_kind::circular_dependency);
  ASSERT_GE(r.classes.size(), 2u);
  EXPECT_EQ(r.classes[0].name, "smoke_a");
  EXPECT_EQ(r.classes[1].name, "smoke_b");
  EXPECT_NE(r.text.find("WARNING: possible circular locking dependency detected"), std::string::npos);
}

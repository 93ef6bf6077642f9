// `at:` must name the user's function, not lockdep's wrapper or
// std::lock_guard, even when both are inlined (this file is built with -O2,
// see CMakeLists.txt). The wrappers are always-inline and the entry point is
// out of line, so the recorded return address lies in the caller.
#include <gtest/gtest.h>

#include <mutex>
#include <string>

#include "core_test_util.hpp"
#include "lockdep/lockdep.hpp"

using lockdep::report_kind;

// Out of line so the held lock's acquisition site is this function, by name.
static const int k_first_lock_line = __LINE__ + 2;
__attribute__((noinline)) void take_in_reverse_order(lockdep::mutex& first, lockdep::mutex& second) {
  std::lock_guard<lockdep::mutex> g1(first);
  std::lock_guard<lockdep::mutex> g2(second);
}

TEST(CoreAcquireIp, LockGuardAtO2NamesTheCaller) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"ip_a"};
  lockdep::mutex b{"ip_b"};
  {
    std::lock_guard<lockdep::mutex> ga(a);
    std::lock_guard<lockdep::mutex> gb(b);
  }
  take_in_reverse_order(b, a);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  ASSERT_EQ(r.kind, report_kind::circular_dependency);
  ASSERT_EQ(r.held_locks.size(), 1u);
  EXPECT_EQ(r.held_locks[0].cls.name, "ip_b");
  const std::string where = lockdep::describe_frame(r.held_locks[0].acquire_ip);
  // `function(args)+off file:line`: the function is ours, not lock_guard's
  // or the wrapper's, and the line is the lock_guard's.
  EXPECT_EQ(where.rfind("take_in_reverse_order(", 0), 0u) << where;
  EXPECT_NE(where.find("acquire_ip_test.cpp:" + std::to_string(k_first_lock_line)), std::string::npos) << where;
  // The text's `at:` lines say the same.
  EXPECT_NE(r.text.find("(ip_b){+.+.}-{3:3}, at: take_in_reverse_order"), std::string::npos) << r.text;
}

TEST(CoreAcquireIp, LockGuardInTestBodyNamesTheTestBody) {
  lockdep_test::report_capture cap;
  lockdep::lock_map never_held{"ip_unheld"};
  lockdep::mutex held{"ip_held"};
  std::lock_guard<lockdep::mutex> g(held);
  lockdep::assert_held(never_held);  // any report lists the held locks
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  ASSERT_EQ(r.held_locks.size(), 1u);
  const std::string where = lockdep::describe_frame(r.held_locks[0].acquire_ip);
  EXPECT_NE(where.find("CoreAcquireIp_LockGuardInTestBodyNamesTheTestBody_Test::TestBody"), std::string::npos)
      << where;
}

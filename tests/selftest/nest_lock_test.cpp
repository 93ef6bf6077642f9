// The kernel's nest_lock self-tests (lib/locking-selftest.c, ww section;
// kernel-lockdep.md §5.4), on real lockdep::spinlocks:
//   spinlock nest test      S  X1; Y1 under X1; A; Y2 under X1 is legal
//   spinlock nest unlocked  F  a nest lock that is not held is reported
#include <gtest/gtest.h>

#include "selftest.hpp"
#include "support/report_capture.hpp"

namespace {

using selftest::key_of;

TEST(spinlock_nest, test_is_silent) {
  lockdep_test::report_capture cap;
  lockdep::spinlock x1{key_of(selftest::X1)};
  lockdep::spinlock y1{key_of(selftest::Y1)};
  lockdep::spinlock y2{key_of(selftest::Y2)};
  lockdep::spinlock a{key_of(selftest::A)};
  x1.lock();
  y1.lock_nest_lock(x1);
  a.lock();
  y2.lock_nest_lock(x1);  // excused by X1: no A -> Y, so no cycle with Y -> A
  a.unlock();             // out of order: Y2 is re-stacked onto Y1 and merged
  y2.unlock();
  y1.unlock();
  x1.unlock();
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(), 0u);
}

TEST(spinlock_nest, unlocked_is_reported) {
  lockdep_test::report_capture cap;
  lockdep::spinlock a{key_of(selftest::A)};
  lockdep::spinlock outer{key_of(selftest::B)};
  a.lock_nest_lock(outer);
  a.unlock();
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, lockdep::report_kind::nested_lock_not_taken);
  EXPECT_EQ(cap.first().classes.at(0).name, "A");
}

}  // namespace

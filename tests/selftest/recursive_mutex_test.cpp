// recursive_mutex beside the matrix: the kernel has no recursive lock type,
// so the one rule our recursive_mutex adds is checked here. Re-locking the
// *same* instance counts up and is silent; another instance of the class is
// still recursive locking (the matrix's AA.recursive_mutex).
#include <gtest/gtest.h>

#include "selftest.hpp"
#include "support/report_capture.hpp"

namespace {

TEST(recursive_mutex_relock, same_instance_is_silent) {
  lockdep_test::report_capture cap;
  lockdep::recursive_mutex x1{selftest::key_of(selftest::X1)};
  lockdep::recursive_mutex a{selftest::key_of(selftest::A)};
  x1.lock();
  x1.lock();
  a.lock();  // X -> A recorded once, with X held twice
  x1.lock();
  x1.unlock();
  a.unlock();
  x1.unlock();
  x1.unlock();
  EXPECT_EQ(cap.count(), 0u);
}

TEST(recursive_mutex_relock, other_instance_while_relocked_is_recursive) {
  lockdep_test::report_capture cap;
  lockdep::recursive_mutex x1{selftest::key_of(selftest::X1)};
  lockdep::recursive_mutex x2{selftest::key_of(selftest::X2)};
  x1.lock();
  x1.lock();
  x2.lock();
  x2.unlock();
  x1.unlock();
  x1.unlock();
  ASSERT_EQ(cap.count(), 1u);
  const lockdep::report r = cap.first();
  EXPECT_EQ(r.kind, lockdep::report_kind::recursive_locking);
  ASSERT_GE(r.classes.size(), 2u);
  EXPECT_EQ(r.classes[0].name, "X");
  EXPECT_EQ(r.classes[1].name, "X");
}

}  // namespace

// Careless and hostile use of the annotation API: every misuse gets a clear
// report (or a refusal), nothing is corrupted, and an ABBA is still found
// afterwards. lock_maps only: no real lock is handed an undefined operation.
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

#include "hostile_support.hpp"

namespace {

using lockdep::report_kind;

TEST(Hostile, UnlockingALockNeverLockedIsReportedAndRefused) {
  lockdep_test::report_capture cap;
  lockdep::lock_map m{"never_locked"};
  EXPECT_FALSE(lockdep::lock_release(m));
  ASSERT_EQ(cap.count(report_kind::bad_unlock_balance), 1u);
  EXPECT_EQ(cap.first().classes.at(0).name, "never_locked");
  hostile::expect_abba_still_detected(cap);
}

TEST(Hostile, UnlockingInAnotherThreadIsReportedAndTheOwnerStillHoldsIt) {
  lockdep_test::report_capture cap;
  lockdep::lock_map m{"cross_thread"};
  lockdep::lock_acquire(m);
  bool released = true;
  std::thread([&] { released = lockdep::lock_release(m); }).join();
  EXPECT_FALSE(released);
  EXPECT_EQ(cap.count(report_kind::bad_unlock_balance), 1u);
  EXPECT_TRUE(lockdep::is_held(m));
  EXPECT_TRUE(lockdep::lock_release(m));
  hostile::expect_abba_still_detected(cap);
}

TEST(Hostile, DestroyingTwiceAndLockingADestroyedLockAreReported) {
  lockdep_test::report_capture cap;
  alignas(lockdep::lock_map) unsigned char storage[sizeof(lockdep::lock_map)];
  auto* m = new (storage) lockdep::lock_map{"destroyed_twice"};
  lockdep::lock_acquire(*m);
  lockdep::lock_release(*m);
  m->~lock_map();
  lockdep::lock_acquire(*m);  // use after destruction
  EXPECT_FALSE(lockdep::lock_release(*m));
  m->~lock_map();  // double destroy
  EXPECT_GE(cap.count(report_kind::bad_lock_usage), 2u);
  for (const auto& r : cap.reports()) EXPECT_NE(r.kind, report_kind::bad_unlock_balance) << r.text;
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(report_kind::assertion_failed), 0u);
  hostile::expect_abba_still_detected(cap);
}

TEST(Hostile, DestroyingAHeldLockIsReportedAndForgotten) {
  lockdep_test::report_capture cap;
  {
    lockdep::lock_map m{"freed_while_held"};
    lockdep::lock_acquire(m);
  }
  EXPECT_EQ(cap.count(report_kind::held_lock_freed), 1u);
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(report_kind::assertion_failed), 0u);
  hostile::expect_abba_still_detected(cap);
}

TEST(Hostile, SubclassOutOfRangeIsReportedAndClamped) {
  lockdep_test::report_capture cap;
  lockdep::lock_map m{"bad_subclass"};
  lockdep::lock_acquire(m, lockdep::read_mode::exclusive, false, 42);
  EXPECT_TRUE(lockdep::is_held(m));
  EXPECT_TRUE(lockdep::lock_release(m));
  lockdep::lock_acquire(m, lockdep::read_mode::exclusive, false, -7);
  EXPECT_TRUE(lockdep::lock_release(m));
  EXPECT_GE(cap.count(report_kind::bad_lock_usage), 1u);
  hostile::expect_abba_still_detected(cap);
}

TEST(Hostile, SetSubclassOutOfRangeIsReportedAndClamped) {
  lockdep_test::report_capture cap;
  lockdep::lock_map m{"bad_set_subclass"};
  lockdep::set_subclass(m, 9);
  ASSERT_EQ(cap.count(report_kind::bad_lock_usage), 1u);
  EXPECT_EQ(cap.first().classes.at(0).name, "bad_set_subclass");
  EXPECT_EQ(m.subclass(), 7u);  // clamped like lock_acquire's, not masked to 1
  static lockdep::lock_class_key other{"bad_set_class_key"};
  lockdep::set_class(m, other, 8);
  EXPECT_EQ(cap.count(report_kind::bad_lock_usage), 2u);
  EXPECT_EQ(m.subclass(), 7u);
  hostile::expect_abba_still_detected(cap);
}

TEST(Hostile, EmptyAndHugeNamesWork) {
  lockdep_test::report_capture cap;
  static const std::string huge(100000, 'x');
  lockdep::lock_map empty{""};
  lockdep::lock_map big{huge.c_str()};
  lockdep::lock_acquire(empty);
  lockdep::lock_acquire(big);
  lockdep::lock_release(big);
  lockdep::lock_release(empty);
  lockdep::lock_acquire(big);
  lockdep::lock_acquire(empty);  // ABBA between them: the report must format
  lockdep::lock_release(empty);
  lockdep::lock_release(big);
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  const lockdep::report r = cap.first();
  EXPECT_NE(r.text.find(huge), std::string::npos);
  hostile::expect_abba_still_detected(cap);
}

TEST(Hostile, UnregisteringAKeyInUseIsRefusedThenWorks) {
  lockdep_test::report_capture cap;
  {
    lockdep::scoped_key key{"dyn_in_use"};
    lockdep::lock_map m{key.get()};
    lockdep::lock_acquire(m);
    EXPECT_FALSE(lockdep::unregister_key(key.get()));
    EXPECT_EQ(cap.count(report_kind::bad_lock_usage), 1u);
    EXPECT_TRUE(lockdep::is_held(m));
    EXPECT_TRUE(lockdep::lock_release(m));
    EXPECT_TRUE(lockdep::unregister_key(key.get()));
    cap.clear();
    lockdep::lock_acquire(m);  // its key is gone now
    EXPECT_EQ(cap.count(report_kind::bad_lock_usage), 1u);
    EXPECT_FALSE(lockdep::is_held(m));
  }
  hostile::expect_abba_still_detected(cap);
}

TEST(Hostile, ExceptionsUnwindRaiiGuardsWithoutStaleEntries) {
  lockdep_test::report_capture cap;
  lockdep::mutex outer{"exc_outer"};
  lockdep::mutex inner{"exc_inner"};
  for (int i = 0; i < 100; ++i) {
    try {
      std::lock_guard<lockdep::mutex> g1(outer);
      std::unique_lock<lockdep::mutex> g2(inner);
      if (i % 2) g2.unlock();
      throw std::runtime_error("unwind");
    } catch (const std::runtime_error&) {
    }
  }
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(), 0u);
  {
    std::lock_guard<lockdep::mutex> g1(inner);
    std::lock_guard<lockdep::mutex> g2(outer);  // inverse of the order above
  }
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
  hostile::expect_abba_still_detected(cap);
}

TEST(Hostile, IrqApiMisuseIsReportedAndRepaired) {
  lockdep_test::report_capture cap;
  lockdep::local_irq_enable();  // enable without disable
  lockdep::hardirq_exit();      // exit without enter
  lockdep::local_bh_enable();   // enable without disable
  EXPECT_EQ(cap.count(report_kind::bad_irq_state), 3u);
  EXPECT_TRUE(lockdep::hardirqs_enabled());
  EXPECT_FALSE(lockdep::in_irq_context());
  hostile::expect_abba_still_detected(cap);
}

}  // namespace

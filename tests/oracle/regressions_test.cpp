// Deterministic regressions for core bugs the oracle test found, spelled
// out so a reader sees the scenario without replaying a seed.
#include <gtest/gtest.h>

#include "lockdep/lockdep.hpp"
#include "support/report_capture.hpp"

namespace {

using lockdep::read_mode;
using lockdep::report_kind;

// T1: X; read_recursive(P); Y.   T2: Y; X.   A real ABBA between X and Y:
// the recursive reader P in between must not hide the X -> Y dependency
// (X -(ER)-> P -(SN)-> Y is not a strong path, so X needs its own edge).
TEST(OracleRegressions, AbbaAcrossARecursiveReaderIsReported) {
  lockdep_test::report_capture cap;
  lockdep::lock_map x{"reg_x"};
  lockdep::lock_map p{"reg_p"};
  lockdep::lock_map y{"reg_y"};
  lockdep::lock_acquire(x);
  lockdep::lock_acquire(p, read_mode::shared_recursive);
  lockdep::lock_acquire(y);
  lockdep::lock_release(y);
  lockdep::lock_release(p);
  lockdep::lock_release(x);
  EXPECT_EQ(cap.count(), 0u);
  lockdep::lock_acquire(y);
  lockdep::lock_acquire(x);
  lockdep::lock_release(x);
  lockdep::lock_release(y);
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  EXPECT_EQ(cap.first().classes.at(0).name, "reg_x");
  EXPECT_EQ(cap.first().classes.at(1).name, "reg_y");
}

// A process-context lock held across a softirq that enables hardirqs is
// held with hardirqs on: it becomes HARDIRQ-ON, which conflicts with its
// use in hardirq context.
TEST(OracleRegressions, IrqsEnabledInSoftirqMarkTheInterruptedLocks) {
  lockdep_test::report_capture cap;
  lockdep::lock_map l{"reg_irq_lock", lockdep::wait_type::spin};
  {
    lockdep::hardirq_scope irq;
    lockdep::lock_acquire(l);
    lockdep::lock_release(l);
  }
  lockdep::local_irq_disable();
  lockdep::lock_acquire(l);  // irqs off: fine
  EXPECT_EQ(cap.count(), 0u);
  lockdep::softirq_enter();
  lockdep::local_irq_enable();  // now `l` is held with hardirqs on
  lockdep::local_irq_disable();
  lockdep::softirq_exit();
  lockdep::lock_release(l);
  lockdep::local_irq_enable();
  ASSERT_EQ(cap.count(report_kind::inconsistent_lock_state), 1u);
  EXPECT_EQ(cap.first().classes.at(0).name, "reg_irq_lock");
}

}  // namespace

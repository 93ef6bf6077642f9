// Real signal handlers as interrupts: signal_handler_scope is hardirq
// context, signals_blocked_scope means hardirqs off, and lockdep does nothing
// unsafe in a handler: reports raised there are delivered only after it.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>

#include "support/report_capture.hpp"

namespace {

using lockdep::report_kind;

lockdep::spinlock shared_lock{"shared_with_handler"};
lockdep::spinlock blocked_lock{"taken_with_signal_blocked"};
std::atomic<bool> in_handler{false};
std::atomic<int> delivered_in_handler{0};
std::atomic<int> handler_runs{0};
std::atomic<bool> handler_saw_hardirq{false};
lockdep::spinlock* handler_lock = &shared_lock;

void handler(int) {
  in_handler = true;
  {
    lockdep::signal_handler_scope scope;
    handler_saw_hardirq = lockdep::in_hardirq() && !lockdep::hardirqs_enabled();
    handler_lock->lock();
    handler_lock->unlock();
  }
  ++handler_runs;
  in_handler = false;
}

class SignalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    struct sigaction sa {};
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    ASSERT_EQ(sigaction(SIGUSR1, &sa, &old_), 0);
    handler_runs = 0;
    delivered_in_handler = 0;
  }
  void TearDown() override { sigaction(SIGUSR1, &old_, nullptr); }

 private:
  struct sigaction old_ {};
};

TEST_F(SignalTest, HandlerIsHardirqContext) {
  lockdep_test::report_capture cap;
  handler_lock = &shared_lock;
  ASSERT_EQ(raise(SIGUSR1), 0);
  EXPECT_EQ(handler_runs.load(), 1);
  EXPECT_TRUE(handler_saw_hardirq.load());
  EXPECT_FALSE(lockdep::in_hardirq());
  EXPECT_TRUE(lockdep::hardirqs_enabled());
  EXPECT_EQ(cap.count(), 0u);
}

// Lock taken with the signal unblocked, then in the handler (while the lock
// is free, so nothing really deadlocks): the report is raised in the handler
// and delivered afterwards.
TEST_F(SignalTest, LockSharedWithHandlerIsReportedAfterTheHandler) {
  lockdep_test::report_capture cap;
  // Wrap the capture's callback to see *when* reports arrive.
  auto inner = lockdep::set_report_callback(nullptr);
  lockdep::set_report_callback([inner](const lockdep::report& r) {
    if (in_handler) ++delivered_in_handler;
    inner(r);
  });
  handler_lock = &shared_lock;
  shared_lock.lock();
  shared_lock.unlock();
  ASSERT_EQ(raise(SIGUSR1), 0);
  ASSERT_EQ(handler_runs.load(), 1);
  lockdep::flush_reports();
  EXPECT_EQ(delivered_in_handler.load(), 0);
  lockdep::set_report_callback(inner);
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, report_kind::inconsistent_lock_state);
  EXPECT_EQ(reports[0].classes.at(0).name, "shared_with_handler");
  EXPECT_EQ(reports[0].detail, "inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage.");
}

// The next lockdep call outside the handler delivers a queued report too.
TEST_F(SignalTest, NextLockdepCallDeliversTheQueuedReport) {
  lockdep_test::report_capture cap;
  std::atomic<int> seen{0};
  auto inner = lockdep::set_report_callback(nullptr);
  lockdep::set_report_callback([&seen, inner](const lockdep::report& r) {
    ++seen;
    inner(r);
  });
  handler_lock = &shared_lock;
  shared_lock.lock();
  shared_lock.unlock();
  ASSERT_EQ(raise(SIGUSR1), 0);
  EXPECT_EQ(seen.load(), 0);  // queued, not delivered in the handler
  lockdep::spinlock other{"other"};
  other.lock();  // a new chain: the cold path delivers on its way out
  other.unlock();
  EXPECT_EQ(seen.load(), 1);
  lockdep::set_report_callback(inner);
  EXPECT_EQ(cap.count(report_kind::inconsistent_lock_state), 1u);
}

// Blocking the signal while holding the lock is the fix, and lockdep knows.
TEST_F(SignalTest, SignalsBlockedScopeIsHardirqsOff) {
  lockdep_test::report_capture cap;
  handler_lock = &blocked_lock;
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  {
    lockdep::signals_blocked_scope blocked(usr1);
    EXPECT_FALSE(lockdep::hardirqs_enabled());
    sigset_t now;
    pthread_sigmask(SIG_SETMASK, nullptr, &now);
    EXPECT_TRUE(sigismember(&now, SIGUSR1));
    blocked_lock.lock();
    ASSERT_EQ(raise(SIGUSR1), 0);  // pending: the handler cannot run here
    EXPECT_EQ(handler_runs.load(), 0);
    blocked_lock.unlock();
  }  // unblocked: the pending signal runs the handler now, lock free
  EXPECT_EQ(handler_runs.load(), 1);
  EXPECT_TRUE(lockdep::hardirqs_enabled());
  sigset_t after;
  pthread_sigmask(SIG_SETMASK, nullptr, &after);
  EXPECT_FALSE(sigismember(&after, SIGUSR1));
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

// install_signal_handler: the handler runs inside signal_handler_scope(sig).
lockdep::spinlock wrapped_lock{"taken_by_wrapped_handler"};
std::atomic<int> wrapped_runs{0};
std::atomic<int> wrapped_signal{0};
std::atomic<bool> wrapped_saw_hardirq{false};

void wrapped_handler(int sig) {
  wrapped_signal = sig;
  wrapped_saw_hardirq = lockdep::in_hardirq();
  wrapped_lock.lock();
  wrapped_lock.unlock();
  ++wrapped_runs;
}

class InstalledHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override { wrapped_runs = 0; }
  void TearDown() override { signal(SIGUSR2, SIG_DFL); }
};

TEST(SignalHandlerScope, KnowsItsSignal) {
  lockdep::signal_handler_scope scope(SIGUSR1);
  EXPECT_EQ(scope.signal(), SIGUSR1);
  EXPECT_TRUE(lockdep::in_hardirq());
}

TEST_F(InstalledHandlerTest, RunsTheHandlerInItsSignalsScope) {
  lockdep_test::report_capture cap;
  ASSERT_EQ(lockdep::install_signal_handler(SIGUSR2, wrapped_handler), 0);
  ASSERT_EQ(raise(SIGUSR2), 0);
  EXPECT_EQ(wrapped_runs.load(), 1);
  EXPECT_EQ(wrapped_signal.load(), SIGUSR2);
  EXPECT_TRUE(wrapped_saw_hardirq.load());
  EXPECT_FALSE(lockdep::in_hardirq());
  wrapped_lock.lock();  // signal unblocked: the handler could deadlock on it
  wrapped_lock.unlock();
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, report_kind::inconsistent_lock_state);
  EXPECT_EQ(reports[0].classes.at(0).name, "taken_by_wrapped_handler");
  EXPECT_EQ(reports[0].detail, "inconsistent {IN-SIGUSR2-W} -> {SIGUSR2-ON-W} usage.");
}

// SA_NODEFER: the signal stays deliverable in its own handler, which can
// interrupt itself while holding the lock.
TEST_F(InstalledHandlerTest, NodeferHandlerCanInterruptItself) {
  lockdep_test::report_capture cap;
  ASSERT_EQ(lockdep::install_signal_handler(SIGUSR2, wrapped_handler, SA_NODEFER), 0);
  ASSERT_EQ(raise(SIGUSR2), 0);
  ASSERT_EQ(wrapped_runs.load(), 1);
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, report_kind::inconsistent_lock_state);
  EXPECT_EQ(reports[0].classes.at(0).name, "taken_by_wrapped_handler");
}

// The near miss: the signal is blocked in its handler (no SA_NODEFER), and
// the program takes the lock only with the signal blocked.
TEST_F(InstalledHandlerTest, DeferredHandlerAndBlockedUseAreSilent) {
  lockdep_test::report_capture cap;
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  ASSERT_EQ(lockdep::install_signal_handler(SIGUSR2, wrapped_handler, 0, &usr2), 0);
  ASSERT_EQ(raise(SIGUSR2), 0);
  ASSERT_EQ(wrapped_runs.load(), 1);
  {
    lockdep::signals_blocked_scope blocked(usr2);
    wrapped_lock.lock();
    wrapped_lock.unlock();
  }
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

}  // namespace

// Per-signal interrupt states for API users: signal_handler_scope(sig) is
// the context of that signal's own state (its line), and a lock is
// SIGUSR1-ON where SIGUSR1 is not blocked, whatever the other signals.
// The handlers are simulated (the scope runs in the test body) with their
// signal blocked, as the kernel delivers it.
#include <gtest/gtest.h>
#include <signal.h>

#include "support/report_capture.hpp"

namespace {

using lockdep::report_kind;

sigset_t only(int sig) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  return s;
}

// The body of `sig`'s handler, taking `m`, with `sig` blocked meanwhile.
void in_handler_of(int sig, lockdep::spinlock& m) {
  lockdep::signals_blocked_scope delivered(only(sig));
  lockdep::signal_handler_scope handler(sig);
  m.lock();
  m.unlock();
}

TEST(SignalLines, LockTakenWithItsSignalUnblockedIsReported) {
  lockdep_test::report_capture cap;
  static lockdep::spinlock log_mu{"usr1_log_mu"};
  in_handler_of(SIGUSR1, log_mu);
  log_mu.lock();  // SIGUSR1 can arrive here, and its handler spins on log_mu
  log_mu.unlock();
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, report_kind::inconsistent_lock_state);
  EXPECT_EQ(reports[0].classes.at(0).name, "usr1_log_mu");
  EXPECT_EQ(reports[0].detail, "inconsistent {IN-SIGUSR1-W} -> {SIGUSR1-ON-W} usage.");
  EXPECT_EQ(reports[0].old_usage, "IN-SIGUSR1-W");
  EXPECT_EQ(reports[0].new_usage, "SIGUSR1-ON-W");
  EXPECT_NE(reports[0].text.find("\n  <SIGUSR1>\n    lock(usr1_log_mu);\n"), std::string::npos) << reports[0].text;
  EXPECT_NE(reports[0].text.find("(usr1_log_mu){+.+.|SIGUSR1:?."), std::string::npos) << reports[0].text;
}

// The near miss: SIGUSR1 blocked, SIGUSR2 (whose handler takes nothing)
// unblocked. One interrupt state for every signal reported this.
TEST(SignalLines, LockTakenWithItsSignalBlockedIsSilentWhileAnotherIsUnblocked) {
  lockdep_test::report_capture cap;
  static lockdep::spinlock log_mu{"usr1_only_log_mu"};
  static lockdep::spinlock other{"usr2_handler_lock"};
  in_handler_of(SIGUSR1, log_mu);
  in_handler_of(SIGUSR2, other);
  {
    lockdep::signals_blocked_scope no_usr1(only(SIGUSR1));
    log_mu.lock();
    log_mu.unlock();
  }
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

// Each handler may interrupt the other (neither signal in the other's
// mask): a lock both take is IN-SIGUSR1 with SIGUSR2 on in SIGUSR1's
// handler, then IN-SIGUSR2 with SIGUSR1 on in SIGUSR2's: one report each.
TEST(SignalLines, HandlersInterruptingEachOtherAreReportedPerSignal) {
  lockdep_test::report_capture cap;
  static lockdep::spinlock shared{"usr1_usr2_shared"};
  in_handler_of(SIGUSR1, shared);
  in_handler_of(SIGUSR2, shared);
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 2u);
  for (const lockdep::report& r : reports) {
    EXPECT_EQ(r.kind, report_kind::inconsistent_lock_state);
    EXPECT_EQ(r.classes.at(0).name, "usr1_usr2_shared");
  }
  EXPECT_EQ(reports[0].detail, "inconsistent {IN-SIGUSR1-W} -> {SIGUSR1-ON-W} usage.");
  EXPECT_NE(reports[0].text.find("\n  <SIGUSR1>\n"), std::string::npos) << reports[0].text;
  EXPECT_EQ(reports[1].detail, "inconsistent {SIGUSR2-ON-W} -> {IN-SIGUSR2-W} usage.");
  EXPECT_NE(reports[1].text.find("\n  <SIGUSR2>\n"), std::string::npos) << reports[1].text;
}

// The near miss: each signal in the other's sa_mask (both blocked in
// either handler).
TEST(SignalLines, HandlersMaskingEachOtherAreSilent) {
  lockdep_test::report_capture cap;
  static lockdep::spinlock shared{"usr1_usr2_masked"};
  sigset_t both = only(SIGUSR1);
  sigaddset(&both, SIGUSR2);
  for (int sig : {SIGUSR1, SIGUSR2}) {
    lockdep::signals_blocked_scope delivered(both);
    lockdep::signal_handler_scope handler(sig);
    shared.lock();
    shared.unlock();
  }
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

// The seed's report shape with a signal: the handler's lock took, with the
// signal blocked, a lock the program takes with the signal unblocked.
TEST(SignalLines, IrqLockInversionNamesTheSignal) {
  lockdep_test::report_capture cap;
  static lockdep::spinlock config{"usr2_config"};
  static lockdep::spinlock log_mu{"usr2_log"};
  {
    lockdep::signals_blocked_scope no_usr2(only(SIGUSR2));
    config.lock();
    log_mu.lock();
    log_mu.unlock();
    config.unlock();
  }
  log_mu.lock();  // SIGUSR2 unblocked: SIGUSR2-unsafe
  log_mu.unlock();
  in_handler_of(SIGUSR2, config);  // now SIGUSR2-safe: the inversion
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  const lockdep::report& r = reports[0];
  EXPECT_EQ(r.kind, report_kind::irq_lock_inversion);
  EXPECT_EQ(r.classes.at(0).name, "usr2_config");
  EXPECT_EQ(r.classes.at(1).name, "usr2_log");
  EXPECT_EQ(r.irq_state_name, "SIGUSR2");
  EXPECT_NE(r.text.find("but this lock took another, SIGUSR2-unsafe lock in the past:\n"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("\n                               block(SIGUSR2);\n"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("\n  <SIGUSR2>\n    lock(usr2_config);\n"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("    SIGUSR2-ON-W at:\n"), std::string::npos) << r.text;
}

// A handler scope without a signal stays hardirq context (the kernel's
// labels, unchanged).
TEST(SignalLines, ScopeWithoutSignalIsHardirq) {
  lockdep_test::report_capture cap;
  static lockdep::spinlock m{"unnamed_signal_lock"};
  {
    lockdep::signal_handler_scope handler;
    m.lock();
    m.unlock();
  }
  m.lock();
  m.unlock();
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].detail, "inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage.");
  EXPECT_NE(reports[0].text.find("  <Interrupt>\n"), std::string::npos) << reports[0].text;
}

}  // namespace

// The simulated interrupt API: its state, its misuse reports, the context
// boundaries on the held stack, usage marking, near misses that must stay
// silent, and the layout of the irq reports.
#include <gtest/gtest.h>

#include <initializer_list>
#include <iterator>
#include <memory>
#include <string>

#include "support/report_capture.hpp"

namespace {

using lockdep::report_kind;

// ---- state ------------------------------------------------------------------------

TEST(IrqState, ContextsNestAndImplyTheirIrqState) {
  lockdep_test::report_capture cap;
  EXPECT_FALSE(lockdep::in_irq_context());
  EXPECT_TRUE(lockdep::hardirqs_enabled());
  EXPECT_TRUE(lockdep::softirqs_enabled());
  {
    lockdep::softirq_scope soft;
    EXPECT_TRUE(lockdep::in_softirq());
    EXPECT_TRUE(lockdep::hardirqs_enabled());  // softirq leaves hardirqs alone
    EXPECT_FALSE(lockdep::softirqs_enabled());
    {
      lockdep::hardirq_scope hard;  // an interrupt during the softirq
      EXPECT_TRUE(lockdep::in_hardirq());
      EXPECT_FALSE(lockdep::hardirqs_enabled());
      {
        lockdep::hardirq_scope nested;
        EXPECT_TRUE(lockdep::in_hardirq());
      }
      EXPECT_TRUE(lockdep::in_hardirq());
    }
    EXPECT_FALSE(lockdep::in_hardirq());
    EXPECT_TRUE(lockdep::hardirqs_enabled());
  }
  EXPECT_FALSE(lockdep::in_irq_context());
  {
    lockdep::bh_disabled_scope bh1;
    lockdep::bh_disabled_scope bh2;
    EXPECT_FALSE(lockdep::softirqs_enabled());
  }
  EXPECT_TRUE(lockdep::softirqs_enabled());
  {
    lockdep::irq_disabled_scope outer;
    EXPECT_FALSE(lockdep::hardirqs_enabled());
    {
      lockdep::irq_disabled_scope inner;  // save/restore nests
    }
    EXPECT_FALSE(lockdep::hardirqs_enabled());
  }
  EXPECT_TRUE(lockdep::hardirqs_enabled());
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

// ---- misuse: a clear bad_irq_state report, then a repaired state -------------------

void expect_one_bad_irq_state(lockdep_test::report_capture& cap, const char* words) {
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, report_kind::bad_irq_state);
  EXPECT_NE(reports[0].text.find(words), std::string::npos) << reports[0].text;
}

TEST(IrqMisuse, EnableWithoutDisable) {
  lockdep_test::report_capture cap;
  lockdep::local_irq_enable();
  expect_one_bad_irq_state(cap, "local_irq_enable() while hardirqs are already enabled");
  EXPECT_TRUE(lockdep::hardirqs_enabled());
}

TEST(IrqMisuse, BhEnableWithoutDisable) {
  lockdep_test::report_capture cap;
  lockdep::local_bh_enable();
  expect_one_bad_irq_state(cap, "local_bh_enable() without a matching local_bh_disable()");
  EXPECT_TRUE(lockdep::softirqs_enabled());
  lockdep::local_bh_disable();  // the count did not go negative
  EXPECT_FALSE(lockdep::softirqs_enabled());
  lockdep::local_bh_enable();
  EXPECT_TRUE(lockdep::softirqs_enabled());
}

TEST(IrqMisuse, HardirqExitWithoutEnter) {
  lockdep_test::report_capture cap;
  lockdep::hardirq_exit();
  expect_one_bad_irq_state(cap, "hardirq_exit() without a matching hardirq_enter()");
  EXPECT_FALSE(lockdep::in_irq_context());
  EXPECT_TRUE(lockdep::hardirqs_enabled());
}

TEST(IrqMisuse, SoftirqExitWithoutEnter) {
  lockdep_test::report_capture cap;
  lockdep::softirq_exit();
  expect_one_bad_irq_state(cap, "softirq_exit() without a matching softirq_enter()");
  EXPECT_FALSE(lockdep::in_irq_context());
}

TEST(IrqMisuse, ExitOfTheWrongKind) {
  lockdep_test::report_capture cap;
  lockdep::softirq_enter();
  lockdep::hardirq_exit();
  expect_one_bad_irq_state(cap, "hardirq_exit() without a matching hardirq_enter()");
  EXPECT_TRUE(lockdep::in_softirq());
  lockdep::softirq_exit();
  EXPECT_FALSE(lockdep::in_irq_context());
}

TEST(IrqMisuse, HardirqEnteredWithHardirqsOff) {
  lockdep_test::report_capture cap;
  lockdep::local_irq_disable();
  lockdep::hardirq_enter();
  expect_one_bad_irq_state(cap, "entering hardirq context on a thread whose hardirqs are disabled");
  EXPECT_TRUE(lockdep::in_hardirq());  // still entered: exit must balance
  lockdep::hardirq_exit();
  EXPECT_FALSE(lockdep::hardirqs_enabled());  // back to what it was
  lockdep::local_irq_enable();
  EXPECT_EQ(cap.count(), 1u);
}

TEST(IrqMisuse, EnablingIrqsInHardirq) {
  lockdep_test::report_capture cap;
  lockdep::hardirq_enter();
  lockdep::local_irq_enable();
  expect_one_bad_irq_state(cap, "local_irq_enable() in hardirq context");
  EXPECT_FALSE(lockdep::hardirqs_enabled());
  lockdep::hardirq_exit();
}

TEST(IrqMisuse, LeavingAContextWithItsLocksHeld) {
  lockdep_test::report_capture cap;
  lockdep::spinlock outer{"outer"};
  lockdep::spinlock inner{"inner"};
  outer.lock();
  lockdep::hardirq_enter();
  inner.lock();
  lockdep::hardirq_exit();  // inner still held
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, report_kind::bad_irq_state);
  EXPECT_NE(reports[0].text.find("while locks taken in it are still held"), std::string::npos);
  ASSERT_EQ(reports[0].held_locks.size(), 2u);  // the report lists both
  EXPECT_EQ(reports[0].held_locks[1].cls.name, "inner");
  // inner was dropped from the held stack; the interrupted code's lock is intact.
  EXPECT_TRUE(lockdep::is_held(outer.lockdep_map()));
  EXPECT_FALSE(lockdep::is_held(inner.lockdep_map()));
  EXPECT_FALSE(lockdep::in_irq_context());
  outer.unlock();
  EXPECT_EQ(cap.count(), 1u);
  inner.native().unlock();  // the real lock is still taken; release it quietly
}

// ---- context boundaries ---------------------------------------------------------------

// A lock held by interrupted code and a lock taken in the interrupt are not
// ordered: if they were, the reverse order later would look circular.
TEST(IrqBoundary, NoDependencyAcrossContexts) {
  lockdep_test::report_capture cap;
  lockdep::spinlock held_outside{"held_outside"};
  lockdep::spinlock taken_inside{"taken_inside"};
  lockdep::local_bh_disable();  // the softirq below is the only one
  held_outside.lock();
  {
    lockdep::softirq_scope soft;
    taken_inside.lock();
    taken_inside.unlock();
  }
  held_outside.unlock();
  taken_inside.lock();
  held_outside.lock();  // would close a cycle if the softirq had made an edge
  held_outside.unlock();
  taken_inside.unlock();
  lockdep::local_bh_enable();
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

// The interrupt's chain starts afresh: what the interrupted code holds does
// not make it a new chain.
TEST(IrqBoundary, ChainKeyStartsAfreshInAnInterrupt) {
  lockdep_test::report_capture cap;
  lockdep::spinlock first_outer{"first_outer"};
  lockdep::spinlock second_outer{"second_outer"};
  lockdep::spinlock in_irq{"in_irq"};
  lockdep::spin_lock_irq(first_outer);  // irqs off: no irq-state interplay
  lockdep::local_irq_enable();          // (enable to let the "interrupt" come)
  {
    lockdep::hardirq_scope hard;
    in_irq.lock();
    in_irq.unlock();
  }
  lockdep::local_irq_disable();
  lockdep::spin_unlock_irq(first_outer);
  lockdep::spin_lock_irq(second_outer);
  lockdep::local_irq_enable();
  const auto before = lockdep::get_statistics().cold_path_entries;
  {
    lockdep::hardirq_scope hard;
    in_irq.lock();  // same chain as before: {hardirq, in_irq}
    in_irq.unlock();
  }
  EXPECT_EQ(lockdep::get_statistics().cold_path_entries, before);
  lockdep::local_irq_disable();
  lockdep::spin_unlock_irq(second_outer);
}

// Unlocking in an interrupt a lock taken outside it is an unlock imbalance;
// the lock stays held by the interrupted code.
TEST(IrqBoundary, UnlockInHardirqOfALockTakenOutside) {
  lockdep_test::report_capture cap;
  lockdep::spinlock l{"taken_outside"};
  l.lock();
  {
    lockdep::hardirq_scope hard;
    EXPECT_FALSE(lockdep::lock_release(l.lockdep_map()));
  }
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, report_kind::bad_unlock_balance);
  EXPECT_TRUE(lockdep::is_held(l.lockdep_map()));
  l.unlock();
  EXPECT_EQ(cap.count(), 1u);
}

// Acquires the maps in order, then releases them in reverse.
void take_nested(std::initializer_list<lockdep::lock_map*> maps) {
  for (lockdep::lock_map* m : maps) lockdep::lock_acquire(*m);
  for (auto it = std::rbegin(maps); it != std::rend(maps); ++it) lockdep::lock_release(**it);
}

// Re-classing, inside an interrupt, a lock the interrupted code holds
// rebuilds the held stack across the context boundary: the outer locks keep
// their own context (no "used in hardirq" usage for them, which would make
// taking them with irqs on look inconsistent), and the edges between the
// outer locks are recorded with the new class, so the reverse order later
// is still a cycle.
TEST(IrqBoundary, SetClassInAnInterruptOfALockTakenOutside) {
  lockdep_test::report_capture cap;
  static lockdep::lock_class_key reclassed{"sc_reclassed"};
  lockdep::lock_map a{"sc_outer_a", lockdep::wait_type::spin};
  lockdep::lock_map b{"sc_outer_b", lockdep::wait_type::spin};
  lockdep::lock_map inside{"sc_inside", lockdep::wait_type::spin};
  lockdep::lock_acquire(a);  // irqs enabled: HARDIRQ-ON for both
  lockdep::lock_acquire(b);
  {
    lockdep::hardirq_scope hard;
    lockdep::lock_acquire(inside);
    lockdep::set_class(a, reclassed);
    lockdep::lock_release(inside);
  }
  EXPECT_TRUE(lockdep::is_held(a));
  EXPECT_TRUE(lockdep::is_held(b));
  lockdep::lock_release(b);
  lockdep::lock_release(a);
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
  // b was never taken in an interrupt: taking it with irqs on stays silent.
  take_nested({&b});
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
  // sc_reclassed -> sc_outer_b was recorded: the reverse order is a cycle.
  take_nested({&b, &a});
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u) << cap.first().text;
  EXPECT_EQ(cap.first().classes.at(0).name, "sc_reclassed");
}

// Freeing, inside an interrupt, a lock the interrupted code holds: one
// "freeing memory" report, and the locks above it keep their context and
// chain (the interrupted code's chain key, kept in the interrupt frame, no
// longer includes the freed lock).
TEST(IrqBoundary, FreeingInAnInterruptALockTakenOutside) {
  lockdep_test::report_capture cap;
  lockdep::lock_map a{"fr_outer_a", lockdep::wait_type::spin};
  lockdep::lock_map c{"fr_outer_c", lockdep::wait_type::spin};
  lockdep::lock_map d{"fr_outer_d", lockdep::wait_type::spin};
  lockdep::lock_map inside{"fr_inside", lockdep::wait_type::spin};
  {
    auto b = std::make_unique<lockdep::lock_map>("fr_outer_b", lockdep::wait_type::spin);
    lockdep::lock_acquire(a);
    lockdep::lock_acquire(*b);
    lockdep::lock_acquire(c);
    {
      lockdep::hardirq_scope hard;
      lockdep::lock_acquire(inside);
      b.reset();  // freed while held by the interrupted code
      lockdep::lock_release(inside);
    }
    ASSERT_EQ(cap.count(report_kind::held_lock_freed), 1u);
    EXPECT_EQ(cap.first().classes.at(0).name, "fr_outer_b");
    cap.clear();
    EXPECT_TRUE(lockdep::is_held(a));
    EXPECT_TRUE(lockdep::is_held(c));
    lockdep::lock_acquire(d);  // validates and caches the chain {a, c, d}
    lockdep::lock_release(d);
    lockdep::lock_release(c);
    lockdep::lock_release(a);
  }
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
  // The same chain taken afresh is a cache hit: it was cached under its own
  // key, not one that still mixed in the freed lock.
  const auto before = lockdep::get_statistics().cold_path_entries;
  take_nested({&a, &c, &d});
  EXPECT_EQ(lockdep::get_statistics().cold_path_entries, before);
  // c was never taken in an interrupt.
  take_nested({&c});
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
  // c -> d was recorded after the free: d then c is a cycle.
  take_nested({&d, &c});
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u) << cap.first().text;
}

// ---- usage marking ------------------------------------------------------------------

// Re-enabling softirqs while holding a softirq-safe lock marks it
// SOFTIRQ-ON: inconsistent.
TEST(IrqUsage, BhEnableWhileHoldingASoftirqSafeLock) {
  lockdep_test::report_capture cap;
  lockdep::spinlock l{"bh_lock"};
  {
    lockdep::softirq_scope soft;
    lockdep::spin_lock_irq(l);
    lockdep::spin_unlock_irq(l);
  }
  lockdep::spin_lock_bh(l);
  lockdep::local_bh_enable();  // softirqs back on with l held
  l.unlock();
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, report_kind::inconsistent_lock_state);
  EXPECT_EQ(reports[0].detail, "inconsistent {IN-SOFTIRQ-W} -> {SOFTIRQ-ON-W} usage.");
}

TEST(IrqUsage, UsageTracesAreLabelledInTheKernelsOrder) {
  lockdep_test::report_capture cap;
  lockdep::rwlock rw{"rw"};
  rw.lock_shared();  // INITIAL READ USE, HARDIRQ-ON-R, SOFTIRQ-ON-R
  rw.unlock_shared();
  {
    lockdep::irq_disabled_scope off;
    rw.lock();  // INITIAL USE
    rw.unlock();
  }
  {
    lockdep::hardirq_scope hard;
    rw.lock();  // IN-HARDIRQ-W: conflicts with HARDIRQ-ON-R
    rw.unlock();
  }
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  const auto& c = reports[0].classes.at(0);
  EXPECT_EQ(c.usage, "-+.+");
  std::vector<std::string> labels;
  for (const auto& [label, trace] : c.usage_traces) {
    labels.push_back(label);
    EXPECT_FALSE(trace.empty()) << label;
  }
  EXPECT_EQ(labels, (std::vector<std::string>{"IN-HARDIRQ-W", "HARDIRQ-ON-R", "SOFTIRQ-ON-R", "INITIAL USE",
                                              "INITIAL READ USE"}));
  EXPECT_EQ(reports[0].detail, "inconsistent {HARDIRQ-ON-R} -> {IN-HARDIRQ-W} usage.");
}

// ---- near misses: must stay silent ---------------------------------------------------

TEST(IrqNearMiss, RecursiveReaderInIrqAndWithIrqsOn) {
  lockdep_test::report_capture cap;
  lockdep::rwlock rw{"recursive_reader"};
  rw.lock_shared();
  rw.unlock_shared();
  {
    lockdep::hardirq_scope hard;
    rw.lock_shared();
    rw.unlock_shared();
  }
  {
    lockdep::softirq_scope soft;
    rw.lock_shared();
    rw.unlock_shared();
  }
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

TEST(IrqNearMiss, LockOnlyTakenWithIrqsOffAndInIrq) {
  lockdep_test::report_capture cap;
  lockdep::spinlock l{"irq_safe_only"};
  lockdep::spinlock under{"under_it"};
  for (int i = 0; i < 2; ++i) {
    lockdep::irq_flags f = lockdep::spin_lock_irqsave(l);
    under.lock();
    under.unlock();
    lockdep::spin_unlock_irqrestore(l, f);
    lockdep::hardirq_scope hard;
    l.lock();
    under.lock();
    under.unlock();
    l.unlock();
  }
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

TEST(IrqNearMiss, TrylockInIrqDoesNotMakeALockIrqSafe) {
  lockdep_test::report_capture cap;
  lockdep::spinlock l{"tried_in_irq"};
  l.lock();
  l.unlock();
  {
    lockdep::hardirq_scope hard;
    ASSERT_TRUE(l.try_lock());
    l.unlock();
  }
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

TEST(IrqNearMiss, SoftirqSafeLockTakenWithBhOffInProcess) {
  lockdep_test::report_capture cap;
  lockdep::spinlock l{"bh_safe"};
  {
    lockdep::softirq_scope soft;
    l.lock();
    l.unlock();
  }
  lockdep::spin_lock_bh(l);
  lockdep::spin_unlock_bh(l);
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

// ---- report layout -----------------------------------------------------------------

TEST(IrqReportText, InconsistentLockState) {
  lockdep_test::report_capture cap;
  lockdep::spinlock l{"&dev->lock"};
  l.lock();
  l.unlock();
  {
    lockdep::hardirq_scope hard;
    l.lock();
    l.unlock();
  }
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  const std::string& t = reports[0].text;
  for (const char* line : {"WARNING: inconsistent lock state\n", "inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage.\n",
                           " [HC1[1]:SC0[0]:HE0:SE1] takes:\n", "(&dev->lock){?.+.}-{2:2}, at: ",
                           "{HARDIRQ-ON-W} state was registered at:\n",
                           " Possible unsafe locking scenario:\n\n       CPU0\n       ----\n  lock(&dev->lock);\n"
                           "  <Interrupt>\n    lock(&dev->lock);\n\n *** DEADLOCK ***\n"})
    EXPECT_NE(t.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << t;
}

TEST(IrqReportText, SafeToUnsafe) {
  lockdep_test::report_capture cap;
  lockdep::spinlock safe{"safe_lock"};
  lockdep::spinlock unsafe{"unsafe_lock"};
  {
    lockdep::softirq_scope soft;
    safe.lock();
    safe.unlock();
  }
  unsafe.lock();
  unsafe.unlock();
  lockdep::spin_lock_bh(safe);
  unsafe.lock();  // the new edge safe -> unsafe
  unsafe.unlock();
  lockdep::spin_unlock_bh(safe);
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, report_kind::irq_safe_to_unsafe);
  const std::string& t = reports[0].text;
  for (const char* line :
       {"WARNING: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected\n", "is trying to acquire:\n",
        "and this task is already holding:\n", "which would create a new lock dependency:\n",
        " (safe_lock){+.-.}-{2:2} -> (unsafe_lock){+.+.}-{2:2}\n",
        "but this new dependency connects a SOFTIRQ-irq-safe lock:\n", "... which became SOFTIRQ-irq-safe at:\n",
        "to a SOFTIRQ-irq-unsafe lock:\n", "... which became SOFTIRQ-irq-unsafe at:\n",
        " Possible interrupt unsafe locking scenario:\n",
        "the dependencies between SOFTIRQ-irq-safe lock and the holding lock:\n",
        "the dependencies between the lock to be acquired\n and SOFTIRQ-irq-unsafe lock:\n"})
    EXPECT_NE(t.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << t;
}

// A lock becomes irq-unsafe after an irq-safe lock was seen taking it: the
// backwards search finds the safe lock.
TEST(IrqReportText, IrqInversionBackwards) {
  lockdep_test::report_capture cap;
  lockdep::spinlock safe{"irq_safe"};
  lockdep::spinlock later_unsafe{"later_unsafe"};
  {
    lockdep::hardirq_scope hard;
    safe.lock();
    safe.unlock();
  }
  lockdep::spin_lock_irq(safe);
  later_unsafe.lock();  // edge irq_safe -> later_unsafe, irqs off: fine so far
  later_unsafe.unlock();
  lockdep::spin_unlock_irq(safe);
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
  later_unsafe.lock();  // HARDIRQ-ON-W: now the edge is a deadlock
  later_unsafe.unlock();
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, report_kind::irq_lock_inversion);
  ASSERT_EQ(reports[0].classes.size(), 2u);
  EXPECT_EQ(reports[0].classes[0].name, "later_unsafe");
  EXPECT_EQ(reports[0].classes[1].name, "irq_safe");
  const std::string& t = reports[0].text;
  for (const char* line : {"just changed the state of lock:\n",
                           "but this lock was taken by another, HARDIRQ-safe lock in the past:\n (irq_safe){-...}-{2:2}\n",
                           "and interrupts could create inverse lock ordering between them.\n",
                           "  lock(later_unsafe);\n                               local_irq_disable();\n"
                           "                               lock(irq_safe);\n                               lock(later_unsafe);\n"
                           "  <Interrupt>\n    lock(irq_safe);\n",
                           "the shortest dependencies between 2nd lock and 1st lock:\n", "IN-HARDIRQ-W at:\n",
                           "HARDIRQ-ON-W at:\n", "... key      at: [<", "... acquired at:\n"})
    EXPECT_NE(t.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << t;
}

// With a longer path the scenario names the search root's neighbour as the
// middle lock, as the kernel does: safe --> (what safe took) --> unsafe.
TEST(IrqReportText, IrqInversionChainExistsOf) {
  lockdep_test::report_capture cap;
  lockdep::spinlock s{"chain_safe"};
  lockdep::spinlock m1{"chain_m1"};
  lockdep::spinlock m2{"chain_m2"};
  lockdep::spinlock u{"chain_unsafe"};
  u.lock();  // unsafe first
  u.unlock();
  {
    lockdep::irq_disabled_scope off;
    s.lock();
    m1.lock();
    m1.unlock();
    s.unlock();
    m1.lock();
    m2.lock();
    m2.unlock();
    m1.unlock();
    m2.lock();
    u.lock();
    u.unlock();
    m2.unlock();
  }
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
  {
    lockdep::hardirq_scope hard;
    s.lock();  // forwards search: s -> m1 -> m2 -> u (HARDIRQ-ON-W)
    s.unlock();
  }
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, report_kind::irq_lock_inversion);
  EXPECT_EQ(reports[0].chain.size(), 4u);
  const std::string& t = reports[0].text;
  for (const char* line : {"but this lock took another, HARDIRQ-unsafe lock in the past:\n",
                           "Chain exists of:\n  chain_safe --> chain_m1 --> chain_unsafe\n",
                           "                               lock(chain_safe);\n                               lock(chain_m1);\n"})
    EXPECT_NE(t.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << t;
}

}  // namespace

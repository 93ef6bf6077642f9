// Every report kind the core produces without irq contexts, each from the
// smallest program that triggers it (kernel-lockdep.md §1.1-1.10, §5.2).
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "core_test_util.hpp"
#include "lockdep/lockdep.hpp"

using core_test::contains;
using core_test::counting_lock;
using lockdep::report_kind;

namespace {

// Lock pairs in the given order and release them (the kernel's LU2).
template <class A, class B>
void lock_both(A& first, B& second) {
  std::lock_guard<A> g1(first);
  std::lock_guard<B> g2(second);
}

}  // namespace

// ---- recursive locking -------------------------------------------------------

TEST(CoreReports, RecursiveLockingSameInstance) {
  lockdep_test::report_capture cap;
  // A lock_map, since re-locking a real mutex would really deadlock.
  lockdep::lock_map m{"rec_same"};
  lockdep::lock_acquire(m);
  lockdep::lock_acquire(m);
  lockdep::lock_release(m);
  lockdep::lock_release(m);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::recursive_locking);
  ASSERT_EQ(r.classes.size(), 2u);
  EXPECT_EQ(r.classes[0].name, "rec_same");
  EXPECT_EQ(r.classes[1].name, "rec_same");
  EXPECT_TRUE(contains(r.text, "WARNING: possible recursive locking detected"));
  EXPECT_TRUE(contains(r.text, "  lock(rec_same);\n  lock(rec_same);\n"));
  EXPECT_TRUE(contains(r.text, " May be due to missing lock nesting notation"));
  // Both acquisitions were recorded as held when the report was made.
  EXPECT_EQ(r.held_locks.size(), 1u);
}

namespace {
// Two objects of one type: one class (the member's construction site).
struct account {
  lockdep::mutex mu{"account::mu"};
};
}  // namespace

TEST(CoreReports, RecursiveLockingTwoInstancesOfOneClass) {
  lockdep_test::report_capture cap;
  account x, y;
  lock_both(x.mu, y.mu);  // X1 then X2: AA-deadlock on the class
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::recursive_locking);
  ASSERT_EQ(r.classes.size(), 2u);
  EXPECT_EQ(r.classes[0].name, "account::mu");
  EXPECT_EQ(r.classes[1].name, "account::mu");
  ASSERT_EQ(r.held_locks.size(), 1u);
  EXPECT_EQ(r.held_locks[0].instance, static_cast<const void*>(&x.mu.lockdep_map()));
}

// ---- circular dependencies ---------------------------------------------------

TEST(CoreReports, CircularAbba) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"abba_a"};
  lockdep::mutex b{"abba_b"};
  lock_both(a, b);
  EXPECT_EQ(cap.count(), 0u);
  lock_both(b, a);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::circular_dependency);
  ASSERT_EQ(r.classes.size(), 2u);
  EXPECT_EQ(r.classes[0].name, "abba_a");  // being acquired
  EXPECT_EQ(r.classes[1].name, "abba_b");  // held
  // The cycle, printed from the held lock (#1) down to the new one (#0).
  ASSERT_EQ(r.chain.size(), 2u);
  EXPECT_EQ(r.chain[0].cls.name, "abba_b");
  EXPECT_EQ(r.chain[0].depth, 1);
  EXPECT_EQ(r.chain[1].cls.name, "abba_a");
  EXPECT_EQ(r.chain[1].depth, 0);
  EXPECT_FALSE(r.chain[0].trace.empty());  // where a -> b was learnt
  EXPECT_TRUE(contains(r.text, "\n-> #1 (abba_b){"));
  EXPECT_TRUE(contains(r.text, "\n-> #0 (abba_a){"));
  EXPECT_FALSE(contains(r.text, "Chain exists of:"));  // a single edge
  EXPECT_TRUE(contains(r.text, "       CPU0                    CPU1\n"));
  EXPECT_TRUE(contains(r.text,
                       "  lock(abba_b);\n"
                       "                               lock(abba_a);\n"
                       "                               lock(abba_b);\n"
                       "  lock(abba_a);\n"));
}

TEST(CoreReports, CircularThreeLocks) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"c3_a"};
  lockdep::mutex b{"c3_b"};
  lockdep::mutex c{"c3_c"};
  lock_both(a, b);
  lock_both(b, c);
  EXPECT_EQ(cap.count(), 0u);
  lock_both(c, a);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::circular_dependency);
  EXPECT_EQ(r.classes[0].name, "c3_a");
  EXPECT_EQ(r.classes[1].name, "c3_c");
  ASSERT_EQ(r.chain.size(), 3u);
  EXPECT_EQ(r.chain[0].cls.name, "c3_c");
  EXPECT_EQ(r.chain[1].cls.name, "c3_b");
  EXPECT_EQ(r.chain[2].cls.name, "c3_a");
  EXPECT_EQ(r.chain[0].depth, 2);
  EXPECT_TRUE(contains(r.text, "\n-> #2 (c3_c){"));
  EXPECT_TRUE(contains(r.text, "\n-> #1 (c3_b){"));
  EXPECT_TRUE(contains(r.text, "\n-> #0 (c3_a){"));
  EXPECT_TRUE(contains(r.text, "Chain exists of:\n  c3_a --> c3_b --> c3_c\n"));
  EXPECT_TRUE(contains(r.text,
                       "  lock(c3_c);\n"
                       "                               lock(c3_b);\n"
                       "                               lock(c3_c);\n"
                       "  lock(c3_a);\n"));
}

TEST(CoreReports, CircularFourLocks) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"c4_a"};
  lockdep::mutex b{"c4_b"};
  lockdep::mutex c{"c4_c"};
  lockdep::mutex d{"c4_d"};
  lock_both(a, b);
  lock_both(b, c);
  lock_both(c, d);
  EXPECT_EQ(cap.count(), 0u);
  lock_both(d, a);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::circular_dependency);
  EXPECT_EQ(r.classes[0].name, "c4_a");
  EXPECT_EQ(r.classes[1].name, "c4_d");
  ASSERT_EQ(r.chain.size(), 4u);
  const char* expected[] = {"c4_d", "c4_c", "c4_b", "c4_a"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(r.chain[i].cls.name, expected[i]);
    EXPECT_EQ(r.chain[i].depth, 3 - i);
  }
  EXPECT_TRUE(contains(r.text, "\n-> #3 (c4_d){"));
  // The kernel's scenario names next, the class before prev, and prev.
  EXPECT_TRUE(contains(r.text, "Chain exists of:\n  c4_a --> c4_c --> c4_d\n"));
}

// ---- unlock balance ----------------------------------------------------------

TEST(CoreReports, BadUnlockBalanceOnLockMap) {
  lockdep_test::report_capture cap;
  lockdep::lock_map m{"unbalanced_map"};
  lockdep::lock_acquire(m);
  EXPECT_TRUE(lockdep::lock_release(m));
  EXPECT_FALSE(lockdep::lock_release(m));  // double unlock
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::bad_unlock_balance);
  ASSERT_EQ(r.classes.size(), 1u);
  EXPECT_EQ(r.classes[0].name, "unbalanced_map");
  EXPECT_TRUE(contains(r.text, "is trying to release lock (unbalanced_map) at:"));
  EXPECT_TRUE(contains(r.text, "but there are no more locks to release!"));
}

TEST(CoreReports, BadUnlockBalanceWrapperSkipsRealUnlock) {
  lockdep_test::report_capture cap;
  lockdep::tracked<counting_lock> l{"unbalanced_wrapped"};
  l.unlock();  // never locked
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::bad_unlock_balance);
  EXPECT_EQ(cap.first().classes.at(0).name, "unbalanced_wrapped");
  EXPECT_EQ(l.native().unlocks, 0);  // passing it on would be UB for a real lock
  l.lock();
  l.unlock();
  EXPECT_EQ(l.native().unlocks, 1);
  EXPECT_EQ(cap.count(), 1u);
}

// lockdep's condition-variable support is std::condition_variable_any over
// its wrappers: a wait on a mutex not held is reported at the wait (the
// wait's own unlock), and since the wait re-locks it, the unlock after the
// wait is balanced (as lockdep-run does for pthread_cond_wait).
TEST(CoreReports, ConditionWaitOnAMutexNotHeldIsReportedAtTheWait) {
  lockdep_test::report_capture cap;
  lockdep::mutex mu{"cv_not_held_mu"};
  std::condition_variable_any cv;
  cv.wait_for(mu, std::chrono::milliseconds(1));
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::bad_unlock_balance);
  EXPECT_EQ(r.classes.at(0).name, "cv_not_held_mu");
  // at: the wait (this test's body, or the wait itself when not inlined)
  const std::string at_line = core_test::at_line(r.text, "cv_not_held_mu");
  ASSERT_FALSE(at_line.empty()) << r.text;
  EXPECT_TRUE(contains(at_line, "ConditionWaitOnAMutexNotHeldIsReportedAtTheWait") ||
              contains(at_line, "condition_variable_any"))
      << at_line;
  mu.unlock();  // held since the wait returned
  EXPECT_EQ(cap.count(), 1u);
}

TEST(CoreReports, BadUnlockBalanceOfTwoNeverLockedClassesIsTwoProblems) {
  lockdep_test::report_capture cap;
  lockdep::lock_map first{"never_locked_1"};
  lockdep::lock_map second{"never_locked_2"};
  EXPECT_FALSE(lockdep::lock_release(first));
  EXPECT_FALSE(lockdep::lock_release(second));  // another class: another report
  EXPECT_FALSE(lockdep::lock_release(first));   // the same problem again: not
  ASSERT_EQ(cap.count(), 2u);
  EXPECT_EQ(cap.reports()[0].classes.at(0).name, "never_locked_1");
  EXPECT_EQ(cap.reports()[1].classes.at(0).name, "never_locked_2");
}

// ---- freeing a held lock -----------------------------------------------------

TEST(CoreReports, HeldLockFreedHeapLockMap) {
  lockdep_test::report_capture cap;
  auto* m = new lockdep::lock_map("freed_map");
  lockdep::lock_acquire(*m);
  const void* where = m;
  delete m;
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::held_lock_freed);
  EXPECT_EQ(r.classes.at(0).name, "freed_map");
  ASSERT_EQ(r.held_locks.size(), 1u);
  EXPECT_EQ(r.held_locks[0].instance, where);
  EXPECT_TRUE(contains(r.text, "with a lock still held there!"));
  // The freed lock left the held stack: nothing held now.
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(), 1u);
}

TEST(CoreReports, HeldLockFreedWrapper) {
  lockdep_test::report_capture cap;
  {
    auto l = std::make_unique<lockdep::tracked<counting_lock>>("freed_wrapped");
    l->lock();
  }  // destroyed while locked; counting_lock does not mind
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::held_lock_freed);
  EXPECT_EQ(cap.first().classes.at(0).name, "freed_wrapped");
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(), 1u);
}

// ---- locks held at thread exit -------------------------------------------------

TEST(CoreReports, LocksHeldAtThreadExit) {
  lockdep_test::report_capture cap;
  lockdep::lock_map m{"leaked_at_exit"};
  std::thread t([&] { lockdep::lock_acquire(m); });
  t.join();
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::locks_held_at_exit);
  ASSERT_EQ(r.held_locks.size(), 1u);
  EXPECT_EQ(r.held_locks[0].cls.name, "leaked_at_exit");
  EXPECT_TRUE(contains(r.text, "still has locks held!"));
  EXPECT_TRUE(contains(r.text, "1 lock held by "));
}

// ---- nest lock not taken ---------------------------------------------------------

TEST(CoreReports, NestedLockNotTaken) {
  lockdep_test::report_capture cap;
  lockdep::lock_map outer{"nest_outer"};
  lockdep::lock_map inner{"nest_inner"};
  lockdep::lock_acquire(inner, lockdep::read_mode::exclusive, false, -1, &outer);
  lockdep::lock_release(inner);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::nested_lock_not_taken);
  EXPECT_EQ(r.classes.at(0).name, "nest_inner");
  EXPECT_TRUE(contains(r.text, "but this task is not holding:\nnest_outer\n"));
}

// ---- bad lock usage --------------------------------------------------------------

TEST(CoreReports, BadLockUsageSubclassOutOfRange) {
  lockdep_test::report_capture cap;
  lockdep::lock_map m{"bad_subclass"};
  lockdep::lock_acquire(m, lockdep::read_mode::exclusive, false, 9);
  EXPECT_TRUE(lockdep::is_held(m));  // clamped and performed
  lockdep::lock_release(m);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::bad_lock_usage);
  EXPECT_EQ(r.classes.at(0).name, "bad_subclass");
  EXPECT_TRUE(contains(r.detail, "invalid subclass"));
}

TEST(CoreReports, BadLockUsageAcquireDestroyedLockMap) {
  lockdep_test::report_capture cap;
  // Raw storage we own, so touching the dead object reads our own bytes.
  alignas(lockdep::lock_map) unsigned char storage[sizeof(lockdep::lock_map)];
  auto* m = new (storage) lockdep::lock_map("destroyed_map");
  m->~lock_map();
  lockdep::lock_acquire(*m);
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::bad_lock_usage);
  EXPECT_TRUE(contains(cap.first().detail, "destroyed"));
  // Refused: nothing was pushed.
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(), 1u);
}

TEST(CoreReports, BadLockUsageAcquireNeverConstructedLockMap) {
  lockdep_test::report_capture cap;
  // Bytes that never held a lock_map: the key field is a wild pointer that
  // lockdep must not follow (it would crash the program it reports on).
  alignas(lockdep::lock_map) unsigned char storage[sizeof(lockdep::lock_map)];
  std::memset(storage, 0xa5, sizeof storage);
  auto* m = reinterpret_cast<lockdep::lock_map*>(storage);
  lockdep::lock_acquire(*m);
  EXPECT_FALSE(lockdep::lock_release(*m));
  ASSERT_GE(cap.count(report_kind::bad_lock_usage), 1u);
  const lockdep::report& r = cap.first();
  EXPECT_TRUE(contains(r.detail, "never constructed")) << r.text;
  EXPECT_TRUE(r.classes.empty()) << r.text;
  EXPECT_TRUE(contains(r.text, "instance ")) << r.text;
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(report_kind::assertion_failed), 0u);
}
TEST(CoreReports, BadLockUsageUnregisterKeyWhileHeld) {
  lockdep_test::report_capture cap;
  lockdep::lock_class_key key{"dyn_held"};
  lockdep::register_key(key);
  {
    lockdep::lock_map m{key};
    lockdep::lock_acquire(m);
    EXPECT_FALSE(lockdep::unregister_key(key));  // refused
    ASSERT_EQ(cap.count(), 1u);
    EXPECT_EQ(cap.first().kind, report_kind::bad_lock_usage);
    EXPECT_TRUE(contains(cap.first().detail, "refused"));
    EXPECT_TRUE(lockdep::is_held(m));  // still tracked as held
    lockdep::lock_release(m);
  }
  EXPECT_TRUE(lockdep::unregister_key(key));
  EXPECT_EQ(cap.count(), 1u);
}

// ---- assertions -------------------------------------------------------------------

TEST(CoreReports, AssertHeldOnUnheldLock) {
  lockdep_test::report_capture cap;
  lockdep::mutex mu{"asserted_mu"};
  mu.assert_held();
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::assertion_failed);
  EXPECT_EQ(r.classes.at(0).name, "asserted_mu");
  // Held: silent.
  std::lock_guard<lockdep::mutex> g(mu);
  mu.assert_held();
  EXPECT_EQ(cap.count(), 1u);
}

TEST(CoreReports, ReportsDroppedByAFullQueueAreToldOnce) {
  lockdep_test::report_capture cap;
  // Inside a signal handler scope reports are queued, not delivered; the
  // queue holds a few, so many distinct ones overflow it.
  constexpr int kReports = 80;
  const auto dropped_before = lockdep::get_statistics().dropped;
  std::vector<std::unique_ptr<lockdep::scoped_key>> keys;
  std::vector<std::unique_ptr<lockdep::lock_map>> maps;
  for (int i = 0; i < kReports; ++i) {
    keys.push_back(std::make_unique<lockdep::scoped_key>("queued_assert"));
    maps.push_back(std::make_unique<lockdep::lock_map>(keys.back()->get()));
  }
  {
    lockdep::signal_handler_scope in_handler;
    for (auto& m : maps) lockdep::assert_held(*m);  // one distinct report each (distinct keys)
  }
  lockdep::flush_reports();
  const std::size_t delivered = cap.count(report_kind::assertion_failed);
  ASSERT_GT(delivered, 0u);
  ASSERT_LT(delivered, static_cast<std::size_t>(kReports));
  const std::string told = std::to_string(kReports - delivered) + " earlier report(s) were dropped";
  EXPECT_EQ(lockdep::get_statistics().dropped - dropped_before, kReports - delivered);
  int telling = 0;
  for (const auto& r : cap.reports()) telling += contains(r.text, "were dropped") ? 1 : 0;
  EXPECT_EQ(telling, 1);
  EXPECT_TRUE(contains(cap.first().text, told)) << cap.first().text;
  // A later report does not repeat the old news.
  lockdep::lock_map later{"after_the_drop"};
  lockdep::assert_held(later);
  ASSERT_EQ(cap.count(report_kind::assertion_failed), delivered + 1);
  EXPECT_FALSE(contains(cap.reports().back().text, "were dropped")) << cap.reports().back().text;
  // A dropped report was not remembered as told: when it recurs, it is.
  lockdep::assert_held(*maps.back());
  ASSERT_EQ(cap.count(report_kind::assertion_failed), delivered + 2);
  EXPECT_EQ(cap.reports().back().classes.at(0).name.rfind("queued_assert", 0), 0u);
  // And one that was delivered stays told once.
  lockdep::assert_held(*maps.front());
  EXPECT_EQ(cap.count(report_kind::assertion_failed), delivered + 2);
}

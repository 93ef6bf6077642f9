// Locks lockdep took without tracking them (validation_off, an unregistered
// key, dropped at an irq exit, re-locked past any small counter): their
// unlock is no misuse, and the wrapper must still unlock the real lock, or
// the program under test deadlocks. Real wrappers, real locks, used
// correctly by the program; checked from another thread with try_lock.
#include <thread>

#include "hostile_support.hpp"

namespace {

using lockdep::report_kind;

template <class M>
bool another_thread_can_lock(M& m) {
  bool got = false;
  std::thread([&] {
    got = m.try_lock();
    if (got) m.unlock();
  }).join();
  return got;
}

TEST(HostileUntracked, LockTakenInsideValidationOffIsUnlockedAfterIt) {
  lockdep_test::report_capture cap;
  lockdep::mutex m{"untracked_off"};
  {
    lockdep::validation_off off;
    m.lock();
  }
  m.unlock();
  EXPECT_TRUE(another_thread_can_lock(m));
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
  hostile::expect_abba_still_detected(cap);
}

TEST(HostileUntracked, LockWithAnUnregisteredKeyIsReportedOnceAndStillUnlocked) {
  lockdep_test::report_capture cap;
  auto* key = new lockdep::lock_class_key{"untracked_unregistered"};
  lockdep::register_key(*key);
  {
    lockdep::mutex m{*key};
    ASSERT_TRUE(lockdep::unregister_key(*key));
    m.lock();  // reported: the key is gone
    m.unlock();
    EXPECT_TRUE(another_thread_can_lock(m));
  }
  ASSERT_EQ(cap.count(), 1u) << cap.first().text;
  EXPECT_EQ(cap.first().kind, report_kind::bad_lock_usage);
  delete key;
  hostile::expect_abba_still_detected(cap);
}

TEST(HostileUntracked, LockStillHeldAtIrqExitIsUnlockedLater) {
  lockdep_test::report_capture cap;
  lockdep::spinlock s{"untracked_irq_exit"};
  lockdep::hardirq_enter();
  s.lock();
  lockdep::hardirq_exit();  // reported: leaving with a lock held; dropped
  ASSERT_EQ(cap.count(), 1u) << cap.first().text;
  s.unlock();
  EXPECT_EQ(cap.count(), 1u) << "the later unlock is no bad unlock: " << cap.reports().back().text;
  EXPECT_TRUE(another_thread_can_lock(s));
  hostile::expect_abba_still_detected(cap);
}

TEST(HostileUntracked, RecursiveMutexRelockedPastSixteenBits) {
  lockdep_test::report_capture cap;
  lockdep::recursive_mutex m{"untracked_deep_recursion"};
  constexpr int k_times = 70000;
  for (int i = 0; i < k_times; ++i) m.lock();
  for (int i = 0; i < k_times; ++i) m.unlock();
  EXPECT_TRUE(another_thread_can_lock(m));
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

// An untracked attempt that failed (a timed lock that timed out) leaves the
// set too: a later unlock of that lock, never taken, is a bad unlock.
TEST(HostileUntracked, AFailedUntrackedAttemptIsForgotten) {
  lockdep_test::report_capture cap;
  lockdep::lock_map m{"untracked_failed_attempt"};
  {
    lockdep::validation_off off;
    lockdep::lock_acquire(m);
    lockdep::lock_acquire_failed(m);
  }
  EXPECT_FALSE(lockdep::lock_release(m));
  EXPECT_EQ(cap.count(report_kind::bad_unlock_balance), 1u);
}

// A lock destroyed while in the untracked set leaves it: a new lock at the
// same address, never locked, is still a bad unlock.
TEST(HostileUntracked, ADestroyedUntrackedLockIsForgotten) {
  lockdep_test::report_capture cap;
  alignas(lockdep::lock_map) unsigned char storage[sizeof(lockdep::lock_map)];
  auto* first = new (storage) lockdep::lock_map{"untracked_first"};
  {
    lockdep::validation_off off;
    lockdep::lock_acquire(*first);
  }
  first->~lock_map();
  auto* second = new (storage) lockdep::lock_map{"untracked_second"};
  EXPECT_FALSE(lockdep::lock_release(*second));
  EXPECT_EQ(cap.count(report_kind::bad_unlock_balance), 1u);
  second->~lock_map();
}

}  // namespace

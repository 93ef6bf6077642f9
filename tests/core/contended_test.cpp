// How tracked<M>::lock() and lock_shared() reach the real lock. While wait
// tracking is off (the default) they call M's blocking lock directly, as a
// bare M would: a try_lock first would be one more failed read-modify-write
// on a contended lock's cache line. With tracking on (set_wait_tracking,
// lock_stat) they try first, and only a failed try is a wait lockdep shows.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <shared_mutex>
#include <thread>

#include "core_test_util.hpp"
#include "lockdep/lockdep.hpp"

namespace {

using namespace std::chrono_literals;

// A shared mutex that counts how it was asked for; its try_lock* can be made
// to fail as if another thread held it.
class counting_lock {
 public:
  void lock() { ++locks, m_.lock(); }
  bool try_lock() { return ++tries, !fail_tries && m_.try_lock(); }
  void unlock() { m_.unlock(); }
  void lock_shared() { ++locks, m_.lock_shared(); }
  bool try_lock_shared() { return ++tries, !fail_tries && m_.try_lock_shared(); }
  void unlock_shared() { m_.unlock_shared(); }

  int locks = 0;
  int tries = 0;
  bool fail_tries = false;

 private:
  std::shared_mutex m_;
};

TEST(CoreContended, LockGoesStraightToTheRealLockWhileWaitsAreNotTracked) {
  lockdep_test::report_capture cap;
  lockdep::tracked<counting_lock> l{"ct_untracked"};
  l.lock();
  l.unlock();
  l.lock_shared();
  l.unlock_shared();
  EXPECT_EQ(l.native().locks, 2);
  EXPECT_EQ(l.native().tries, 0);
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreContended, TrackedWaitsTryFirstAndBlockOnlyWhenTheTryFails) {
  lockdep_test::report_capture cap;
  lockdep::set_wait_tracking(true);
  lockdep::tracked<counting_lock> l{"ct_tracked"};
  l.lock();  // uncontended: the try succeeds, no wait
  l.unlock();
  EXPECT_EQ(l.native().tries, 1);
  EXPECT_EQ(l.native().locks, 0);
  l.native().fail_tries = true;  // as if contended: try, then block in lock()
  l.lock();
  l.unlock();
  l.lock_shared();
  l.unlock_shared();
  lockdep::set_wait_tracking(false);
  EXPECT_EQ(l.native().tries, 3);
  EXPECT_EQ(l.native().locks, 2);
  EXPECT_EQ(cap.count(), 0u);
}

// lock_stat needs the tracked path (hold times, contentions): turning it on
// turns wait tracking on, and off again with it.
TEST(CoreContended, LockStatTakesTheTrackedPath) {
  lockdep_test::report_capture cap;
  lockdep::tracked<counting_lock> l{"ct_lock_stat"};
  lockdep::set_lock_stat(true);
  l.lock();
  l.unlock();
  lockdep::set_lock_stat(false);
  EXPECT_EQ(l.native().tries, 1);
  l.lock();
  l.unlock();
  EXPECT_EQ(l.native().tries, 1);
  EXPECT_EQ(l.native().locks, 1);
  EXPECT_EQ(cap.count(), 0u);
}

// Untracked, a real contended wait still works and leaves no trace: the
// waiter is not listed as blocked, and nothing is reported.
TEST(CoreContended, UntrackedContendedLockWaitsAndIsNotListed) {
  lockdep_test::report_capture cap;
  lockdep::mutex m{"ct_contended"};
  std::unique_lock hold(m);
  std::atomic<bool> started{false}, done{false};
  std::thread waiter([&] {
    started = true;
    std::lock_guard g(m);
    done = true;
  });
  while (!started) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(done);
  EXPECT_FALSE(core_test::contains(lockdep::all_locks_text(), "blocked on:"));
  hold.unlock();
  waiter.join();
  EXPECT_TRUE(done);
  EXPECT_EQ(cap.count(), 0u);
}

}  // namespace

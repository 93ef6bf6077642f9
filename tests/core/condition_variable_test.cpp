// lockdep::condition_variable: waits on the native mutex inside a
// lockdep::mutex and tells lockdep of the release and re-acquisition.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "core_test_util.hpp"
#include "lockdep/condition_variable.hpp"
#include "lockdep/lockdep.hpp"

using core_test::contains;
using lockdep::report_kind;
using namespace std::chrono_literals;

namespace {

// Two threads hand a token back and forth through one mutex and one
// condition variable, with the predicate form: no report, every hand-off seen.
TEST(ConditionVariable, TokenHandOffBetweenTwoThreadsIsSilent) {
  lockdep_test::report_capture cap;
  lockdep::mutex mu{"cv_token_mu"};
  lockdep::condition_variable cv;
  int turn = 0;  // 0: main, 1: the other thread
  constexpr int k_rounds = 1000;
  std::thread other([&] {
    for (int i = 0; i < k_rounds; ++i) {
      std::unique_lock<lockdep::mutex> lock(mu);
      cv.wait(lock, [&] { return turn == 1; });
      turn = 0;
      cv.notify_one();
    }
  });
  for (int i = 0; i < k_rounds; ++i) {
    std::unique_lock<lockdep::mutex> lock(mu);
    cv.wait(lock, [&] { return turn == 0; });
    turn = 1;
    cv.notify_one();
  }
  {
    std::unique_lock<lockdep::mutex> lock(mu);
    cv.wait(lock, [&] { return turn == 0; });
  }
  other.join();
  EXPECT_EQ(cap.count(), 0u);
}

// While waiting the mutex is released, for lockdep too: another thread takes
// it (only possible while the waiter waits), sets the flag and notifies; the
// waiter holds it again afterwards, and nothing is reported.
template <class Lock>
void hand_off_through_wait() {
  lockdep_test::report_capture cap;
  lockdep::mutex mu{"cv_handoff_mu"};
  lockdep::condition_variable cv;
  bool ready = false;
  Lock lock(mu);
  std::thread other([&] {
    Lock g(mu);
    ready = true;
    cv.notify_one();
  });
  EXPECT_TRUE(cv.wait_for(lock, 30s, [&] { return ready; }));
  EXPECT_TRUE(lockdep::is_held(mu.lockdep_map()));
  lock.unlock();
  other.join();
  EXPECT_EQ(cap.count(), 0u);
}

// lockdep::unique_lock (guard.hpp, for -Wthread-safety) works as well as
// std::unique_lock; a lock of another mutex type does not compile.
static_assert(lockdep::internal::lock_of_lockdep_mutex<std::unique_lock<lockdep::mutex>>);
static_assert(lockdep::internal::lock_of_lockdep_mutex<lockdep::unique_lock<lockdep::mutex>>);
static_assert(!lockdep::internal::lock_of_lockdep_mutex<std::unique_lock<std::mutex>>);

TEST(ConditionVariable, WaitsWithTheAnnotatedUniqueLock) {
  hand_off_through_wait<lockdep::unique_lock<lockdep::mutex>>();
}

// The wait returns with the mutex held, and lockdep knows it: a lock taken
// after the wait is ordered after the mutex, so the reverse order is reported.
TEST(ConditionVariable, MutexIsHeldAgainAfterTheWaitAsFarAsLockdepKnows) {
  lockdep_test::report_capture cap;
  lockdep::mutex mu{"cv_held_mu"};
  lockdep::mutex inner{"cv_held_inner"};
  lockdep::condition_variable cv;
  {
    std::unique_lock<lockdep::mutex> lock(mu);
    EXPECT_EQ(cv.wait_for(lock, 1ms), std::cv_status::timeout);
    EXPECT_TRUE(lock.owns_lock());
    EXPECT_TRUE(lockdep::is_held(mu.lockdep_map()));
    std::lock_guard<lockdep::mutex> g(inner);  // learns mu -> inner
  }
  EXPECT_FALSE(lockdep::is_held(mu.lockdep_map()));
  EXPECT_EQ(cap.count(), 0u);
  {
    std::lock_guard<lockdep::mutex> g(inner);
    std::lock_guard<lockdep::mutex> h(mu);  // inner -> mu: the inversion
  }
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
}

TEST(ConditionVariable, MutexIsReleasedDuringTheWait) {
  hand_off_through_wait<std::unique_lock<lockdep::mutex>>();
}

// A wait on a mutex not held is reported at the wait, once, as bad unlock
// balance naming the mutex; the wait then takes the mutex, so it is held on
// return and the unlock after it is balanced (as std::condition_variable_any).
TEST(ConditionVariable, WaitOnAMutexNotHeldIsReportedAtTheWait) {
  lockdep_test::report_capture cap;
  lockdep::mutex mu{"cv_not_held_mu2"};
  lockdep::condition_variable cv;
  std::unique_lock<lockdep::mutex> lock(mu, std::defer_lock);
  EXPECT_EQ(cv.wait_for(lock, 1ms), std::cv_status::timeout);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::bad_unlock_balance);
  EXPECT_EQ(r.classes.at(0).name, "cv_not_held_mu2");
  const std::string at = core_test::at_line(r.text, "cv_not_held_mu2");
  ASSERT_FALSE(at.empty()) << r.text;
  EXPECT_TRUE(contains(at, "WaitOnAMutexNotHeldIsReportedAtTheWait")) << at;
  EXPECT_TRUE(lockdep::is_held(mu.lockdep_map()));
  mu.unlock();  // held since the wait returned
  EXPECT_EQ(cap.count(), 1u);
  EXPECT_TRUE(mu.try_lock());  // and really unlocked
  mu.unlock();
}

// Near miss: the same wait with the mutex held stays silent.
TEST(ConditionVariable, TimedWaitOnAHeldMutexIsSilent) {
  lockdep_test::report_capture cap;
  lockdep::mutex mu{"cv_held_timed_mu"};
  lockdep::condition_variable cv;
  std::unique_lock<lockdep::mutex> lock(mu);
  EXPECT_EQ(cv.wait_until(lock, std::chrono::steady_clock::now() + 1ms), std::cv_status::timeout);
  EXPECT_EQ(cv.wait_until(lock, std::chrono::system_clock::now() + 1ms), std::cv_status::timeout);
  lock.unlock();
  EXPECT_EQ(cap.count(), 0u);
}

// Timed waits with predicates: false on a timeout with the predicate still
// false, true as soon as it holds (without waiting when it already does).
TEST(ConditionVariable, TimedPredicateWaitsReturnThePredicate) {
  lockdep_test::report_capture cap;
  lockdep::mutex mu{"cv_pred_mu"};
  lockdep::condition_variable cv;
  bool flag = false;
  std::unique_lock<lockdep::mutex> lock(mu);
  EXPECT_FALSE(cv.wait_for(lock, 2ms, [&] { return flag; }));
  EXPECT_FALSE(cv.wait_until(lock, std::chrono::steady_clock::now() + 2ms, [&] { return flag; }));
  EXPECT_TRUE(lock.owns_lock());
  flag = true;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(cv.wait_for(lock, 10s, [&] { return flag; }));
  EXPECT_TRUE(cv.wait_until(lock, std::chrono::steady_clock::now() + 10s, [&] { return flag; }));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  std::thread other([&] {
    std::lock_guard<lockdep::mutex> g(mu);
    flag = false;
    cv.notify_all();
  });
  EXPECT_TRUE(cv.wait_for(lock, 10s, [&] { return !flag; }));
  lock.unlock();
  other.join();
  EXPECT_EQ(cap.count(), 0u);
}

}  // namespace

// The generic wrapper tracked<M, Traits> over several kinds of real lock:
// the standard one, a raw pthread mutex of our own, a user type with its own
// method names (custom lock_traits), and absl::Mutex.
#include <gtest/gtest.h>
#include <pthread.h>

#include <mutex>
#include <shared_mutex>

#include "absl/synchronization/mutex.h"
#include "core_test_util.hpp"
#include "lockdep/absl_mutex.hpp"
#include "lockdep/lockdep.hpp"

using lockdep::report_kind;

namespace {

template <class L>
void expect_abba_reported(L& a, L& b, const char* a_name, const char* b_name) {
  lockdep_test::report_capture cap;
  {
    std::lock_guard<L> ga(a);
    std::lock_guard<L> gb(b);
  }
  EXPECT_EQ(cap.count(), 0u);
  {
    std::lock_guard<L> gb(b);
    std::lock_guard<L> ga(a);
  }
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
  EXPECT_EQ(cap.first().classes.at(0).name, a_name);
  EXPECT_EQ(cap.first().classes.at(1).name, b_name);
}

// A raw pthread mutex, Lockable by the standard spelling.
class pthread_lock {
 public:
  pthread_lock() = default;
  pthread_lock(const pthread_lock&) = delete;
  ~pthread_lock() { pthread_mutex_destroy(&m_); }
  void lock() { pthread_mutex_lock(&m_); }
  void unlock() { pthread_mutex_unlock(&m_); }
  bool try_lock() { return pthread_mutex_trylock(&m_) == 0; }

 private:
  pthread_mutex_t m_ = PTHREAD_MUTEX_INITIALIZER;
};

// A legacy lock with its own spelling; counts calls to show they happen
// (the wrapper may acquire through attempt() when uncontended).
class legacy_lock {
 public:
  void acquire() {
    m_.lock();
    ++acquired;
  }
  void release() {
    ++released;
    m_.unlock();
  }
  bool attempt() {
    if (!m_.try_lock()) return false;
    ++acquired;
    return true;
  }
  int acquired = 0, released = 0;  // by either path

 private:
  std::mutex m_;
};

}  // namespace

template <>
struct lockdep::lock_traits<legacy_lock> {
  static constexpr wait_type wait = wait_type::spin;
  static void lock(legacy_lock& l) { l.acquire(); }
  static void unlock(legacy_lock& l) { l.release(); }
  static bool try_lock(legacy_lock& l) { return l.attempt(); }
};

TEST(CoreWrappers, StdMutex) {
  lockdep::tracked<std::mutex> a{"w_std_a"};
  lockdep::tracked<std::mutex> b{"w_std_b"};
  expect_abba_reported(a, b, "w_std_a", "w_std_b");
}

TEST(CoreWrappers, RawPthreadMutex) {
  lockdep::tracked<pthread_lock> a{"w_pthread_a"};
  lockdep::tracked<pthread_lock> b{"w_pthread_b"};
  expect_abba_reported(a, b, "w_pthread_a", "w_pthread_b");
}

TEST(CoreWrappers, CustomLockTraits) {
  lockdep::tracked<legacy_lock> a{"w_legacy_a"};
  lockdep::tracked<legacy_lock> b{"w_legacy_b"};
  expect_abba_reported(a, b, "w_legacy_a", "w_legacy_b");
  EXPECT_EQ(a.native().acquired, 2);
  EXPECT_EQ(a.native().released, 2);
  ASSERT_TRUE(a.try_lock());
  a.unlock();
  EXPECT_EQ(a.native().acquired, 3);
  EXPECT_EQ(a.native().released, 3);
  // The traits' wait type reached the class: {2:2} like a spinlock.
  lockdep_test::report_capture cap;
  a.lock();
  lockdep::assert_held(b.lockdep_map());  // b is not held: a report naming b
  a.unlock();
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().held_locks.at(0).cls.wait_inner, 2);
}

TEST(CoreWrappers, AbslMutexInversionReportedByLockdep) {
  // Abseil's own detector would abort the process on this inversion.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  lockdep::tracked<absl::Mutex> a{"w_absl_a"};
  lockdep::tracked<absl::Mutex> b{"w_absl_b"};
  expect_abba_reported(a, b, "w_absl_a", "w_absl_b");
}

TEST(CoreWrappers, AbslMutexReadersAreNotRecursive) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  lockdep_test::report_capture cap;
  lockdep::tracked<absl::Mutex> x{"w_absl_rx"};
  lockdep::mutex y{"w_absl_y"};
  {
    std::shared_lock<lockdep::tracked<absl::Mutex>> rx(x);
    std::lock_guard<lockdep::mutex> gy(y);
  }
  {
    std::lock_guard<lockdep::mutex> gy(y);
    std::shared_lock<lockdep::tracked<absl::Mutex>> rx(x);  // RL(X) L(Y); L(Y) RL(X)
  }
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
  EXPECT_EQ(cap.first().classes.at(0).name, "w_absl_rx");
  EXPECT_EQ(cap.first().held_locks.size(), 1u);
  ASSERT_TRUE(x.try_lock_shared());
  x.unlock_shared();
  ASSERT_TRUE(x.try_lock());
  x.unlock();
}

// Per-thread state at the edges of a thread's life: locking inside C++
// thread_local destructors and inside pthread-key destructors, which run
// after lockdep's own teardown key may already have freed the state.
#include <gtest/gtest.h>
#include <pthread.h>

#include <mutex>
#include <thread>

#include "core/thread_state.hpp"
#include "lockdep/lockdep.hpp"
#include "support/report_capture.hpp"

namespace {

// Live per-thread states (a state leaked by a thread that exited stays in
// this list for good).
int live_thread_states() {
  int n = 0;
  lockdep::internal::for_each_thread([&](lockdep::internal::thread_state&) { ++n; });
  return n;
}

// Takes `second` then `first`: the inverse of the order the main thread
// establishes, so a working validator reports a circular dependency.
struct inverse_locker {
  lockdep::mutex* first = nullptr;
  lockdep::mutex* second = nullptr;
  ~inverse_locker() {
    if (!first) return;
    std::lock_guard g2(*second);
    std::lock_guard g1(*first);
  }
};

thread_local inverse_locker at_thread_exit;

void establish_order(lockdep::mutex& first, lockdep::mutex& second) {
  std::lock_guard g1(first);
  std::lock_guard g2(second);
}

TEST(ThreadExit, LockingInThreadLocalDestructorIsValidated) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"tls_dtor_a"};
  lockdep::mutex b{"tls_dtor_b"};
  establish_order(a, b);
  std::thread([&] {
    { std::lock_guard g(a); }  // this thread's lockdep state exists already
    at_thread_exit.first = &a;
    at_thread_exit.second = &b;
  }).join();
  EXPECT_EQ(cap.count(lockdep::report_kind::circular_dependency), 1u);
  EXPECT_EQ(cap.count(), 1u);
}

TEST(ThreadExit, FirstLockInThreadLocalDestructorCreatesState) {
  lockdep_test::report_capture cap;
  lockdep::mutex c{"tls_first_c"};
  lockdep::mutex d{"tls_first_d"};
  establish_order(c, d);
  std::thread([&] {
    at_thread_exit.first = &c;  // no lock before the destructor runs
    at_thread_exit.second = &d;
  }).join();
  EXPECT_EQ(cap.count(lockdep::report_kind::circular_dependency), 1u);
  EXPECT_EQ(cap.count(), 1u);
}

struct key_locks {
  lockdep::mutex* first;
  lockdep::mutex* second;
};

void lock_in_key_destructor(void* p) {
  auto* k = static_cast<key_locks*>(p);
  std::lock_guard g2(*k->second);
  std::lock_guard g1(*k->first);
}

// A pthread key created after lockdep's: its destructor may run after
// lockdep tore the thread's state down, and must still be validated
// (lockdep recreates the state and is torn down once more).
TEST(ThreadExit, LockingInLaterPthreadKeyDestructorIsValidated) {
  lockdep_test::report_capture cap;
  lockdep::mutex e{"key_dtor_e"};
  lockdep::mutex f{"key_dtor_f"};
  establish_order(e, f);  // lockdep's key exists from here on
  pthread_key_t key;
  ASSERT_EQ(pthread_key_create(&key, lock_in_key_destructor), 0);
  key_locks locks{&e, &f};
  const int states_before = live_thread_states();
  for (int round = 0; round < 3; ++round) {
    std::thread([&] {
      { std::lock_guard g(e); }
      pthread_setspecific(key, &locks);
    }).join();
  }
  pthread_key_delete(key);
  EXPECT_EQ(cap.count(lockdep::report_kind::circular_dependency), 1u);
  EXPECT_EQ(cap.count(), 1u);
  // The state recreated by the late destructor was torn down again.
  EXPECT_EQ(live_thread_states(), states_before);
}

// Many short threads: states are created and torn down without leaking into
// the thread list (a stale entry would be a freed state walked later).
TEST(ThreadExit, ManyShortThreadsLeaveNoHeldLocks) {
  lockdep_test::report_capture cap;
  lockdep::mutex g{"short_thread_g"};
  const int states_before = live_thread_states();
  for (int i = 0; i < 200; ++i) std::thread([&] { std::lock_guard l(g); }).join();
  EXPECT_EQ(live_thread_states(), states_before);
  // reset() walks every live thread state: refused if any claims a held lock.
  EXPECT_TRUE(lockdep::reset());
  EXPECT_EQ(cap.count(), 0u);
}

}  // namespace

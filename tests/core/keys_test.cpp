// Dynamic keys (lock_class_key.hpp): register_key / unregister_key /
// scoped_key, and what unregistering forgets.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core_test_util.hpp"
#include "lockdep/lockdep.hpp"

using core_test::contains;
using lockdep::report_kind;

template <class A, class B>
static void lock_both(A& first, B& second) {
  std::lock_guard<A> g1(first);
  std::lock_guard<B> g2(second);
}

TEST(CoreKeys, ScopedKeyGivesOneClassToItsLocks) {
  lockdep_test::report_capture cap;
  lockdep::scoped_key key{"dyn_pair"};
  lockdep::mutex first{key};
  lockdep::mutex second{key};
  lock_both(first, second);
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::recursive_locking);
  EXPECT_EQ(cap.first().classes.at(0).name, "dyn_pair");
}

TEST(CoreKeys, UnregisterForgetsDependencies) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"uk_a"};
  auto old_key = std::make_unique<lockdep::scoped_key>("uk_dyn");
  {
    lockdep::mutex d{*old_key};
    lock_both(a, d);  // a -> uk_dyn
  }
  // Twin with the key still registered: the inverse order fires.
  {
    lockdep::mutex d{*old_key};
    lockdep_test::report_capture inner(false);
    lock_both(d, a);
    EXPECT_EQ(inner.count(report_kind::circular_dependency), 1u);
  }
  cap.clear();
  ASSERT_TRUE(lockdep::reset());
  {
    lockdep::mutex d{*old_key};
    lock_both(a, d);  // relearn a -> uk_dyn after the reset
  }
  old_key.reset();  // unregisters: uk_dyn's class and its edges go
  lockdep::scoped_key new_key{"uk_dyn"};
  lockdep::mutex d2{new_key};
  lock_both(d2, a);
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreKeys, RegisterAndUnregisterExplicitly) {
  lockdep_test::report_capture cap;
  auto key = std::make_unique<lockdep::lock_class_key>("explicit_dyn");
  lockdep::register_key(*key);
  lockdep::mutex a{"ek_a"};
  {
    lockdep::mutex d{*key};
    lock_both(d, a);
  }
  EXPECT_TRUE(lockdep::unregister_key(*key));
  key.reset();  // its memory may now go away
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreKeys, AcquiringWithUnregisteredKeyIsReported) {
  lockdep_test::report_capture cap;
  lockdep::lock_class_key key{"gone_key"};
  lockdep::register_key(key);
  lockdep::lock_map m{key};
  lockdep::lock_acquire(m);
  lockdep::lock_release(m);
  ASSERT_TRUE(lockdep::unregister_key(key));
  lockdep::lock_acquire(m);  // refused: the key is gone
  EXPECT_FALSE(lockdep::is_held(m));
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::bad_lock_usage);
  EXPECT_TRUE(contains(cap.first().detail, "unregistered"));
}

TEST(CoreKeys, UnregisterIsSafeWhileOtherThreadsLock) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"churn_a"};
  lockdep::mutex b{"churn_b"};
  std::atomic<bool> stop{false};
  std::atomic<long> rounds{0};
  std::vector<std::thread> lockers;
  for (int t = 0; t < 2; ++t) {
    lockers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        lock_both(a, b);
        rounds.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  // Churn only while the lockers really run (a loaded machine may start
  // them late), for at least 300 rounds of each side.
  while (rounds.load() == 0) std::this_thread::yield();
  const long start = rounds.load();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  lockdep::mutex c{"churn_c"};
  for (int i = 0; (i < 300 || rounds.load() < start + 300) && std::chrono::steady_clock::now() < deadline; ++i) {
    lockdep::scoped_key key{"churn_dyn"};
    lockdep::mutex d{key};
    lock_both(c, d);
    lock_both(d, b);  // an edge into a class the other threads use
  }
  stop = true;
  for (auto& t : lockers) t.join();
  EXPECT_GE(rounds.load(), start + 300);
  EXPECT_EQ(cap.count(), 0u);
  // The static classes kept their edges: b -> a still closes a -> b.
  lock_both(b, a);
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
}

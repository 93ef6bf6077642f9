// Programs that look like lock-order problems but are not: lockdep must
// stay silent. Each has a twin in the report suites that does fire, so a
// validator that never reports cannot pass both.
#include <gtest/gtest.h>

#include <array>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "core_test_util.hpp"
#include "lockdep/lockdep.hpp"

using lockdep::report_kind;

TEST(CoreNearMiss, ConsistentOrderRepeatedIsSilent) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"nm_a"};
  lockdep::mutex b{"nm_b"};
  lockdep::mutex c{"nm_c"};
  for (int i = 0; i < 100; ++i) {
    std::lock_guard<lockdep::mutex> ga(a);
    std::lock_guard<lockdep::mutex> gb(b);
    if (i % 2) std::lock_guard<lockdep::mutex> gc(c);
  }
  std::thread t([&] {
    std::lock_guard<lockdep::mutex> ga(a);
    std::lock_guard<lockdep::mutex> gc(c);
  });
  t.join();
  EXPECT_EQ(cap.count(), 0u);
  // The twin: the inverse order does fire.
  {
    std::lock_guard<lockdep::mutex> gc(c);
    std::lock_guard<lockdep::mutex> ga(a);
  }
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
}

TEST(CoreNearMiss, TrylockReversalIsSilent) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"tl_a"};
  lockdep::mutex b{"tl_b"};
  {
    std::lock_guard<lockdep::mutex> ga(a);
    ASSERT_TRUE(b.try_lock());  // a trylock cannot wait, so it cannot deadlock
    b.unlock();
  }
  {
    std::lock_guard<lockdep::mutex> gb(b);
    std::lock_guard<lockdep::mutex> ga(a);
  }
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreNearMiss, LockNestedWithSubclassesIsSilent) {
  lockdep_test::report_capture cap;
  struct node {
    lockdep::mutex mu{"node::mu"};
  };
  node parent, child;
  for (int i = 0; i < 3; ++i) {
    std::lock_guard<lockdep::mutex> gp(parent.mu);
    child.mu.lock_nested(1);
    child.mu.unlock();
  }
  EXPECT_EQ(cap.count(), 0u);
  // Twin: without the annotation it is recursive locking.
  {
    std::lock_guard<lockdep::mutex> gp(parent.mu);
    std::lock_guard<lockdep::mutex> gc(child.mu);
  }
  EXPECT_EQ(cap.count(report_kind::recursive_locking), 1u);
}

TEST(CoreNearMiss, NestLockWithManySameClassLocksIsSilent) {
  lockdep_test::report_capture cap;
  lockdep::mutex table{"nl_table"};
  std::vector<std::unique_ptr<lockdep::mutex>> rows;
  for (int i = 0; i < 8; ++i) rows.push_back(std::make_unique<lockdep::mutex>("nl_row"));
  {
    std::lock_guard<lockdep::mutex> gt(table);
    for (auto& r : rows) r->lock_nest_lock(table);  // in one order...
    for (auto& r : rows) r->unlock();
  }
  {
    std::lock_guard<lockdep::mutex> gt(table);
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) (*it)->lock_nest_lock(table);  // ...and the other
    for (auto& r : rows) r->unlock();
  }
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreNearMiss, RecursiveReadersOnRwlockAreSilent) {
  lockdep_test::report_capture cap;
  lockdep::rwlock x1{"rr_x"};
  x1.lock_shared();
  x1.lock_shared();  // RL(X1); RL(X1): rwlock_t readers may recurse
  x1.unlock_shared();
  x1.unlock_shared();
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreNearMiss, ScopedLockOfTwoLocksIsSilent) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"sl_a"};
  lockdep::mutex b{"sl_b"};
  for (int i = 0; i < 4; ++i) {
    std::scoped_lock g(a, b);
  }
  { std::scoped_lock g(b, a); }
  // std::lock acquires the second lock with try_lock (backing off on
  // failure), so it never establishes an order that can deadlock.
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreNearMiss, RecursiveMutexRelockingOneInstanceIsSilent) {
  lockdep_test::report_capture cap;
  lockdep::recursive_mutex r{"rm"};
  lockdep::mutex inner{"rm_inner"};
  {
    std::lock_guard<lockdep::recursive_mutex> g1(r);
    std::lock_guard<lockdep::recursive_mutex> g2(r);
    std::lock_guard<lockdep::mutex> gi(inner);
    std::lock_guard<lockdep::recursive_mutex> g3(r);
  }
  EXPECT_EQ(cap.count(), 0u);
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreNearMiss, ConditionVariableAnyWaitIsSilent) {
  lockdep_test::report_capture cap;
  lockdep::mutex mu{"cv_mu"};
  lockdep::mutex other{"cv_other"};
  std::condition_variable_any cv;
  bool ready = false;
  std::thread producer([&] {
    std::lock_guard<lockdep::mutex> g(mu);
    ready = true;
    cv.notify_one();
  });
  {
    std::unique_lock<lockdep::mutex> lk(mu);
    cv.wait(lk, [&] { return ready; });  // unlocks and re-locks mu inside
    std::lock_guard<lockdep::mutex> g(other);
  }
  producer.join();
  EXPECT_EQ(cap.count(), 0u);
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(), 0u);
}

// The fix shown in examples/same_class_inversion.cpp: one global (address)
// order, the second lock annotated with a subclass.
namespace {
struct account {
  lockdep::mutex mu{"nm_account::mu"};
};
void ordered_transfer(account& from, account& to) {
  account& first = &from < &to ? from : to;
  account& second = &from < &to ? to : from;
  std::lock_guard<lockdep::mutex> g1(first.mu);
  second.mu.lock_nested(1);
  std::lock_guard<lockdep::mutex> g2(second.mu, std::adopt_lock);
}
}  // namespace

TEST(CoreNearMiss, AddressOrderWithSubclassIsSilent) {
  lockdep_test::report_capture cap;
  account x, y;
  ordered_transfer(x, y);
  ordered_transfer(y, x);
  std::thread t([&] { ordered_transfer(y, x); });
  t.join();
  EXPECT_EQ(cap.count(), 0u);
}

// Trylock rules (kernel-lockdep.md §3.5, lock_map.hpp contract) and what
// happens after a report: printed once, dependency kept, program goes on.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "core_test_util.hpp"
#include "lockdep/lockdep.hpp"

using core_test::counting_lock;
using lockdep::report_kind;

template <class A, class B>
static void lock_both(A& first, B& second) {
  std::lock_guard<A> g1(first);
  std::lock_guard<B> g2(second);
}

TEST(CoreTrylock, FailedTrylockRecordsNothing) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"ft_a"};
  lockdep::tracked<counting_lock> b{"ft_b"};
  lockdep::mutex c{"ft_c"};
  b.native().held = true;  // someone else holds the real lock
  {
    std::lock_guard<lockdep::mutex> ga(a);
    ASSERT_FALSE(b.try_lock());
    EXPECT_FALSE(lockdep::is_held(b.lockdep_map()));
    std::lock_guard<lockdep::mutex> gc(c);  // had b been recorded: b -> c
  }
  b.native().held = false;
  lock_both(c, b);  // would close b -> c -> b
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreTrylock, LockAfterTrylockRecordsBothDependencies) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"tr_a"};
  lockdep::mutex b{"tr_b"};
  lockdep::mutex c{"tr_c"};
  {
    std::lock_guard<lockdep::mutex> ga(a);
    ASSERT_TRUE(b.try_lock());
    {
      std::lock_guard<lockdep::mutex> gc(c);  // b -> c, and past the trylock, a -> c
    }
    b.unlock();
  }
  EXPECT_EQ(cap.count(), 0u);
  lock_both(c, a);  // c -> a against a -> c
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
  EXPECT_EQ(cap.first().classes.at(0).name, "tr_a");
  EXPECT_EQ(cap.first().classes.at(1).name, "tr_c");
  cap.clear();
  lock_both(c, b);  // c -> b against b -> c
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
  EXPECT_EQ(cap.first().classes.at(0).name, "tr_b");
  EXPECT_EQ(cap.first().classes.at(1).name, "tr_c");
}

TEST(CoreTrylock, TrylockItselfAddsNoDependency) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"tn_a"};
  lockdep::mutex b{"tn_b"};
  {
    std::lock_guard<lockdep::mutex> ga(a);
    ASSERT_TRUE(b.try_lock());
    b.unlock();
  }
  lock_both(b, a);
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreTrylock, TimedTryLockForCountsAsBlocking) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"tt_a"};
  lockdep::timed_mutex b{"tt_b"};
  {
    std::lock_guard<lockdep::mutex> ga(a);
    ASSERT_TRUE(b.try_lock_for(std::chrono::milliseconds(10)));  // can wait: a -> b
    b.unlock();
  }
  EXPECT_EQ(cap.count(), 0u);
  lock_both(b, a);
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
  EXPECT_EQ(cap.first().classes.at(0).name, "tt_a");
  EXPECT_EQ(cap.first().classes.at(1).name, "tt_b");
}

TEST(CoreTrylock, TimedOutTryLockForIsNotHeld) {
  lockdep_test::report_capture cap;
  lockdep::timed_mutex b{"tto_b"};
  // Another thread holds the real lock behind lockdep's back, so the timed
  // acquisition times out.
  std::promise<void> locked, release;
  std::thread holder([&] {
    std::lock_guard<std::timed_mutex> g(b.native());
    locked.set_value();
    release.get_future().wait();
  });
  locked.get_future().wait();
  EXPECT_FALSE(b.try_lock_for(std::chrono::milliseconds(1)));
  EXPECT_FALSE(lockdep::is_held(b.lockdep_map()));
  release.set_value();
  holder.join();
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(), 0u);
}

// ---- after a report ---------------------------------------------------------------

TEST(CoreAfterReport, InversionReportedOnceAndProgramContinues) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"once_a"};
  lockdep::mutex b{"once_b"};
  lock_both(a, b);
  for (int i = 0; i < 5; ++i) lock_both(b, a);
  EXPECT_EQ(cap.count(), 1u);
  lock_both(a, b);  // the original order again: the same problem
  EXPECT_EQ(cap.count(), 1u);
}

TEST(CoreAfterReport, DependencyIsRecordedAfterReport) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"kept_a"};
  lockdep::mutex b{"kept_b"};
  lockdep::mutex c{"kept_c"};
  lock_both(a, b);
  lock_both(b, a);  // reported, and b -> a is kept
  ASSERT_EQ(cap.count(), 1u);
  cap.clear();
  lock_both(a, c);
  lock_both(c, b);  // closes b -> a -> c -> b only through the kept edge
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::circular_dependency);
  EXPECT_EQ(r.classes.at(0).name, "kept_b");
  EXPECT_EQ(r.classes.at(1).name, "kept_c");
  ASSERT_EQ(r.chain.size(), 3u);
  EXPECT_EQ(r.chain[1].cls.name, "kept_a");
}

TEST(CoreAfterReport, SameProblemThroughAnotherChainIsSuppressed) {
  lockdep_test::report_capture cap;
  lockdep::lock_map outer{"dup_outer"};
  lockdep::lock_map m{"dup_m"};
  const auto before = lockdep::get_statistics().suppressed;
  lockdep::lock_acquire(m);
  lockdep::lock_acquire(m);
  lockdep::lock_release(m);
  lockdep::lock_release(m);
  lockdep::lock_acquire(outer);  // a new held chain: validated again
  lockdep::lock_acquire(m);
  lockdep::lock_acquire(m);
  lockdep::lock_release(m);
  lockdep::lock_release(m);
  lockdep::lock_release(outer);
  EXPECT_EQ(cap.count(), 1u);
  EXPECT_EQ(lockdep::get_statistics().suppressed, before + 1);
}

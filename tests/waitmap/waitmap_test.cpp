// Waits as pseudo-lock acquisitions (lockdep/wait.hpp): joins and futures.
#include <gtest/gtest.h>

#include <mutex>

#include "lockdep/wait.hpp"
#include "support/report_capture.hpp"

namespace {

using lockdep::report_kind;

// Hold M and join a thread that took M (it finishes first, so nothing hangs).
TEST(WaitMap, JoinWhileHoldingLockTheThreadTookIsCircular) {
  lockdep_test::report_capture cap;
  lockdep::mutex m{"join_m"};
  lockdep::thread t{"worker", [&] { std::lock_guard<lockdep::mutex> g(m); }};
  // Let the worker finish before we take m, so the program never blocks.
  while (lockdep::get_statistics().chains == 0) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::lock_guard<lockdep::mutex> g(m);
    t.join();
  }
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::circular_dependency);
  ASSERT_EQ(r.classes.size(), 2u);
  EXPECT_EQ(r.classes[0].name, "(thread:worker)");
  EXPECT_EQ(r.classes[1].name, "join_m");
  EXPECT_NE(r.text.find("(thread:worker)"), std::string::npos);
}

TEST(WaitMap, JoinWithoutHoldingAnythingIsSilent) {
  lockdep_test::report_capture cap;
  lockdep::mutex m{"join_m2"};
  lockdep::thread t{"worker2", [&] { std::lock_guard<lockdep::mutex> g(m); }};
  t.join();
  std::lock_guard<lockdep::mutex> g(m);
  EXPECT_EQ(cap.count(), 0u);
}

TEST(WaitMap, WorkThatNeverTakesTheHeldLockIsSilent) {
  lockdep_test::report_capture cap;
  lockdep::mutex m{"held_m"}, other{"other_m"};
  lockdep::thread t{"worker3", [&] { std::lock_guard<lockdep::mutex> g(other); }};
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::lock_guard<lockdep::mutex> g(m);
    t.join();
  }
  EXPECT_EQ(cap.count(), 0u);
}

// The class generalises across instances: threads from one site are one class.
TEST(WaitMap, ThreadsFromOneSiteShareAClass) {
  lockdep_test::report_capture cap;
  lockdep::mutex m{"site_m"};
  auto spawn = [&](bool take) { return lockdep::thread{"pool", [&m, take] { if (take) std::lock_guard<lockdep::mutex> g(m); }}; };
  lockdep::thread first = spawn(true);
  first.join();  // records (thread:pool) -> site_m
  lockdep::thread second = spawn(false);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  {
    std::lock_guard<lockdep::mutex> g(m);
    second.join();  // site_m -> (thread:pool): cycle through the class
  }
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
}

// Two plain functions have one callable type: their names keep the threads
// apart (the name is part of the class, as for any named lock).
lockdep::mutex g_named_m{"named_m"};
void takes_named_m() { std::lock_guard<lockdep::mutex> g(g_named_m); }
void takes_nothing() {}

TEST(WaitMap, NamedThreadsOfOneCallableTypeAreDistinctClasses) {
  lockdep_test::report_capture cap;
  lockdep::thread taker{"named_taker", &takes_named_m};
  taker.join();  // (thread:named_taker) -> named_m
  lockdep::thread idle{"named_idle", &takes_nothing};
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  {
    std::lock_guard<lockdep::mutex> g(g_named_m);
    idle.join();  // named_m -> (thread:named_idle): another class, no cycle
  }
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

TEST(WaitMap, FutureGetWhileHoldingLockIsCircular) {
  lockdep_test::report_capture cap;
  lockdep::mutex m{"future_m"};
  auto task = [&m] {
    std::lock_guard<lockdep::mutex> g(m);
    return 42;
  };
  auto f = lockdep::async(task);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  int v = 0;
  {
    std::lock_guard<lockdep::mutex> g(m);
    v = f.get();
  }
  EXPECT_EQ(v, 42);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::circular_dependency);
  EXPECT_EQ(r.classes[0].name.rfind("(future:", 0), 0u) << r.classes[0].name;
}

TEST(WaitMap, FutureGetWithoutLockIsSilent) {
  lockdep_test::report_capture cap;
  lockdep::mutex m{"future_m2"};
  auto f = lockdep::async([&m] {
    std::lock_guard<lockdep::mutex> g(m);
    return 1;
  });
  EXPECT_EQ(f.get(), 1);
  std::lock_guard<lockdep::mutex> g(m);
  EXPECT_EQ(cap.count(), 0u);
}

TEST(WaitMap, ReportTextHasTheCircularLayout) {
  lockdep_test::report_capture cap;
  lockdep::mutex m{"text_m"};
  lockdep::wait_map done{"completion", "flush"};
  {
    lockdep::work_scope w(done);
    std::lock_guard<lockdep::mutex> g(m);
  }
  {
    std::lock_guard<lockdep::mutex> g(m);
    done.will_wait();
  }
  ASSERT_EQ(cap.count(), 1u);
  const std::string text = cap.first().text;
  for (const char* line : {"WARNING: possible circular locking dependency detected", "is trying to acquire lock:",
                           "((completion:flush)){+.+.}-{0:0}, at: ", "WaitMap_ReportTextHasTheCircularLayout_Test::TestBody()", "but task is already holding lock:",
                           "which lock already depends on the new lock.",
                           "the existing dependency chain (in reverse order) is:", "-> #1 (text_m){+.+.}-{3:3}:",
                           "-> #0 ((completion:flush)){+.+.}-{0:0}:", " *** DEADLOCK ***", "1 lock held by ",
                           "stack backtrace:"}) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\n" << text;
  }
}

}  // namespace

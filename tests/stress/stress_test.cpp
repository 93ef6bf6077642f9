// Stress: many threads take random subsets of real locks (lockdep::mutex,
// spinlock, rwlock) in one global order, so nothing can deadlock, while
// other threads register and unregister dynamic keys and create and destroy
// locks. In the middle one thread injects a known ABBA. Expected: no crash,
// no hang, and exactly one report - the injected inversion.
// LOCKDEP_TEST_SCALE=small shortens the run (sanitizer builds).
#include <gtest/gtest.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "lockdep/introspect.hpp"
#include "lockdep/lockdep.hpp"
#include "support/report_capture.hpp"

namespace {

using namespace std::chrono_literals;
using lockdep::report_kind;

bool small_scale() {
  const char* s = std::getenv("LOCKDEP_TEST_SCALE");
  return s && std::strcmp(s, "small") == 0;
}

// The global order: sleeping locks first (a mutex under a spinlock would be
// an invalid wait context), then spinning ones.
struct lock_set {
  static constexpr int k_mutexes = 8, k_spin = 8, k_rw = 8;
  std::vector<std::unique_ptr<lockdep::mutex>> mutexes;
  std::vector<std::unique_ptr<lockdep::spinlock>> spins;
  std::vector<std::unique_ptr<lockdep::rwlock>> rws;
  lock_set() {
    static const char* const m_names[] = {"st_m0", "st_m1", "st_m2", "st_m3", "st_m4", "st_m5", "st_m6", "st_m7"};
    static const char* const s_names[] = {"st_s0", "st_s1", "st_s2", "st_s3", "st_s4", "st_s5", "st_s6", "st_s7"};
    static const char* const r_names[] = {"st_r0", "st_r1", "st_r2", "st_r3", "st_r4", "st_r5", "st_r6", "st_r7"};
    for (const char* n : m_names) mutexes.push_back(std::make_unique<lockdep::mutex>(n));
    for (const char* n : s_names) spins.push_back(std::make_unique<lockdep::spinlock>(n));
    for (const char* n : r_names) rws.push_back(std::make_unique<lockdep::rwlock>(n));
  }
  static constexpr int size() { return k_mutexes + k_spin + k_rw; }
  // Lock index i (read: shared, for rwlocks); returns an unlock function.
  void lock(int i, bool read) {
    if (i < k_mutexes) return mutexes[i]->lock();
    if (i < k_mutexes + k_spin) return spins[i - k_mutexes]->lock();
    if (read) return rws[i - k_mutexes - k_spin]->lock_shared();
    rws[i - k_mutexes - k_spin]->lock();
  }
  void unlock(int i, bool read) {
    if (i < k_mutexes) return mutexes[i]->unlock();
    if (i < k_mutexes + k_spin) return spins[i - k_mutexes]->unlock();
    if (read) return rws[i - k_mutexes - k_spin]->unlock_shared();
    rws[i - k_mutexes - k_spin]->unlock();
  }
};

TEST(Stress, OrderedRandomLockingWithKeyChurnReportsOnlyTheInjectedInversion) {
  lockdep_test::report_capture cap;
  const std::chrono::milliseconds run_for = small_scale() ? 1500ms : 4000ms;
  lock_set locks;
  lockdep::mutex churn_parent{"st_churn_parent"};  // first in the order
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> acquisitions{0}, churned{0};
  std::vector<std::thread> threads;

  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      std::vector<std::pair<int, bool>> held;
      while (!stop.load(std::memory_order_relaxed)) {
        // 1..4 distinct locks, taken in index order. (Larger random subsets
        // would make far more distinct chains than the default tables hold.)
        held.clear();
        const unsigned want = 1 + rng() % 4;
        while (held.size() < want) {
          const int i = static_cast<int>(rng() % lock_set::size());
          bool dup = false;
          for (auto [j, r] : held) dup |= j == i;
          if (!dup) held.push_back({i, rng() % 2 == 0});
        }
        std::sort(held.begin(), held.end());
        for (auto [i, read] : held) locks.lock(i, read);
        acquisitions.fetch_add(held.size(), std::memory_order_relaxed);
        // Release in random order: exercises out-of-order release replay.
        std::shuffle(held.begin(), held.end(), rng);
        for (auto [i, read] : held) locks.unlock(i, read);
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        lockdep::scoped_key key{"st_dynamic"};
        auto m = std::make_unique<lockdep::mutex>(key.get());
        {
          std::lock_guard<lockdep::mutex> parent(churn_parent);
          std::lock_guard<lockdep::mutex> child(*m);
        }
        {
          std::lock_guard<lockdep::mutex> alone(*m);
        }
        m.reset();  // destroy the lock, then unregister its key (scoped_key)
        churned.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }

  std::this_thread::sleep_for(run_for / 2);
  {
    // The injected inversion, in one thread (so it cannot really deadlock).
    lockdep::mutex inj_a{"st_injected_a"};
    lockdep::mutex inj_b{"st_injected_b"};
    {
      std::lock_guard<lockdep::mutex> g1(inj_a);
      std::lock_guard<lockdep::mutex> g2(inj_b);
    }
    {
      std::lock_guard<lockdep::mutex> g1(inj_b);
      std::lock_guard<lockdep::mutex> g2(inj_a);
    }
  }
  std::this_thread::sleep_for(run_for / 2);
  stop = true;
  for (auto& th : threads) th.join();

  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u) << (reports.empty() ? std::string("no report") : reports.back().text);
  EXPECT_EQ(reports[0].kind, report_kind::circular_dependency);
  ASSERT_EQ(reports[0].classes.size(), 2u);
  EXPECT_EQ(reports[0].classes[0].name, "st_injected_a");
  EXPECT_EQ(reports[0].classes[1].name, "st_injected_b");
  EXPECT_GT(acquisitions.load(), 1000u);
  EXPECT_GT(churned.load(), 10u);
  EXPECT_TRUE(lockdep::get_statistics().enabled);
}

// show_all_locks / the hung watchdog look at other threads' held and
// waited-on locks while those threads finish, free the lock they waited on
// and exit. With wait tracking on, pairs of threads contend on short-lived
// heap mutexes while this thread snapshots all locks: no use of a freed lock
// (ASan), no race (TSan), no report.
TEST(Stress, AllLocksSnapshotsWhileWaitedOnLocksAreFreed) {
  lockdep_test::report_capture cap;
  lockdep::set_wait_tracking(true);
  const auto run_for = small_scale() ? 300ms : 1500ms;
  std::atomic<bool> stop{false};
  std::atomic<unsigned> waits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (!stop) {
        auto m = std::make_unique<lockdep::mutex>("st_short_lived");
        std::unique_lock<lockdep::mutex> hold(*m);
        std::thread waiter([&] { std::lock_guard<lockdep::mutex> g(*m); });
        std::this_thread::sleep_for(200us);  // the waiter blocks: wait tracked
        hold.unlock();
        waiter.join();
        m.reset();
        waits.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::size_t snapshots = 0, blocked_seen = 0;
  for (const auto end = std::chrono::steady_clock::now() + run_for; std::chrono::steady_clock::now() < end;) {
    const std::string text = lockdep::all_locks_text();
    ++snapshots;
    if (text.find("blocked on:") != std::string::npos) ++blocked_seen;
  }
  stop = true;
  for (auto& th : threads) th.join();
  lockdep::set_wait_tracking(false);
  EXPECT_GT(snapshots, 10u);
  EXPECT_GT(waits.load(), 10u);
  for (const auto& r : cap.reports()) ADD_FAILURE() << r.text;
  std::printf("%zu snapshots, %zu showed a blocked thread, %u short-lived locks waited on\n", snapshots,
              blocked_seen, waits.load());
}

}  // namespace

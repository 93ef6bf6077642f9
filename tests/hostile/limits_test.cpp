// Every table has a bound. Reaching it prints one clear report naming the
// limit and the option that raises it, turns validation off, and the
// program runs on; reset() turns validation back on.
//
// Limits are read at start-up, so each table's case runs in its own process
// with a small limit in LOCKDEP_OPTIONS (see CMakeLists.txt); the held-lock
// depth (48 by default) is tested with the defaults.
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "hostile_support.hpp"

namespace {

using lockdep::report_kind;

// Exactly one limit report, naming `limit` and `option`, validation off.
void expect_one_limit_report(lockdep_test::report_capture& cap, const char* limit, const char* option) {
  ASSERT_EQ(cap.count(report_kind::limit_reached), 1u);
  const lockdep::report r = [&] {
    for (const auto& x : cap.reports())
      if (x.kind == report_kind::limit_reached) return x;
    return lockdep::report{};
  }();
  EXPECT_EQ(r.header, std::string("BUG: ") + limit + " too low!");
  EXPECT_NE(r.text.find(std::string("LOCKDEP_OPTIONS=") + option + "="), std::string::npos) << r.text;
  EXPECT_FALSE(lockdep::get_statistics().enabled);
}

// With validation off the program runs on: locks work, no report, and
// reset() brings validation back.
void expect_runs_on_then_recovers(lockdep_test::report_capture& cap) {
  cap.clear();
  lockdep::lock_map a{"off_a"};
  lockdep::lock_map b{"off_b"};
  lockdep::lock_acquire(a);
  lockdep::lock_acquire(b);
  EXPECT_TRUE(lockdep::lock_release(b));
  EXPECT_TRUE(lockdep::lock_release(a));
  lockdep::lock_acquire(b);
  lockdep::lock_acquire(a);
  EXPECT_TRUE(lockdep::lock_release(a));
  EXPECT_TRUE(lockdep::lock_release(b));
  EXPECT_EQ(cap.count(), 0u) << "validation should be off";
  ASSERT_TRUE(lockdep::reset());
  EXPECT_TRUE(lockdep::get_statistics().enabled);
  hostile::expect_abba_still_detected(cap);
}

// `n` distinct classes from dynamic keys.
struct classes {
  std::deque<lockdep::lock_class_key> keys;
  std::vector<std::unique_ptr<lockdep::lock_map>> maps;
  explicit classes(int n) {
    for (int i = 0; i < n; ++i) {
      keys.emplace_back("limit_class");
      lockdep::register_key(keys.back());
      maps.push_back(std::make_unique<lockdep::lock_map>(keys.back(), lockdep::wait_type::none));
    }
  }
  lockdep::lock_map& operator[](int i) { return *maps[static_cast<std::size_t>(i)]; }
};

void pair(lockdep::lock_map& a, lockdep::lock_map& b) {
  lockdep::lock_acquire(a);
  lockdep::lock_acquire(b);
  lockdep::lock_release(b);
  lockdep::lock_release(a);
}

TEST(Limits, Classes) {  // LOCKDEP_OPTIONS=max_classes=50
  lockdep_test::report_capture cap;
  classes c(80);
  for (int i = 0; i < 80; ++i) {
    lockdep::lock_acquire(c[i]);
    lockdep::lock_release(c[i]);
  }
  expect_one_limit_report(cap, "MAX_LOCKDEP_KEYS", "max_classes");
  expect_runs_on_then_recovers(cap);
}

TEST(Limits, Dependencies) {  // LOCKDEP_OPTIONS=max_dependencies=30
  lockdep_test::report_capture cap;
  classes c(12);
  for (int i = 0; i < 12; ++i)
    for (int j = i + 1; j < 12; ++j) pair(c[i], c[j]);
  expect_one_limit_report(cap, "MAX_LOCKDEP_ENTRIES", "max_dependencies");
  expect_runs_on_then_recovers(cap);
}

TEST(Limits, Chains) {  // LOCKDEP_OPTIONS=max_chains=30
  lockdep_test::report_capture cap;
  classes c(12);
  for (int i = 0; i < 12; ++i)
    for (int j = i + 1; j < 12; ++j) pair(c[i], c[j]);
  expect_one_limit_report(cap, "MAX_LOCKDEP_CHAINS", "max_chains");
  expect_runs_on_then_recovers(cap);
}

// Key churn under a small chain table: chains keep being validated and
// dropped (unregister_key), 1 to 31 per round. Removed slots are recycled
// (the cache is rebuilt past 3/4 use, so its lock-free probe always meets an
// empty slot), nothing is reported, and no limit is reached: the live
// chains stay under max_chains.
TEST(Limits, ChainChurn) {  // LOCKDEP_OPTIONS=max_chains=32
  lockdep_test::report_capture cap;
  lockdep::lock_map outer{"churn_outer"};
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::unique_ptr<lockdep::scoped_key>> keys;
    std::vector<std::unique_ptr<lockdep::lock_map>> maps;
    for (int i = 0; i < 1 + round % 31; ++i) {
      keys.push_back(std::make_unique<lockdep::scoped_key>("churn_inner"));
      maps.push_back(std::make_unique<lockdep::lock_map>(keys.back()->get()));
      pair(outer, *maps.back());
    }
  }  // maps, then keys: every chain but {outer} dropped each round
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
  EXPECT_TRUE(lockdep::get_statistics().enabled);
  lockdep::lock_map a{"churn_after_a"};
  lockdep::lock_map b{"churn_after_b"};
  pair(a, b);
  pair(b, a);
  EXPECT_EQ(cap.count(lockdep::report_kind::circular_dependency), 1u);
}

// Past max_classes, class ids are recycled (the oldest dead class first). A
// chain through a recycled id has the dead class's chain key, so the chain
// cache and every thread's front cache of chain keys must have let go of it:
// the new class's dependencies are validated again, not taken as known.
TEST(Limits, RecycledClassChainsAreValidatedAgain) {  // LOCKDEP_OPTIONS=max_classes=20
  lockdep_test::report_capture cap;
  lockdep::lock_map outer{"recycle_outer"};
  for (int round = 0; round < 60; ++round) {  // three times the table: ids are recycled
    lockdep::scoped_key key{"recycle_inner"};
    lockdep::lock_map inner{key.get()};
    lockdep::lock_acquire(inner);  // registers the class: the pairs below take the warm path
    lockdep::lock_release(inner);
    pair(outer, inner);
    pair(outer, inner);  // a known chain: the thread's front cache has it now
    if (round == 59) pair(inner, outer);
  }
  EXPECT_EQ(cap.count(lockdep::report_kind::circular_dependency), 1u) << cap.first().text;
  EXPECT_EQ(cap.count(), cap.count(lockdep::report_kind::circular_dependency));
}

TEST(Limits, ChainHlocks) {  // LOCKDEP_OPTIONS=max_chain_hlocks=40
  lockdep_test::report_capture cap;
  classes c(10);
  for (int start = 0; start < 5; ++start) {
    for (int i = start; i < 10; ++i) lockdep::lock_acquire(c[i]);
    for (int i = 9; i >= start; --i) lockdep::lock_release(c[i]);
  }
  expect_one_limit_report(cap, "MAX_LOCKDEP_CHAIN_HLOCKS", "max_chain_hlocks");
  expect_runs_on_then_recovers(cap);
}

// Different call depths give different stacks, each stored once.
__attribute__((noinline)) void pair_at_depth(int depth, lockdep::lock_map& a, lockdep::lock_map& b) {
  if (depth > 0) {
    pair_at_depth(depth - 1, a, b);
    asm volatile("" ::: "memory");  // keep the recursion a real call
    return;
  }
  pair(a, b);
}

TEST(Limits, StackTraceEntries) {  // LOCKDEP_OPTIONS=max_trace_entries=200
  lockdep_test::report_capture cap;
  classes c(40);
  for (int i = 0; i + 1 < 40; ++i) pair_at_depth(i, c[i], c[i + 1]);
  expect_one_limit_report(cap, "MAX_STACK_TRACE_ENTRIES", "max_trace_entries");
  expect_runs_on_then_recovers(cap);  // reset() empties the trace pool too
}

TEST(Limits, HeldLockDepth) {  // defaults: 48
  lockdep_test::report_capture cap;
  classes c(60);
  for (int i = 0; i < 60; ++i) lockdep::lock_acquire(c[i]);
  for (int i = 59; i >= 0; --i) EXPECT_TRUE(lockdep::lock_release(c[i]));
  expect_one_limit_report(cap, "MAX_LOCK_DEPTH", "max_depth");
  expect_runs_on_then_recovers(cap);
}

}  // namespace

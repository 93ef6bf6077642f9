// A dependency path longer than a report can hold (64 steps): the report
// keeps the steps nearest the held lock, numbered by their true distance
// from the new lock, and says the chain was cut.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "lockdep/lockdep.hpp"
#include "support/report_capture.hpp"

namespace {

// n classes l0 -> l1 -> ... -> l(n-1), then l(n-1) -> l0 closes the cycle.
void ring_of_classes(int n, lockdep_test::report_capture& cap) {
  // Dynamic keys are unregistered before their memory goes (scoped_key):
  // plain keys here left their classes pointing into the freed vector, and
  // the next test's reset() wrote through them (heap corruption, seen as a
  // malloc abort of core_rules_test.whole).
  std::vector<lockdep::scoped_key> keys(n);
  std::vector<std::unique_ptr<lockdep::mutex>> locks;
  for (int i = 0; i < n; ++i) locks.push_back(std::make_unique<lockdep::mutex>(keys[i].get()));
  for (int i = 0; i + 1 < n; ++i) {
    std::lock_guard a(*locks[i]);
    std::lock_guard b(*locks[i + 1]);
  }
  ASSERT_EQ(cap.count(), 0u) << cap.first().text;
  std::lock_guard a(*locks[n - 1]);
  std::lock_guard b(*locks[0]);
}

TEST(CoreLongChain, ACutCycleKeepsItsTrueDepths) {
  constexpr int n = 70;
  lockdep_test::report_capture cap;
  ring_of_classes(n, cap);
  ASSERT_EQ(cap.count(), 1u);
  const lockdep::report& r = cap.first();
  EXPECT_EQ(r.kind, lockdep::report_kind::circular_dependency);
  EXPECT_TRUE(r.chain_truncated);
  ASSERT_EQ(r.chain.size(), 64u);
  // Printed from the held lock (the path's far end, 69 steps from the new
  // lock) inwards; the steps nearest the new lock are the ones cut.
  EXPECT_EQ(r.chain.front().depth, n - 1);
  EXPECT_EQ(r.chain.back().depth, n - 64);
  EXPECT_NE(r.text.find("\n-> #69 ("), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find("\n-> #0 ("), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("-> ... (chain truncated)"), std::string::npos);
}

// Exactly 64 states fits: nothing is cut.
TEST(CoreLongChain, ACycleOfSixtyFourFitsWhole) {
  constexpr int n = 64;
  lockdep_test::report_capture cap;
  ring_of_classes(n, cap);
  ASSERT_EQ(cap.count(), 1u);
  const lockdep::report& r = cap.first();
  EXPECT_FALSE(r.chain_truncated);
  ASSERT_EQ(r.chain.size(), 64u);
  EXPECT_EQ(r.chain.front().depth, n - 1);
  EXPECT_EQ(r.chain.back().depth, 0);
  EXPECT_EQ(r.text.find("(chain truncated)"), std::string::npos);
}

}  // namespace

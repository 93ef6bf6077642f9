// lockdep-graph over stores that store_child wrote as separate processes:
// merging into new and existing stores, and check's irq-inversion search
// across stores (store_test.cpp covers the runtime and the cycle check).
#include <sqlite3.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "store/store_fixture.hpp"

namespace {

using store_test::GraphStore;
using store_test::run_result;

long usage_of(const std::string& store, const std::string& name) {
  sqlite3* db = nullptr;
  long usage = -1;
  if (sqlite3_open_v2(store.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    const std::string sql = "SELECT usage FROM classes WHERE descriptor LIKE '%|" + name + "|%';";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      usage = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return usage;
}

class GraphCheck : public GraphStore {
 protected:
  // check of these stores passes and says it found no interrupt problem.
  void expect_clean(const std::string& stores) {
    run_result r = tool("check " + stores);
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("0 irq inversions, 0 inconsistent lock states\n"), std::string::npos) << r.out;
  }
};

TEST_F(GraphStore, MergingIntoAnExistingStoreAddsWhatIsNewAndOrsUsage) {
  const std::string s1 = dir_ + "/s1.db", s2 = dir_ + "/s2.db", merged = dir_ + "/merged.db";
  child("in_irq", "Shard.One", s1);
  child("writer 1 3", "Shard.One", s1);
  child("irqs_on", "Shard.Two", s2);
  child("writer 1 4", "Shard.Two", s2);  // three of its edges are s1's
  ASSERT_EQ(tool("merge " + merged + " " + s1).status, 0);
  EXPECT_EQ(count(merged, "deps"), 3);
  ASSERT_EQ(tool("merge " + merged + " " + s2).status, 0);  // OUT exists: merged into
  EXPECT_EQ(count(merged, "deps"), 4);
  EXPECT_EQ(count(merged, "classes"), 1 + 5);
  const long u1 = usage_of(s1, "store.irq"), u2 = usage_of(s2, "store.irq");
  ASSERT_GT(u1, 0);
  ASSERT_GT(u2, 0);
  EXPECT_NE(u1, u2);
  EXPECT_EQ(usage_of(merged, "store.irq"), u1 | u2);
  // Merging the same shards again changes nothing.
  ASSERT_EQ(tool("merge " + merged + " " + s1 + " " + s2).status, 0);
  EXPECT_EQ(count(merged, "deps"), 4);
  EXPECT_EQ(count(merged, "classes"), 6);
}

// A merged row keeps its first run's stack and name and counts the others:
// check of the merged store says how many more runs recorded the edge.
TEST_F(GraphStore, AMergedStoreCountsTheRunsOfEachDependency) {
  const std::string s1 = dir_ + "/s1.db", s2 = dir_ + "/s2.db", s3 = dir_ + "/s3.db";
  const std::string part = dir_ + "/part.db", merged = dir_ + "/merged.db";
  child("ab", "Shard.One", s1);
  child("ab", "Shard.Two", s2);
  child("ba", "Shard.Three", s3);
  ASSERT_EQ(tool("merge " + part + " " + s1 + " " + s2).status, 0);
  ASSERT_EQ(tool("merge " + merged + " " + part + " " + s3).status, 0);  // a merged store merged again
  run_result r = tool("check " + merged);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("       recorded by store_child (Shard.One) pid "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("       and by 1 more run\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Shard.Two"), std::string::npos) << "only the first run is named: " << r.out;
  EXPECT_NE(r.out.find("recorded by store_child (Shard.Three) pid "), std::string::npos) << r.out;
  // check of the shards themselves names every run.
  run_result shards = tool("check " + s1 + " " + s2 + " " + s3);
  EXPECT_NE(shards.out.find("recorded by store_child (Shard.Two) pid "), std::string::npos) << shards.out;
}

TEST_F(GraphStore, AMergeThatFailsLeavesNoNewStore) {
  const std::string s1 = dir_ + "/s1.db", bad = dir_ + "/bad.db", merged = dir_ + "/merged.db";
  child("ab", "Shard.One", s1);
  std::ofstream(bad) << "not a store at all, but long enough to be read as a file header by SQLite\n";
  run_result r = tool("merge " + merged + " " + s1 + " " + bad);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find(bad + " is not a lockdep graph store"), std::string::npos) << r.out;
  EXPECT_NE(access(merged.c_str(), F_OK), 0) << "a half-made store was left";
  run_result left = run("ls " + dir_);
  EXPECT_EQ(left.out.find(".merging."), std::string::npos) << left.out;
}

// One process uses store.irq in a hardirq; another, with irqs off, takes
// store.U under store.irq and store.U elsewhere with irqs on: no process
// has both halves, each store alone is clean, the two together invert.
TEST_F(GraphCheck, FindsAnIrqInversionSplitAcrossTwoStores) {
  const std::string s1 = dir_ + "/irq.db", s2 = dir_ + "/nest.db";
  EXPECT_NE(child("in_irq", "Irq.Handler", s1).out.find("circular=0 other=0"), std::string::npos);
  EXPECT_NE(child("nest_irqs_off irq U", "Irq.Nest", s2).out.find("circular=0 other=0"), std::string::npos);
  EXPECT_NE(child("take_irqs_on U", "Irq.Enabled", s2).out.find("circular=0 other=0"), std::string::npos);
  expect_clean(s1);
  expect_clean(s2);
  run_result both = tool("check " + s1 + " " + s2);
  EXPECT_EQ(both.status, 1) << both.out;
  EXPECT_NE(both.out.find("WARNING: possible irq lock inversion dependency detected\n"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("lock (store.irq){-...} is HARDIRQ-safe (IN-HARDIRQ-W)\n"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("but this lock took another, HARDIRQ-unsafe lock (HARDIRQ-ON-W) in the past:\n"
                          " (store.U){+.+.}\n"),
            std::string::npos)
      << both.out;
  EXPECT_NE(both.out.find("  lock(store.U);\n                               local_irq_disable();\n"
                          "                               lock(store.irq);\n                               lock(store.U);\n"
                          "  <Interrupt>\n    lock(store.irq);\n"),
            std::string::npos)
      << both.out;
  EXPECT_NE(both.out.find("-> #1 (store.U){+.+.}:\n"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("recorded by store_child (Irq.Nest) pid "), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("0 cycles\nlockdep-graph: 1 irq inversion, 0 inconsistent lock states\n"), std::string::npos)
      << both.out;
}

// The same across three stores, through a middle class: irq -> M in one,
// M -> U and U with irqs on in another.
TEST_F(GraphCheck, FollowsAnIrqInversionThroughAMiddleClassInAnotherStore) {
  const std::string s1 = dir_ + "/irq.db", s2 = dir_ + "/first.db", s3 = dir_ + "/second.db";
  child("in_irq", "Irq.Handler", s1);
  child("nest_irqs_off irq M", "Irq.First", s2);
  child("nest_irqs_off M U", "Irq.Second", s3);
  child("take_irqs_on U", "Irq.Enabled", s3);
  expect_clean(s2 + " " + s3);
  run_result all = tool("check " + s1 + " " + s2 + " " + s3);
  EXPECT_EQ(all.status, 1) << all.out;
  EXPECT_NE(all.out.find("a path of 2 dependencies in the recorded graph"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("Chain exists of:\n  store.irq --> store.M --> store.U\n"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("recorded by store_child (Irq.First) pid "), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("recorded by store_child (Irq.Second) pid "), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("1 irq inversion, 0 inconsistent lock states\n"), std::string::npos) << all.out;
}

// Near miss: the same nesting, but store.U is never taken with irqs on.
TEST_F(GraphCheck, StaysSilentWhenTheInnerLockIsNeverTakenWithIrqsOn) {
  const std::string s1 = dir_ + "/irq.db", s2 = dir_ + "/nest.db";
  child("in_irq", "Irq.Handler", s1);
  child("nest_irqs_off irq U", "Irq.Nest", s2);
  expect_clean(s1 + " " + s2);
}

// Near miss the other way: U is taken with irqs on, but the irq-safe lock
// is only ever taken after U, never before it.
TEST_F(GraphCheck, StaysSilentWhenTheUnsafeLockIsTakenBeforeTheSafeOne) {
  const std::string s1 = dir_ + "/irq.db", s2 = dir_ + "/nest.db";
  child("in_irq", "Irq.Handler", s1);
  child("nest_irqs_off U irq", "Irq.Nest", s2);
  child("take_irqs_on U", "Irq.Enabled", s2);
  expect_clean(s1 + " " + s2);
}

// One class used in a hardirq by one run and with irqs on by another.
TEST_F(GraphCheck, FindsAnInconsistentLockStateAcrossStores) {
  const std::string s1 = dir_ + "/irq.db", s2 = dir_ + "/on.db";
  child("in_irq", "Irq.Handler", s1);
  child("irqs_on", "Irq.Enabled", s2);
  run_result both = tool("check " + s1 + " " + s2);
  EXPECT_EQ(both.status, 1) << both.out;
  EXPECT_NE(both.out.find("WARNING: inconsistent lock state\n"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage.\n(store.irq){?.+.}\n"),
            std::string::npos)
      << both.out;
  EXPECT_NE(both.out.find("0 irq inversions, 1 inconsistent lock state\n"), std::string::npos) << both.out;
}

// Signals by name (C++ API): S used in SIGUSR1's handler by one run and
// with SIGUSR1 unblocked by another; whatever line SIGUSR1 had in each run.
TEST_F(GraphCheck, FindsAnInconsistentSignalStateAcrossStores) {
  const std::string s1 = dir_ + "/handler.db", s2 = dir_ + "/on.db";
  child("sig_handler " + std::to_string(SIGUSR1), "Sig.Handler", s1);
  child("sig_take " + std::to_string(SIGUSR1), "Sig.Enabled", s2);
  run_result both = tool("check " + s1 + " " + s2);
  EXPECT_EQ(both.status, 1) << both.out;
  EXPECT_NE(both.out.find("inconsistent {IN-SIGUSR1-W} -> {SIGUSR1-ON-W} usage.\n(store.S){"), std::string::npos)
      << both.out;
  EXPECT_NE(both.out.find("|SIGUSR1:?.}\n"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("  <SIGUSR1>\n"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("0 irq inversions, 1 inconsistent lock state\n"), std::string::npos) << both.out;
}

// Near misses: SIGUSR1 blocked around S; another signal's state.
TEST_F(GraphCheck, StaysSilentForABlockedOrAnotherSignal) {
  const std::string s1 = dir_ + "/handler.db", s2 = dir_ + "/blocked.db", s3 = dir_ + "/usr2.db";
  child("sig_handler " + std::to_string(SIGUSR1), "Sig.Handler", s1);
  child("sig_take_blocked " + std::to_string(SIGUSR1), "Sig.Blocked", s2);
  child("sig_take " + std::to_string(SIGUSR2), "Sig.Other", s3);
  expect_clean(s1 + " " + s2 + " " + s3);
}

// A store written by a build with another interrupt-state table (here one
// more state first, "NMI"): its usage words are read, merged and written by
// state name.
TEST_F(GraphCheck, UsageInAnotherStateLayoutIsTranslatedByName) {
  const std::string s1 = dir_ + "/irq.db", s2 = dir_ + "/on.db", merged = dir_ + "/merged.db";
  child("in_irq", "Irq.Handler", s1);
  child("irqs_on", "Irq.Enabled", s2);
  const long in_irq = usage_of(s1, "store.irq"), irqs_on = usage_of(s2, "store.irq");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(s1.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT OR REPLACE INTO meta VALUES('usage_states', 'NMI HARDIRQ SOFTIRQ');"
                         "UPDATE classes SET usage = usage << 4;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  run_result both = tool("check " + s1 + " " + s2);
  EXPECT_EQ(both.status, 1) << both.out;
  EXPECT_NE(both.out.find("inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage.\n(store.irq){?.+.}\n"),
            std::string::npos)
      << both.out;
  ASSERT_EQ(tool("merge " + merged + " " + s2 + " " + s1).status, 0);  // OUT in this build's layout
  EXPECT_EQ(usage_of(merged, "store.irq"), in_irq | irqs_on);
  // The runtime reads it so too, and writes its bits in the store's layout.
  run_result r = child("irqs_on", "Irq.Enabled", s1);
  EXPECT_NE(r.err.find("inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage."), std::string::npos) << r.err;
  EXPECT_EQ(usage_of(s1, "store.irq"), (in_irq | irqs_on) << 4);
}

}  // namespace

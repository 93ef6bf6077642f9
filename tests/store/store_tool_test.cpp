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

}  // namespace

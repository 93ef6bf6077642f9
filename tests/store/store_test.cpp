// The graph store (LOCKDEP_OPTIONS=graph_store=PATH) across processes: each
// case runs store_child as separate processes on one store and checks what
// they report, what the store holds and what lockdep-graph says of it.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "store/store_fixture.hpp"

namespace {

using store_test::GraphStore;
using store_test::run_result;

TEST_F(GraphStore, InversionSplitAcrossTwoProcessesIsReportedByTheSecond) {
  run_result first = child("ab", "Split.AThenB");
  EXPECT_EQ(first.status, 0);
  EXPECT_NE(first.out.find("circular=0 other=0"), std::string::npos) << first.out;
  EXPECT_EQ(first.err, "");
  run_result second = child("ba", "Split.BThenA");
  EXPECT_NE(second.out.find("circular=1 other=0"), std::string::npos) << second.out << second.err;
  const std::string& e = second.err;
  EXPECT_NE(e.find("WARNING: possible circular locking dependency detected"), std::string::npos) << e;
  EXPECT_NE(e.find("is trying to acquire lock:"), std::string::npos) << e;
  EXPECT_NE(e.find("(store.A){"), std::string::npos) << e;
  EXPECT_NE(e.find("(store.B){"), std::string::npos) << e;
  // The imported edge A -> B: its stack (main of store_child) and its run.
  EXPECT_NE(e.find("recorded by store_child (Split.AThenB) pid "), std::string::npos) << e;
  EXPECT_NE(e.find("nest"), std::string::npos) << e;
  EXPECT_EQ(count(store_, "deps"), 2);
}

// lockdep::reset() (as LOCKDEP_GTEST_RESET=1 does between tests) forgets the
// process's graph, not the store's: the first half, from another process,
// is imported again.
TEST_F(GraphStore, ImportedDependenciesOutliveAReset) {
  child("ab", "Split.AThenB");
  run_result second = child("reset_ba", "Split.ResetThenBA");
  EXPECT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.out.find("circular=1 other=0"), std::string::npos) << second.out << second.err;
  EXPECT_NE(second.err.find("recorded by store_child (Split.AThenB) pid "), std::string::npos) << second.err;
  EXPECT_EQ(count(store_, "deps"), 3);  // A -> B, A -> A2 (before the reset), B -> A
}

TEST_F(GraphStore, SameOrderInTwoProcessesStaysSilent) {
  EXPECT_NE(child("ab").out.find("circular=0 other=0"), std::string::npos);
  run_result again = child("ab");
  EXPECT_NE(again.out.find("circular=0 other=0"), std::string::npos) << again.err;
  EXPECT_EQ(again.err, "");
  EXPECT_EQ(count(store_, "deps"), 1);
  EXPECT_EQ(count(store_, "classes"), 2);
}

TEST_F(GraphStore, WithoutTheStoreEachHalfIsSilent) {
  const std::string plain = std::string(STORE_CHILD);
  run_result a = run("env -u LOCKDEP_OPTIONS " + plain + " ab");
  run_result b = run("env -u LOCKDEP_OPTIONS " + plain + " ba");
  EXPECT_NE(a.out.find("circular=0"), std::string::npos);
  EXPECT_NE(b.out.find("circular=0"), std::string::npos);
}

TEST_F(GraphStore, AChildOfForkReportsAndRecordsThroughItsOwnConnection) {
  child("ab", "Fork.Parent");
  run_result r = child("fork_ba", "Fork.Child");
  EXPECT_NE(r.out.find("child circular=1"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("recorded by store_child (Fork.Parent) pid"), std::string::npos) << r.err;
  EXPECT_EQ(count(store_, "deps"), 2);  // the child's B -> A written at its exit
}

// Usage bits travel too: A used in hardirq context by one process, taken
// with hardirqs on by the next, is inconsistent lock state in the second.
TEST_F(GraphStore, UsageBitsRecordedByAnotherProcessAreChecked) {
  run_result first = child("in_irq");
  EXPECT_NE(first.out.find("circular=0 other=0"), std::string::npos) << first.err;
  run_result second = child("irqs_on");
  EXPECT_NE(second.out.find("other=1"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("WARNING: inconsistent lock state"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage."), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("{IN-HARDIRQ-W} state was registered at:\n  (recorded by another process"),
            std::string::npos)
      << second.err;
  // Near miss: the same usage in both processes.
  run_result again = child("irqs_on");
  EXPECT_NE(again.out.find("other=0"), std::string::npos) << again.err;
}

// A signal's usage is stored by the signal's name: S used in SIGUSR1's
// handler by one process (C++ API), taken with SIGUSR1 unblocked by the
// next, is inconsistent lock state in the second, named for SIGUSR1.
TEST_F(GraphStore, SignalUsageRecordedByAnotherProcessIsChecked) {
  const std::string usr1 = std::to_string(SIGUSR1), usr2 = std::to_string(SIGUSR2);
  run_result first = child("sig_handler " + usr1);
  EXPECT_NE(first.out.find("circular=0 other=0"), std::string::npos) << first.err;
  EXPECT_EQ(count(store_, "signal_usage"), 1);
  run_result second = child("sig_take " + usr1);
  EXPECT_NE(second.out.find("other=1"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("WARNING: inconsistent lock state"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("inconsistent {IN-SIGUSR1-W} -> {SIGUSR1-ON-W} usage."), std::string::npos)
      << second.err;
  EXPECT_NE(second.err.find("|SIGUSR1:"), std::string::npos) << second.err;
  // The first process's usage: the store keeps no stack for it, and says so.
  EXPECT_NE(second.err.find("{IN-SIGUSR1-W} state was registered at:\n  (recorded by another process"),
            std::string::npos)
      << second.err;
}

// Near misses: SIGUSR1 blocked while S is held; another signal's handler.
TEST_F(GraphStore, SignalUsageOfAnotherSignalOrBlockedIsNotAConflict) {
  const std::string usr1 = std::to_string(SIGUSR1), usr2 = std::to_string(SIGUSR2);
  child("sig_handler " + usr1);
  run_result blocked = child("sig_take_blocked " + usr1);
  EXPECT_NE(blocked.out.find("circular=0 other=0"), std::string::npos) << blocked.err;
  run_result other_signal = child("sig_take " + usr2);
  EXPECT_NE(other_signal.out.find("circular=0 other=0"), std::string::npos) << other_signal.err;
}

#ifdef GTEST_NAMES_SAMPLE
TEST_F(GraphStore, EachDependencyIsLabelledWithTheTestThatRecordedIt) {
  run_result r = run(std::string("env -u LOCKDEP_TEST_NAME ") + GTEST_NAMES_SAMPLE);
  EXPECT_NE(r.out.find("[  PASSED  ] 2 tests."), std::string::npos) << r.out << r.err;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(store_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT c.descriptor, d.test FROM deps d JOIN classes c ON c.id = d.from_class"
                               " ORDER BY d.test;",
                               -1, &st, nullptr),
            SQLITE_OK);
  std::vector<std::pair<std::string, std::string>> rows;
  while (sqlite3_step(st) == SQLITE_ROW)
    rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                      reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
  sqlite3_finalize(st);
  sqlite3_close(db);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NE(rows[0].first.find("names.first_outer"), std::string::npos);
  EXPECT_EQ(rows[0].second, "Names.First");
  EXPECT_NE(rows[1].first.find("names.second_outer"), std::string::npos);
  EXPECT_EQ(rows[1].second, "Names.Second");
}
#endif

TEST_F(GraphStore, KeysWithNeitherNameNorSiteAreNotStored) {
  run_result r = child("anonymous");
  EXPECT_NE(r.out.find("circular=0 other=0"), std::string::npos) << r.err;
  EXPECT_EQ(count(store_, "deps"), 0);  // nothing would match them in another process
  EXPECT_EQ(count(store_, "classes"), 0);
}

TEST_F(GraphStore, KeysAreMatchedByNameAcrossProcesses) {
  child("key_ab", "Keys.First");
  run_result second = child("key_ba");
  EXPECT_NE(second.out.find("circular=1"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("recorded by store_child (Keys.First) pid"), std::string::npos) << second.err;
}

TEST_F(GraphStore, CheckFindsTheSplitInversionAndPassesWithoutIt) {
  child("ab", "Split.AThenB");
  run_result clean = tool("check " + store_);
  EXPECT_EQ(clean.status, 0) << clean.out;
  EXPECT_NE(clean.out.find("0 cycles"), std::string::npos) << clean.out;
  // The second half in another store (another shard): check reads both.
  const std::string shard = dir_ + "/shard2.db";
  child("ba", "Split.BThenA", shard);
  run_result shard_alone = tool("check " + shard);
  EXPECT_EQ(shard_alone.status, 0) << shard_alone.out;
  run_result both = tool("check " + store_ + " " + shard);
  EXPECT_EQ(both.status, 1) << both.out;
  EXPECT_NE(both.out.find("WARNING: possible circular locking dependency detected"), std::string::npos);
  EXPECT_NE(both.out.find("recorded by store_child (Split.AThenB) pid"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("recorded by store_child (Split.BThenA) pid"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("1 cycle\n"), std::string::npos) << both.out;
}

TEST_F(GraphStore, MergedShardsHoldEveryDependencyOnce) {
  const std::string s1 = dir_ + "/s1.db", s2 = dir_ + "/s2.db", merged = dir_ + "/merged.db";
  child("ab", "Shard.One", s1);
  child("writer 1 5", "Shard.One", s1);
  child("ba", "Shard.Two", s2);
  child("writer 1 5", "Shard.Two", s2);  // the same classes and edges again
  ASSERT_EQ(tool("merge " + merged + " " + s1 + " " + s2).status, 0);
  EXPECT_EQ(count(merged, "deps"), 2 + 5);
  EXPECT_EQ(count(merged, "classes"), 2 + 6);
  run_result merged_check = tool("check " + merged);
  EXPECT_EQ(merged_check.status, 1) << merged_check.out;
  EXPECT_NE(merged_check.out.find("1 cycle\n"), std::string::npos) << merged_check.out;
  run_result d = tool("dot " + merged);
  std::size_t red = 0;
  for (std::size_t at = 0; (at = d.out.find("[color=red]", at)) != std::string::npos; ++at) ++red;
  EXPECT_EQ(red, 2u) << d.out;  // A -> B and B -> A, not the writer's chain
  // forget drops the classes (and their edges): the cycle is gone.
  run_result forgot = tool("forget " + merged + " store.B");
  EXPECT_EQ(forgot.status, 0) << forgot.out;
  EXPECT_EQ(tool("check " + merged).status, 0);
  EXPECT_EQ(count(merged, "deps"), 5);
  run_result st = tool("stats " + s1);
  EXPECT_NE(st.out.find("dependencies: 6"), std::string::npos) << st.out;
}

TEST_F(GraphStore, SixteenConcurrentWritersLoseNothing) {
  std::string cmd;
  for (int w = 0; w < 16; ++w) cmd += std::string(STORE_CHILD) + " writer " + std::to_string(w) + " 40 & ";
  run_result r = run("sh -c '" + cmd + "wait'");
  EXPECT_EQ(r.err, "") << r.err;
  EXPECT_EQ(count(store_, "deps"), 16 * 40);
  EXPECT_EQ(count(store_, "classes"), 16 * 41);
  EXPECT_EQ(tool("check " + store_).status, 0);
}

TEST_F(GraphStore, AKilledWriterLeavesAConsistentStore) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("LOCKDEP_OPTIONS", ("graph_store=" + store_).c_str(), 1);
    execl(STORE_CHILD, STORE_CHILD, "forever", "9", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Killed while it keeps writing: once the first batch is in, a little later.
  for (int i = 0; i < 600 && count(store_, "deps") <= 0; ++i) usleep(50 * 1000);
  usleep(100 * 1000);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_GT(count(store_, "deps"), 0);  // written in batches while it ran
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check;", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
  sqlite3_finalize(st);
  sqlite3_close(db);
  // The next run loads it and goes on recording.
  run_result next = child("ab");
  EXPECT_EQ(next.err, "");
  EXPECT_NE(next.out.find("circular=0"), std::string::npos);
  EXPECT_EQ(tool("check " + store_).status, 0);
}

TEST_F(GraphStore, ACorruptStoreIsOneWarningAndAProcessLocalGraph) {
  std::ofstream(store_) << "this is not an SQLite database, just some text that is long enough to be read\n";
  run_result r = child("ab");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("circular=0 other=0"), std::string::npos);
  EXPECT_NE(r.err.find("lockdep: warning: graph_store=" + store_ + " is not a lockdep graph store"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("warning", r.err.find("warning") + 1), std::string::npos) << "one warning: " << r.err;
  EXPECT_EQ(tool("check " + store_).status, 2);
}

TEST_F(GraphStore, AStoreOfAnotherVersionIsRefused) {
  child("ab");  // a real store, then its version changed
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99;", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  run_result r = child("ba");
  EXPECT_NE(r.out.find("circular=0"), std::string::npos) << "nothing imported: " << r.err;
  EXPECT_NE(r.err.find("graph_store=" + store_ + " is a lockdep graph store of format version 99; this lockdep reads version 2"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(count(store_, "deps"), 1);  // and nothing written to it
}

// Format 1 (before signal_usage) is migrated: its dependencies kept and
// imported, the table added, the version raised.
TEST_F(GraphStore, AStoreOfFormatOneIsMigrated) {
  child("ab");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE signal_usage; PRAGMA user_version=1;", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(count(store_, "signal_usage"), -1);
  EXPECT_EQ(tool("check " + store_).status, 0);  // lockdep-graph reads it (and migrates it)
  run_result r = child("ba");
  EXPECT_NE(r.out.find("circular=1"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_EQ(count(store_, "signal_usage"), 0);
  long version = -1;
  ASSERT_EQ(sqlite3_open(store_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version;", -1, &st, nullptr), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW) version = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  EXPECT_EQ(version, 2);
}

TEST_F(GraphStore, AStoreThatCannotBeOpenedIsOneWarning) {
  run_result r = child("ab", "", "/nonexistent-dir/graph.db");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.err.find("graph_store=/nonexistent-dir/graph.db cannot be opened"), std::string::npos) << r.err;
}

}  // namespace

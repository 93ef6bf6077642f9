// The fixture of the graph-store tests (store_test.cpp, store_tool_test.cpp):
// a temporary directory with a store path, store_child run as separate
// processes on it, lockdep-graph run on stores, and row counts read back.
#pragma once

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace store_test {

struct run_result {
  int status = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class GraphStore : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lockdep-store-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    store_ = dir_ + "/graph.db";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  // Runs `command` with the store option (and a test name) set.
  run_result run(const std::string& command, const std::string& test_name = "", const std::string& store = "") {
    const std::string out = dir_ + "/out", err = dir_ + "/err";
    const std::string env = "LOCKDEP_OPTIONS=graph_store=" + (store.empty() ? store_ : store) +
                            (test_name.empty() ? std::string() : " LOCKDEP_TEST_NAME=" + test_name);
    run_result r;
    r.status = std::system((env + " " + command + " >" + out + " 2>" + err).c_str());
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }
  run_result child(const std::string& args, const std::string& test_name = "", const std::string& store = "") {
    return run(std::string(STORE_CHILD) + " " + args, test_name, store);
  }
  run_result tool(const std::string& args) {
    run_result r;
    const std::string out = dir_ + "/tool_out";
    const int st = std::system((std::string(LOCKDEP_GRAPH) + " " + args + " >" + out + " 2>&1").c_str());
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp(out);
    return r;
  }
  long count(const std::string& store, const char* table) {
    sqlite3* db = nullptr;
    long n = -1;
    if (sqlite3_open_v2(store.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, (std::string("SELECT count(*) FROM ") + table).c_str(), -1, &st, nullptr) ==
              SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
  }

  std::string dir_, store_;
};

}  // namespace store_test

// A test program for gtest_integration_test.cpp to run as a child process:
// each scenario (chosen by --gtest_filter and environment variables) makes
// lockdep::gtest pass or fail the program in one specific way. Not
// registered with ctest itself: several of its tests fail on purpose.
#include <gtest/gtest.h>

#include <cstdlib>
#include <mutex>
#include <thread>

#include "lockdep/gtest.hpp"
#include "lockdep/lockdep.hpp"
#include "lockdep/waiver.hpp"

namespace {

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && v[0] == '1';
}

// Takes a then b, then b then a: a circular dependency between two classes.
void abba(lockdep::mutex& a, lockdep::mutex& b) {
  {
    std::lock_guard g(a);
    std::lock_guard h(b);
  }
  {
    std::lock_guard g(b);
    std::lock_guard h(a);
  }
}

// LOCKDEP_FIT_STATIC_ABBA=1: an inversion in a static initialiser, before main.
const bool g_static_abba = [] {
  if (!env_set("LOCKDEP_FIT_STATIC_ABBA")) return false;
  static lockdep::mutex a{"static_a"};
  static lockdep::mutex b{"static_b"};
  abba(a, b);
  return true;
}();

void exit_handler_abba() {
  static lockdep::mutex a{"exit_a"};
  static lockdep::mutex b{"exit_b"};
  abba(a, b);
}

TEST(Child, Clean) {
  lockdep::mutex a{"clean_a"};
  lockdep::mutex b{"clean_b"};
  std::lock_guard g(a);
  std::lock_guard h(b);
  SUCCEED();
}

TEST(Child, AbbaInsideTest) {
  lockdep::mutex a{"inside_a"};
  lockdep::mutex b{"inside_b"};
  abba(a, b);
}

TEST(Child, AbbaInAnotherThread) {
  lockdep::mutex a{"thread_a"};
  lockdep::mutex b{"thread_b"};
  std::thread([&] { abba(a, b); }).join();
}

TEST(Child, ExpectedAbba) {
  lockdep::mutex a{"expected_a"};
  lockdep::mutex b{"expected_b"};
  EXPECT_LOCKDEP_REPORT(abba(a, b), lockdep::report_kind::circular_dependency);
}

TEST(Child, WaivedAbba) {
  lockdep::waive("waived_a", "waived_b", "known order in a vendor library");
  lockdep::mutex a{"waived_a"};
  lockdep::mutex b{"waived_b"};
  abba(a, b);
  EXPECT_EQ(lockdep::get_statistics().waived, 1u);
}

// The two halves of one inversion, in two tests of one process.
lockdep::mutex g_split_a{"split_a"};
lockdep::mutex g_split_b{"split_b"};
TEST(Split, LearnAB) {
  std::lock_guard g(g_split_a);
  std::lock_guard h(g_split_b);
}
TEST(Split, InvertBA) {
  std::lock_guard g(g_split_b);
  std::lock_guard h(g_split_a);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Registered after lockdep::gtest's own handler, so it runs before it.
  if (env_set("LOCKDEP_FIT_EXIT_ABBA")) std::atexit(&exit_handler_abba);
  return RUN_ALL_TESTS();
}

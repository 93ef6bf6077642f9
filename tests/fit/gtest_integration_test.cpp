// lockdep::gtest (include/lockdep/gtest.hpp): reports fail the running test,
// the EXPECT_/ASSERT_ macros, reports outside tests, the opt-in reset.
// In-process checks use gtest's spi (EXPECT_NONFATAL_FAILURE); whole-program
// behaviour (exit status) runs tests/fit/gtest_child.cpp as a child process.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <mutex>
#include <string>

#include "lockdep/gtest.hpp"
#include "lockdep/lockdep.hpp"

namespace {

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

// ---- in process -------------------------------------------------------------

TEST(GtestMacros, ExpectReportPassesOnTheExpectedKind) {
  lockdep::mutex a{"m1_a"};
  lockdep::mutex b{"m1_b"};
  EXPECT_LOCKDEP_REPORT(abba(a, b), lockdep::report_kind::circular_dependency);
}

TEST(GtestMacros, ExpectNoReportPassesWhenClean) {
  lockdep::mutex a{"m2_a"};
  lockdep::mutex b{"m2_b"};
  EXPECT_NO_LOCKDEP_REPORT({
    std::lock_guard g(a);
    std::lock_guard h(b);
  });
}

TEST(GtestMacros, ExpectReportFailsWithoutAReport) {
  EXPECT_NONFATAL_FAILURE(
      {
        lockdep::mutex a{"m3_a"};
        EXPECT_LOCKDEP_REPORT({ std::lock_guard g(a); }, lockdep::report_kind::circular_dependency);
      },
      "Actual: no lockdep report");
}

TEST(GtestMacros, ExpectReportFailsOnAnotherKind) {
  lockdep::mutex a{"m4_a"};
  lockdep::mutex b{"m4_b"};
  EXPECT_NONFATAL_FAILURE(
      EXPECT_LOCKDEP_REPORT(abba(a, b), lockdep::report_kind::recursive_locking),
      "Unexpected lockdep report (circular_dependency)");
}

TEST(GtestMacros, ExpectNoReportFailsWithTheReportText) {
  lockdep::mutex a{"m5_a"};
  lockdep::mutex b{"m5_b"};
  EXPECT_NONFATAL_FAILURE(EXPECT_NO_LOCKDEP_REPORT(abba(a, b)), "possible circular locking dependency detected");
}

// EXPECT_FATAL_FAILURE's statement may not use locals: static locks.
lockdep::mutex g_fatal_a{"m6_a"};
lockdep::mutex g_fatal_b{"m6_b"};
void assert_no_report_then_continue(bool* reached) {
  ASSERT_NO_LOCKDEP_REPORT(abba(g_fatal_a, g_fatal_b));
  *reached = true;
}
TEST(GtestMacros, AssertFormIsFatal) {
  static bool reached = false;
  EXPECT_FATAL_FAILURE(assert_no_report_then_continue(&reached), "m6_");
  EXPECT_FALSE(reached);
}

TEST(GtestMacros, AssertReportPasses) {
  // A bare lock_map: taking it twice is reported without deadlocking.
  lockdep::lock_map m{"m7_map"};
  ASSERT_LOCKDEP_REPORT(
      {
        lockdep::lock_acquire(m);
        lockdep::lock_acquire(m);
      },
      lockdep::report_kind::recursive_locking);
  lockdep::lock_release(m);
  lockdep::lock_release(m);
}

TEST(GtestListener, ReportInsideATestFailsItWithTheText) {
  lockdep::mutex a{"l1_a"};
  lockdep::mutex b{"l1_b"};
  EXPECT_NONFATAL_FAILURE(abba(a, b), "lockdep report during this test");
}

// ---- child processes ------------------------------------------------------------

struct child_result {
  int exit_status = -1;
  std::string output;
};

child_result run_child(const std::string& env, const std::string& filter) {
  const std::string cmd = env + " " FIT_CHILD_PATH " --gtest_filter=" + filter + " 2>&1";
  child_result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  if (WIFEXITED(status)) r.exit_status = WEXITSTATUS(status);
  return r;
}

TEST(GtestChild, CleanProgramPasses) {
  child_result r = run_child("", "Child.Clean");
  EXPECT_EQ(r.exit_status, 0) << r.output;
}

TEST(GtestChild, ReportInsideTestFailsThatTest) {
  child_result r = run_child("", "Child.Clean:Child.AbbaInsideTest");
  EXPECT_EQ(r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("lockdep report during this test"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("inside_a"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[  FAILED  ] Child.AbbaInsideTest"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("[  FAILED  ] Child.Clean"), std::string::npos) << r.output;
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Issue 13: the failure points at the test, not at lockdep's listener, and
// the report's text is in the output once.
TEST(GtestChild, ReportFailureIsLocatedAtTheTestAndPrintedOnce) {
  child_result r = run_child("", "Child.AbbaInsideTest");
  EXPECT_EQ(r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("gtest_child.cpp:57: Failure"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("listener.cpp"), std::string::npos) << r.output;
  EXPECT_EQ(occurrences(r.output, "WARNING: possible circular locking dependency detected\n"), 1u) << r.output;
  EXPECT_NE(r.output.find("lockdep report during this test: WARNING: possible circular locking dependency "
                          "detected (printed above)"),
            std::string::npos)
      << r.output;
}

TEST(GtestChild, ReportTextIsTheFailureMessageWhenNotPrinted) {
  child_result r = run_child("LOCKDEP_OPTIONS=print_reports=0", "Child.AbbaInsideTest");
  EXPECT_EQ(r.exit_status, 1) << r.output;
  EXPECT_EQ(occurrences(r.output, "WARNING: possible circular locking dependency detected\n"), 1u) << r.output;
  EXPECT_EQ(r.output.find("(printed above)"), std::string::npos) << r.output;
}

TEST(GtestChild, RunEndsWithOneSummaryLine) {
  child_result r = run_child("", "Child.Clean");
  EXPECT_EQ(r.exit_status, 0) << r.output;
  EXPECT_EQ(occurrences(r.output, "lockdep: "), 1u) << r.output;
  EXPECT_NE(r.output.find(" classes, "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" dependencies, 0 reports (0 waived, 0 suppressed)\n"), std::string::npos) << r.output;
  child_result failing = run_child("", "Child.AbbaInsideTest:Child.WaivedAbba");
  EXPECT_NE(failing.output.find(" dependencies, 1 reports (1 waived, 0 suppressed)\n"), std::string::npos)
      << failing.output;
}

TEST(GtestChild, PrintSummaryPrintsItOnceAtExit) {
  child_result r = run_child("LOCKDEP_OPTIONS=print_summary=1", "Child.Clean");
  EXPECT_EQ(r.exit_status, 0) << r.output;
  EXPECT_EQ(occurrences(r.output, " dependencies, 0 reports (0 waived, 0 suppressed)\n"), 1u) << r.output;
}

TEST(GtestChild, ReportFromAnotherThreadFailsTheTest) {
  child_result r = run_child("", "Child.AbbaInAnotherThread");
  EXPECT_EQ(r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("[  FAILED  ] Child.AbbaInAnotherThread"), std::string::npos) << r.output;
}

TEST(GtestChild, ExpectedReportPasses) {
  child_result r = run_child("", "Child.ExpectedAbba");
  EXPECT_EQ(r.exit_status, 0) << r.output;
}

TEST(GtestChild, WaivedReportPasses) {
  child_result r = run_child("", "Child.WaivedAbba");
  EXPECT_EQ(r.exit_status, 0) << r.output;
  EXPECT_NE(r.output.find("waived circular_dependency report (known order in a vendor library)"), std::string::npos) << r.output;
}

TEST(GtestChild, ReportInStaticInitFailsTheProgram) {
  child_result r = run_child("LOCKDEP_FIT_STATIC_ABBA=1", "Child.Clean");
  EXPECT_EQ(r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("static_a"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[       OK ] Child.Clean"), std::string::npos) << r.output;
}

TEST(GtestChild, ReportInExitHandlerFailsTheProgram) {
  child_result r = run_child("LOCKDEP_FIT_EXIT_ABBA=1", "Child.Clean");
  EXPECT_EQ(r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("exit_a"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("after the tests finished"), std::string::npos) << r.output;
}

// By default the graph accumulates across tests: the second half of a split
// inversion fails. With the opt-in reset, each test starts afresh.
TEST(GtestChild, GraphAccumulatesAcrossTestsByDefault) {
  child_result r = run_child("", "Split.*");
  EXPECT_EQ(r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("[  FAILED  ] Split.InvertBA"), std::string::npos) << r.output;
}

TEST(GtestChild, OptInResetIsolatesTests) {
  child_result r = run_child("LOCKDEP_GTEST_RESET=1", "Split.*");
  EXPECT_EQ(r.exit_status, 0) << r.output;
}

}  // namespace

// Runtime options (LOCKDEP_OPTIONS / parse_options / set_options) and
// waivers (lockdep/waiver.hpp).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include "lockdep/lockdep.hpp"
#include "fit_util.hpp"
#include "lockdep/waiver.hpp"
#include "support/report_capture.hpp"

namespace {

using lockdep::report_kind;

using fit_test::abba;

// Restores the options a test changed.
class options_guard {
 public:
  options_guard() : saved_(lockdep::get_options()) {}
  ~options_guard() { lockdep::set_options(saved_); }

 private:
  lockdep::options saved_;
};

// ---- parsing ---------------------------------------------------------------------

TEST(Options, EveryKnownOptionParses) {
  options_guard keep;
  ASSERT_TRUE(lockdep::parse_options(
      "halt_on_error=1:print_reports=0:stacktrace=0:max_reports=7:log_path=/tmp/x:fork_report=1:hung_timeout=3"));
  lockdep::options o = lockdep::get_options();
  EXPECT_TRUE(o.halt_on_error);
  EXPECT_FALSE(o.print_reports);
  EXPECT_FALSE(o.stacktrace);
  EXPECT_EQ(o.max_reports, 7);
  EXPECT_EQ(o.log_path, "/tmp/x");
  EXPECT_TRUE(o.report_held_at_fork);
  EXPECT_EQ(o.hung_timeout, 3);
  ASSERT_TRUE(lockdep::parse_options("show_locks_signal=0:lock_stat=0"));
  EXPECT_EQ(lockdep::get_options().show_locks_signal, 0);
  EXPECT_FALSE(lockdep::get_options().lock_stat);
  ASSERT_TRUE(lockdep::parse_options("print_summary=1"));
  EXPECT_TRUE(lockdep::get_options().print_summary);
  testing::internal::CaptureStderr();
  EXPECT_FALSE(lockdep::parse_options("show_locks_signal=100000"));
  EXPECT_NE(testing::internal::GetCapturedStderr().find("show_locks_signal=100000"), std::string::npos);
  // The core's table limits are read by the core at start-up; accepted here.
  EXPECT_TRUE(lockdep::parse_options("max_classes=100 max_dependencies=1000"));
}

TEST(Options, UnknownOptionWarnsNamingItAndKeepsDefaults) {
  options_guard keep;
  const lockdep::options before = lockdep::get_options();
  testing::internal::CaptureStderr();
  const bool ok = lockdep::parse_options("no_such_option=1:max_reports=5");
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(ok);
  EXPECT_NE(err.find("no_such_option"), std::string::npos) << err;
  const lockdep::options after = lockdep::get_options();
  EXPECT_EQ(after.max_reports, 5);  // the valid one still applies
  EXPECT_EQ(after.halt_on_error, before.halt_on_error);
  EXPECT_EQ(after.print_reports, before.print_reports);
}

TEST(Options, MalformedValueWarnsAndKeepsTheOldValue) {
  options_guard keep;
  const lockdep::options before = lockdep::get_options();
  for (const char* bad : {"max_reports=lots", "halt_on_error=maybe", "hung_timeout=-1", "print_reports"}) {
    testing::internal::CaptureStderr();
    EXPECT_FALSE(lockdep::parse_options(bad)) << bad;
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find(bad), std::string::npos) << "warning must name '" << bad << "': " << err;
  }
  const lockdep::options after = lockdep::get_options();
  EXPECT_EQ(after.max_reports, before.max_reports);
  EXPECT_EQ(after.halt_on_error, before.halt_on_error);
  EXPECT_EQ(after.hung_timeout, before.hung_timeout);
  EXPECT_EQ(after.print_reports, before.print_reports);
}

// LOCKDEP_OPTIONS is read once at start-up, before main.
TEST(Options, EnvironmentIsReadAtStartup) {
  const std::string cmd = "LOCKDEP_OPTIONS='bogus_from_env=1:max_reports=x' " FIT_CHILD_PATH
                          " --gtest_filter=Child.Clean 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  EXPECT_NE(out.find("bogus_from_env"), std::string::npos) << out;
  EXPECT_NE(out.find("max_reports=x"), std::string::npos) << out;
}

// ---- behaviour ----------------------------------------------------------------------

TEST(Options, LogPathWritesPathDotPid) {
  options_guard keep;
  lockdep::reset();
  char dir_template[] = "/tmp/lockdep_fit_XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string base = std::string(dir_template) + "/ld";
  lockdep::options o = lockdep::get_options();
  o.print_reports = true;
  o.halt_on_error = false;
  o.log_path = base;
  lockdep::set_options(o);
  lockdep::mutex a{"log_a"};
  lockdep::mutex b{"log_b"};
  testing::internal::CaptureStderr();
  abba(a, b);
  lockdep::flush_reports();
  const std::string err = testing::internal::GetCapturedStderr();
  std::ifstream f(base + "." + std::to_string(getpid()));
  ASSERT_TRUE(f.good()) << "no " << base << "." << getpid();
  std::stringstream text;
  text << f.rdbuf();
  EXPECT_NE(text.str().find("possible circular locking dependency detected"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("log_a"), std::string::npos);
  EXPECT_EQ(err.find("possible circular locking"), std::string::npos) << "went to stderr too: " << err;
  f.close();
  std::filesystem::remove_all(dir_template);
}

TEST(Options, MaxReportsCountsTheRest) {
  lockdep_test::report_capture cap;
  lockdep::options o = lockdep::get_options();
  o.max_reports = static_cast<int>(lockdep::get_statistics().reports) + 1;
  lockdep::set_options(o);
  const auto suppressed_before = lockdep::get_statistics().suppressed;
  lockdep::mutex a{"max_a"};
  lockdep::mutex b{"max_b"};
  lockdep::mutex c{"max_c"};
  lockdep::mutex d{"max_d"};
  abba(a, b);
  abba(c, d);
  EXPECT_EQ(cap.count(), 1u);
  EXPECT_EQ(lockdep::get_statistics().suppressed, suppressed_before + 1);
}

TEST(Options, MaxReportsReachedIsSaidOnce) {
  options_guard keep;
  lockdep::reset();
  lockdep::options o = lockdep::get_options();
  o.print_reports = true;
  o.stacktrace = false;
  o.max_reports = static_cast<int>(lockdep::get_statistics().reports) + 1;
  lockdep::set_options(o);
  lockdep::mutex a{"said_a"}, b{"said_b"}, c{"said_c"}, d{"said_d"}, e{"said_e"}, f{"said_f"};
  testing::internal::CaptureStderr();
  abba(a, b);
  abba(c, d);
  abba(e, f);
  lockdep::flush_reports();
  const std::string err = testing::internal::GetCapturedStderr();
  const std::string notice = "max_reports=" + std::to_string(o.max_reports) + " reached";
  const auto first = err.find(notice);
  ASSERT_NE(first, std::string::npos) << err;
  EXPECT_EQ(err.find(notice, first + 1), std::string::npos) << "said twice: " << err;
  EXPECT_NE(err.find("said_a"), std::string::npos) << err;
  EXPECT_EQ(err.find("said_c"), std::string::npos) << "printed past the limit: " << err;
}

TEST(OptionsDeathTest, HaltOnErrorAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        lockdep::options o = lockdep::get_options();
        o.halt_on_error = true;
        o.print_reports = true;
        o.log_path.clear();
        lockdep::set_options(o);
        lockdep::mutex a{"halt_a"};
        lockdep::mutex b{"halt_b"};
        abba(a, b);
      },
      "halt_on_error=1, aborting");
}

// ---- waivers --------------------------------------------------------------------------

class Waivers : public testing::Test {
 protected:
  void SetUp() override { lockdep::clear_waivers(); }
  void TearDown() override { lockdep::clear_waivers(); }
};

TEST_F(Waivers, PairByNameIsDeliveredMarkedCountedAndListed) {
  lockdep_test::report_capture cap;
  lockdep::waive("wv1_a", "wv1_b", "vendor order, ticket 42");
  const auto waived_before = lockdep::get_statistics().waived;
  const auto reports_before = lockdep::get_statistics().reports;
  lockdep::mutex a{"wv1_a"};
  lockdep::mutex b{"wv1_b"};
  abba(a, b);
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_TRUE(cap.first().waived);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
  EXPECT_EQ(lockdep::get_statistics().waived, waived_before + 1);
  EXPECT_EQ(lockdep::get_statistics().reports, reports_before) << "a waived report is not an error report";
  const auto listed = lockdep::waived_reports();
  ASSERT_FALSE(listed.empty());
  EXPECT_EQ(listed.back().reason, "vendor order, ticket 42");
  EXPECT_EQ(listed.back().kind, report_kind::circular_dependency);
  ASSERT_EQ(listed.back().classes.size(), 2u);
  EXPECT_EQ(listed.back().classes[0], "wv1_a");
}

TEST_F(Waivers, OtherPairsAreStillErrors) {
  lockdep_test::report_capture cap;
  lockdep::waive("wv2_a", "wv2_other", "not this pair");
  lockdep::mutex a{"wv2_a"};
  lockdep::mutex b{"wv2_b"};
  abba(a, b);
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_FALSE(cap.first().waived);
}

TEST_F(Waivers, SingleClassAndKeyWaivers) {
  lockdep_test::report_capture cap;
  lockdep::waive("wv3_legacy", "being removed");
  static lockdep::lock_class_key key_x{"wv3_x"};
  static lockdep::lock_class_key key_y{"wv3_y"};
  lockdep::waive(key_x, key_y, "by key");
  lockdep::mutex legacy{"wv3_legacy"};
  lockdep::mutex other{"wv3_other"};
  lockdep::mutex x{key_x};
  lockdep::mutex y{key_y};
  abba(legacy, other);
  abba(x, y);
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_TRUE(reports[0].waived);
  EXPECT_TRUE(reports[1].waived);
  const auto listed = lockdep::waived_reports();
  ASSERT_GE(listed.size(), 2u);
  EXPECT_EQ(listed[listed.size() - 2].reason, "being removed");
  EXPECT_EQ(listed.back().reason, "by key");
}

TEST_F(Waivers, NotPrintedAsAnErrorAndNoHalt) {
  options_guard keep;
  lockdep::reset();
  lockdep::waive("wv4_a", "wv4_b", "accepted");
  lockdep::options o = lockdep::get_options();
  o.print_reports = true;
  o.halt_on_error = true;  // must not fire for a waived report
  o.log_path.clear();
  lockdep::set_options(o);
  lockdep::mutex a{"wv4_a"};
  lockdep::mutex b{"wv4_b"};
  testing::internal::CaptureStderr();
  abba(a, b);
  lockdep::flush_reports();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("is trying to acquire lock"), std::string::npos) << err;
  EXPECT_NE(err.find("waived circular_dependency report (accepted)"), std::string::npos) << err;
}

}  // namespace

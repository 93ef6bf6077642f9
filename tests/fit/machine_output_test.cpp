// report_format=json|sarif: what real reports produce, parsed (by
// check_machine_output.py, with Python's json module) and checked field by
// field against report_child.cpp, whose reports they are.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "fit_util.hpp"
#include "lockdep/lockdep.hpp"

namespace {

using fit_test::run_child;
using fit_test::temp_dir;

const std::string k_child = REPORT_CHILD_PATH;
const std::string k_source = REPORT_CHILD_SOURCE;

int check(const std::string& mode, const std::string& file, const std::string& extra = "") {
  const std::string cmd = "python3 '" CHECK_SCRIPT_PATH "' " + mode + " '" + file + "' '" + k_source + "' " + extra;
  return std::system(cmd.c_str());
}

std::string log_of(const temp_dir& d, long pid) { return d.file("ld." + std::to_string(pid)); }

TEST(MachineOutput, JsonIsOneObjectPerReportPerLine) {
  temp_dir d;
  const auto r = run_child(d, "report_format=json:log_path=" + d.file("ld"), k_child);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GT(r.pid, 0);
  const std::string log = fit_test::read_file(log_of(d, r.pid));
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.front(), '{') << log;
  EXPECT_EQ(check("json", log_of(d, r.pid)), 0) << log;
  EXPECT_EQ(r.err.find("WARNING"), std::string::npos) << "text report on stderr: " << r.err;
  EXPECT_FALSE(std::filesystem::exists(log_of(d, r.pid) + ".sarif"));
}

TEST(MachineOutput, JsonGoesToStderrWithoutLogPath) {
  temp_dir d;
  const auto r = run_child(d, "report_format=json", k_child);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string path = d.write("stderr.jsonl", r.err);
  EXPECT_EQ(check("json", path), 0) << r.err;
}

TEST(MachineOutput, SarifLogIsWrittenAtExit) {
  temp_dir d;
  const auto r = run_child(d, "report_format=sarif:log_path=" + d.file("ld"), k_child);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string sarif = log_of(d, r.pid) + ".sarif";
  ASSERT_TRUE(std::filesystem::exists(sarif)) << r.err;
  EXPECT_EQ(check("sarif", sarif), 0) << fit_test::read_file(sarif);
  // The text reports are still written where they always go.
  EXPECT_NE(fit_test::read_file(log_of(d, r.pid)).find("possible circular locking dependency"), std::string::npos);
}

TEST(MachineOutput, SarifWithoutLogPathIsLockdepDotPid) {
  temp_dir d;
  const auto r = run_child(d, "report_format=sarif:print_reports=1", k_child);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(check("sarif", d.file("lockdep." + std::to_string(r.pid) + ".sarif")), 0);
}

// A forked child's log holds its own reports (none), not the parent's.
TEST(MachineOutput, ForkedChildWritesOnlyItsOwnSarif) {
  temp_dir d;
  const auto r = run_child(d, "report_format=sarif:log_path=" + d.file("ld"), k_child + " fork");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::size_t at = r.out.find("forked=");
  ASSERT_NE(at, std::string::npos) << r.out;
  const long child = std::stol(r.out.substr(at + 7));
  EXPECT_EQ(check("sarif", log_of(d, r.pid) + ".sarif"), 0);
  const std::string child_log = fit_test::read_file(log_of(d, child) + ".sarif");
  EXPECT_NE(child_log.find("\"results\":[]"), std::string::npos) << child_log;
}

// Near misses: a clean run has a SARIF log with no results; text stays the
// default; an unknown format is refused with a warning.
TEST(MachineOutput, CleanRunWritesAnEmptySarifLog) {
  temp_dir d;
  const auto r = run_child(d, "report_format=sarif:log_path=" + d.file("ld"), k_child + " clean");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string sarif = fit_test::read_file(log_of(d, r.pid) + ".sarif");
  EXPECT_NE(sarif.find("\"version\":\"2.1.0\""), std::string::npos) << sarif;
  EXPECT_NE(sarif.find("\"results\":[]"), std::string::npos) << sarif;
  EXPECT_FALSE(std::filesystem::exists(log_of(d, r.pid)));
}

TEST(MachineOutput, TextIsTheDefault) {
  temp_dir d;
  const auto r = run_child(d, "log_path=" + d.file("ld"), k_child);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string log = fit_test::read_file(log_of(d, r.pid));
  EXPECT_NE(log.find("WARNING: possible circular locking dependency detected"), std::string::npos) << log;
  EXPECT_EQ(log.find("\"kind\""), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(log_of(d, r.pid) + ".sarif"));
}

TEST(MachineOutput, UnknownFormatWarnsAndKeepsTheFormat) {
  const lockdep::options before = lockdep::get_options();
  testing::internal::CaptureStderr();
  EXPECT_FALSE(lockdep::parse_options("report_format=xml"));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("report_format=xml"), std::string::npos) << err;
  EXPECT_EQ(lockdep::get_options().format, before.format);
  EXPECT_TRUE(lockdep::parse_options("report_format=text"));
  EXPECT_EQ(lockdep::get_options().format, lockdep::report_format::text);
  lockdep::set_options(before);
}

// A suppressed report is in both outputs, marked waived (JSON) or carrying a
// SARIF suppression, so code scanning shows it as suppressed.
TEST(MachineOutput, SuppressedReportIsMarked) {
  temp_dir d;
  const std::string supp = d.write("lockdep.supp", "circular_dependency:&dev->lock,&queue->lock  # vendor SDK\n");
  auto r = run_child(d, "report_format=json:log_path=" + d.file("ld") + ":suppressions=" + supp, k_child);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(check("json", log_of(d, r.pid), "--waived circular_dependency"), 0);
  r = run_child(d, "report_format=sarif:log_path=" + d.file("ld") + ":suppressions=" + supp, k_child);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(check("sarif", log_of(d, r.pid) + ".sarif", "--waived circular_dependency"), 0);
}

}  // namespace

// The suppressions file (LOCKDEP_OPTIONS=suppressions=PATH): matching
// reports are waived (passed on marked, counted, never printed, never a
// test failure), the rest are not; bad files and lines are warnings naming
// file and line; the exit summary lists what each entry matched.
#include <gtest/gtest.h>

#include <mutex>
#include <string>

#include "fit_util.hpp"
#include "lockdep/lockdep.hpp"
#include "lockdep/waiver.hpp"
#include "support/report_capture.hpp"

namespace {

using fit_test::temp_dir;
using lockdep::report_kind;

using fit_test::abba;

// Uses the suppressions file with `text` for one test, printing reports
// (to see that nothing is printed for suppressed ones).
class suppressions_file {
 public:
  explicit suppressions_file(const std::string& text) : path_(dir_.write("lockdep.supp", text)) {
    EXPECT_TRUE(lockdep::parse_options("suppressions=" + path_));
    lockdep::options o = lockdep::get_options();
    o.print_reports = true;
    lockdep::set_options(o);
  }
  ~suppressions_file() { lockdep::parse_options("suppressions="); }
  const std::string& path() const { return path_; }

 private:
  temp_dir dir_;
  std::string path_;
};

TEST(Suppressions, MatchingReportIsWaivedCountedAndNotPrinted) {
  lockdep_test::report_capture cap;
  suppressions_file f("# known ones\ncircular_dependency:&dev->lock,&queue->lock  # vendor SDK, bug 123\n");
  const auto before = lockdep::get_statistics();
  lockdep::mutex dev{"&dev->lock"}, queue{"&queue->lock"};
  testing::internal::CaptureStderr();
  abba(dev, queue);
  lockdep::flush_reports();
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_EQ(cap.count(), 1u);
  const lockdep::report r = cap.first();
  EXPECT_EQ(r.kind, report_kind::circular_dependency);
  EXPECT_TRUE(r.waived);
  EXPECT_EQ(r.waiver_reason, "suppressions " + f.path() + ":2: circular_dependency:&dev->lock,&queue->lock");
  EXPECT_EQ(err, "") << "printed: " << err;
  const auto after = lockdep::get_statistics();
  EXPECT_EQ(after.reports, before.reports);
  EXPECT_EQ(after.waived, before.waived) << "suppressed reports are counted apart from waive()d ones";
  const lockdep::suppression_stats s = lockdep::suppression_statistics();
  EXPECT_EQ(s.suppressed, 1u);
  ASSERT_EQ(s.entries.size(), 1u);
  EXPECT_EQ(s.entries[0].matched, 1u);
  EXPECT_EQ(s.entries[0].line, 2);
  EXPECT_EQ(s.entries[0].file, f.path());
  EXPECT_EQ(s.entries[0].entry, "circular_dependency:&dev->lock,&queue->lock");
}

TEST(Suppressions, WildcardsInKindAndClasses) {
  lockdep_test::report_capture cap;
  suppressions_file f("circular_*:wild_*_x , *_y\n*:solo_wild\n");
  lockdep::mutex a{"wild_a_x"}, b{"wild_b_y"};
  abba(a, b);
  lockdep::lock_map m{"solo_wild"};
  lockdep::lock_acquire(m);
  lockdep::lock_acquire(m);
  lockdep::lock_release(m);
  lockdep::lock_release(m);
  ASSERT_EQ(cap.count(), 2u);
  for (const auto& r : cap.reports()) EXPECT_TRUE(r.waived) << r.text;
  const auto s = lockdep::suppression_statistics();
  EXPECT_EQ(s.suppressed, 2u);
  EXPECT_EQ(s.entries.at(0).matched, 1u);
  EXPECT_EQ(s.entries.at(1).matched, 1u);
}

// Near misses: another kind, a class the report does not involve, a prefix
// without '*': the report is an ordinary (printed) one.
TEST(Suppressions, NearMissesAreReported) {
  lockdep_test::report_capture cap;
  suppressions_file f(
      "recursive_locking:nm_a,nm_b\n"
      "circular_dependency:nm_a,nm_other\n"
      "circular_dependency:nm_\n"
      "circular_dependency:nm_a#2\n");
  lockdep::mutex a{"nm_a"}, b{"nm_b"};
  testing::internal::CaptureStderr();
  abba(a, b);
  lockdep::flush_reports();
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_FALSE(cap.first().waived);
  EXPECT_NE(err.find("possible circular locking dependency"), std::string::npos) << err;
  const auto s = lockdep::suppression_statistics();
  EXPECT_EQ(s.suppressed, 0u);
  ASSERT_EQ(s.entries.size(), 4u);
  for (const auto& e : s.entries) EXPECT_EQ(e.matched, 0u) << e.entry;
}

TEST(Suppressions, MalformedLinesWarnNamingFileAndLine) {
  temp_dir d;
  const std::string path = d.write("bad.supp",
                                   "# header comment\n"
                                   "\n"
                                   "no_colon_here\n"
                                   "bogus_kind:x\n"
                                   "circular_dependency:a,,b\n"
                                   "circular_dependency:label#2 # a label keeps its '#'\n");
  testing::internal::CaptureStderr();
  lockdep::parse_options("suppressions=" + path);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find(path + ":3: malformed suppression 'no_colon_here'"), std::string::npos) << err;
  EXPECT_NE(err.find(path + ":4: malformed suppression 'bogus_kind:x' (unknown report kind)"), std::string::npos) << err;
  EXPECT_NE(err.find(path + ":5: malformed suppression"), std::string::npos) << err;
  EXPECT_EQ(err.find(":6:"), std::string::npos) << err;
  EXPECT_EQ(err.find(":1:"), std::string::npos) << err;
  const auto s = lockdep::suppression_statistics();
  ASSERT_EQ(s.entries.size(), 1u);
  EXPECT_EQ(s.entries[0].entry, "circular_dependency:label#2");
  EXPECT_EQ(s.entries[0].line, 6);
  lockdep::parse_options("suppressions=");
  EXPECT_TRUE(lockdep::suppression_statistics().entries.empty());
}

TEST(Suppressions, UnreadableFileWarnsNamingIt) {
  testing::internal::CaptureStderr();
  lockdep::parse_options("suppressions=/nonexistent/lockdep.supp");
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("cannot read suppressions file /nonexistent/lockdep.supp"), std::string::npos) << err;
  EXPECT_TRUE(lockdep::suppression_statistics().entries.empty());
  lockdep::parse_options("suppressions=");
}

// At exit: how many reports were suppressed and what each entry matched;
// an entry that never matched is said so (stale). The other report is
// printed as usual.
TEST(Suppressions, ExitSummaryListsEntries) {
  temp_dir d;
  const std::string supp = d.write("lockdep.supp",
                                   "# vendor\n"
                                   "circular_dependency:&dev->lock,&queue->lock  # bug 123\n"
                                   "held_lock_freed:stale_*\n");
  const auto r = fit_test::run_child(d, "suppressions=" + supp, REPORT_CHILD_PATH);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("lockdep: suppressions " + supp + ": 1 report suppressed\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lockdep:   1 x circular_dependency:&dev->lock,&queue->lock (line 2)\n"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("lockdep:   never matched: held_lock_freed:stale_* (line 3)\n"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("possible circular locking dependency"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("possible recursive locking detected"), std::string::npos) << r.err;
}

TEST(Suppressions, NoSummaryWithoutSuppressions) {
  temp_dir d;
  const auto r = fit_test::run_child(d, "", REPORT_CHILD_PATH);
  EXPECT_EQ(r.err.find("lockdep: suppressions"), std::string::npos) << r.err;
}

// A suppressed report does not fail a GoogleTest test (lockdep::gtest); the
// same test fails without the file.
TEST(Suppressions, SuppressedReportDoesNotFailTheTest) {
  temp_dir d;
  const std::string supp = d.write("lockdep.supp", "circular_dependency:inside_a,inside_b\n");
  const std::string child = std::string(FIT_CHILD_PATH) + " --gtest_filter=Child.AbbaInsideTest";
  const auto suppressed = fit_test::run_child(d, "suppressions=" + supp, child);
  EXPECT_EQ(suppressed.exit_code, 0) << suppressed.out << suppressed.err;
  const auto plain = fit_test::run_child(d, "", child);
  EXPECT_NE(plain.exit_code, 0) << plain.out;
}

}  // namespace

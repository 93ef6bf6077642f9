// The headline example's report has the seed kernel report's structure, line
// for line (tests/data/irq-lock-inversion.txt is a copy of the seed).
//
// Both texts are normalised the same way, keeping everything that is
// lockdep's layout and dropping what only says where code lives:
//   * `at:` locations, hex addresses and `+0x../0x..` offsets go;
//   * stack-frame lines go (every frame line we print contains `+0x`; the
//     kernel's inlined frames end in `[inline]` instead);
//   * kernel-only lines go: the version/ident line, CPU:, Hardware name:,
//     Call Trace:, <IRQ>, </IRQ>, RIP:, Code: and the register dumps;
//   * the thread identity (`name/tid`, the kernel's `comm/cpu/pid`) becomes
//     <thread>;
//   * runs of whitespace fold to one space, and consecutive lines that became
//     identical collapse (the kernel prints an `[inline]` lock line and then
//     its caller's).
// The remaining lines must match exactly; on failure the test prints a diff.
#define SEED_IRQ_INVERSION_NO_MAIN
#include "../../examples/seed_irq_inversion.cpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/report_capture.hpp"

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool is_kernel_only(const std::string& l) {
  static const std::regex kernel_only(
      R"(^(CPU:|Hardware name:|Call Trace:|<IRQ>|</IRQ>|RIP:|Code:|R[A-Z0-9]{1,3}:|EFLAGS:).*|.* Not tainted.*)");
  return std::regex_match(l, kernel_only);
}

std::vector<std::string> normalise(const std::string& text) {
  static const std::regex at_location(R"(\bat: .*$)");
  static const std::regex offset(R"(\+0x[0-9a-f]+(/0x[0-9a-f]+)?)");
  static const std::regex address(R"(\[<[0-9a-f]+>\]|\b(0x)?[0-9a-f]{8,16}\b)");
  static const std::regex thread(R"([^\s/(]+(/[0-9]+)+\b)");
  static const std::regex spaces(R"(\s+)");
  std::vector<std::string> out;
  for (std::string l : split_lines(text)) {
    l = std::regex_replace(l, at_location, "at:");
    const bool frame = l.find("+0x") != std::string::npos ||
                       (l.size() >= 8 && l.compare(l.size() - 8, 8, "[inline]") == 0);
    if (frame) continue;
    l = std::regex_replace(l, spaces, " ");
    if (!l.empty() && l.front() == ' ') l.erase(0, 1);
    if (!l.empty() && l.back() == ' ') l.pop_back();
    if (is_kernel_only(l)) continue;
    l = std::regex_replace(l, offset, "");
    l = std::regex_replace(l, address, "");
    l = std::regex_replace(l, thread, "<thread>");
    l = std::regex_replace(l, spaces, " ");
    if (!l.empty() && l.front() == ' ') l.erase(0, 1);
    if (!l.empty() && l.back() == ' ') l.pop_back();
    if (!out.empty() && out.back() == l) continue;
    out.push_back(l);
  }
  while (!out.empty() && out.front().empty()) out.erase(out.begin());
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

// A line diff (longest common subsequence): "-" only in the seed, "+" only in ours.
std::string diff(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<unsigned>> lcs(n + 1, std::vector<unsigned>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::string out;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out += "+ " + b[j++] + "\n";
    } else {
      out += "- " + a[i++] + "\n";
    }
  }
  return out;
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SeedReport, NormalisationKeepsTheLayoutAndDropsLocations) {
  const auto lines = normalise(
      "\nswapper/1/0 just changed the state of lock:\n"
      "ffff8880a243bcd8 (&ctx->ctx_lock){..-.}-{2:2}, at: spin_lock_irq include/linux/spinlock.h:378 [inline]\n"
      "ffff8880a243bcd8 (&ctx->ctx_lock){..-.}-{2:2}, at: free_ioctx_users+0x2b/0x450 fs/aio.c:618\n"
      "                      lookup_slow fs/namei.c:1547 [inline]\n"
      "   free_ioctx_users(kioctx&) (seed_irq_inversion+0x401a) examples/seed_irq_inversion.cpp:74\n"
      "  ... key      at: [<ffffffff8bbc62c0>] __key.53831+0x0/0x40\n"
      "RAX: 1ffffffff132930f RBX: ffff8880a95f2340 RCX: 0000000000000000\n"
      "2 locks held by seed_irq_invers/9556:\n");
  const std::vector<std::string> expected = {
      "<thread> just changed the state of lock:",
      "(&ctx->ctx_lock){..-.}-{2:2}, at:",
      "... key at:",
      "2 locks held by <thread>:",
  };
  EXPECT_EQ(lines, expected);
}

TEST(SeedReport, ExampleReproducesTheSeedLineForLine) {
  lockdep_test::report_capture cap;
  seed_irq_inversion_scenario();
  const auto reports = cap.reports();
  ASSERT_EQ(reports.size(), 1u);
  const lockdep::report& r = reports[0];

  // The structured report says the same thing as the text.
  EXPECT_EQ(r.kind, lockdep::report_kind::irq_lock_inversion);
  ASSERT_EQ(r.classes.size(), 2u);
  EXPECT_EQ(r.classes[0].name, "&ctx->ctx_lock");
  EXPECT_EQ(r.classes[0].usage, "..-.");
  EXPECT_EQ(r.classes[1].name, "&pid->wait_pidfd");
  EXPECT_EQ(r.classes[1].usage, "+.+.");
  ASSERT_EQ(r.held_locks.size(), 2u);
  EXPECT_EQ(r.held_locks[0].cls.name, "rcu_callback");
  EXPECT_EQ(r.held_locks[1].cls.name, "rcu_read_lock");
  EXPECT_EQ(r.held_locks[1].cls.wait_outer, 1);
  EXPECT_EQ(r.held_locks[1].cls.wait_inner, 2);

  const std::string seed = read_file(LOCKDEP_SEED_REPORT);
  ASSERT_FALSE(seed.empty()) << "cannot read " << LOCKDEP_SEED_REPORT;
  const auto want = normalise(seed);
  const auto got = normalise(r.text);
  // Banner, lock lines, scenario, held locks, usage blocks: the seed keeps
  // about fifty lines of layout once locations are gone.
  ASSERT_GT(want.size(), 40u);
  EXPECT_EQ(got, want) << "diff (- seed, + ours):\n" << diff(want, got) << "\nour report:\n" << r.text;
}

// The traces name the seed's functions where the seed names them.
TEST(SeedReport, TracesNameTheSeedsFunctions) {
  lockdep_test::report_capture cap;
  seed_irq_inversion_scenario();
  ASSERT_EQ(cap.count(), 1u);
  const std::string& text = cap.first().text;
  for (const char* fn : {"free_ioctx_users", "proc_pid_make_inode", "do_notify_pidfd", "aio_poll", "rcu_core"})
    EXPECT_NE(text.find(fn), std::string::npos) << fn << " missing from:\n" << text;
}

}  // namespace

// The text layout of the two commonest reports, line by line where the
// kernel's layout is fixed (kernel-lockdep.md §1.0-1.2). Only this file
// parses report text; the others assert on the structured report.
#include <gtest/gtest.h>

#include <cctype>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core_test_util.hpp"
#include "lockdep/lockdep.hpp"

using core_test::contains;
using lockdep::report_kind;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::size_t index_of(const std::vector<std::string>& lines, const std::string& l, std::size_t from = 0) {
  for (std::size_t i = from; i < lines.size(); ++i)
    if (lines[i] == l) return i;
  return lines.size();
}

// `<16 hex digits> (name){uuuu}-{o:i}, at: <something>`: one lock line.
// (Checked by hand: <regex> trips GCC 12's -Wmaybe-uninitialized under
// sanitizers.)
bool is_lock_line(const std::string& l, const std::string& name) {
  if (l.size() < 16) return false;
  for (std::size_t i = 0; i < 16; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(l[i])) || std::isupper(static_cast<unsigned char>(l[i])))
      return false;
  std::size_t at = 16;
  const std::string open = " (" + name + "){";
  if (l.compare(at, open.size(), open) != 0) return false;
  at += open.size();
  if (l.size() < at + 4 + 9 + 7 + 1) return false;
  for (std::size_t i = 0; i < 4; ++i)
    if (std::string_view("-+?.").find(l[at + i]) == std::string_view::npos) return false;
  at += 4;
  const std::string rest = l.substr(at, 9);  // "}-{o:i}, "
  return rest.size() == 9 && rest.compare(0, 3, "}-{") == 0 && std::isdigit(static_cast<unsigned char>(rest[3])) &&
         rest[4] == ':' && std::isdigit(static_cast<unsigned char>(rest[5])) && rest.compare(6, 3, "}, ") == 0 &&
         l.compare(at + 9, 4, "at: ") == 0 && l.size() > at + 13;
}

// Banner: an empty line, `=` row, header, ident, `-` row, rows as long as
// the header.
void expect_banner(const lockdep::report& r, const std::vector<std::string>& lines) {
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[0], "");
  EXPECT_EQ(lines[1], std::string(r.header.size(), '='));
  EXPECT_EQ(lines[2], r.header);
  EXPECT_FALSE(lines[3].empty());  // ident line
  EXPECT_EQ(lines[4], std::string(r.header.size(), '-'));
}

// `N lock(s) held by <thread>/<tid>:` followed by N ` #i: ` lines, then
// `stack backtrace:` with at least one frame.
void expect_held_list_and_backtrace(const lockdep::report& r, const std::vector<std::string>& lines,
                                    std::size_t n_held) {
  const std::string count_line = std::to_string(n_held) + (n_held == 1 ? " lock" : " locks") + " held by " +
                                 r.thread_name + "/" + std::to_string(r.tid) + ":";
  const std::size_t at = index_of(lines, count_line);
  ASSERT_LT(at, lines.size()) << "no line `" << count_line << "` in\n" << r.text;
  for (std::size_t i = 0; i < n_held; ++i) {
    ASSERT_LT(at + 1 + i, lines.size());
    const std::string& l = lines[at + 1 + i];
    const std::string prefix = " #" + std::to_string(i) + ": ";
    ASSERT_EQ(l.compare(0, prefix.size(), prefix), 0) << l;
    EXPECT_TRUE(is_lock_line(l.substr(prefix.size()), r.held_locks.at(i).cls.name)) << l;
  }
  const std::size_t bt = index_of(lines, "stack backtrace:", at);
  ASSERT_LT(bt + 1, lines.size());
  EXPECT_EQ(lines[bt - 1], "");
  EXPECT_EQ(lines[bt + 1].substr(0, 1), " ");  // frames indented by one
}

}  // namespace

TEST(CoreLayout, RecursiveReportText) {
  lockdep_test::report_capture cap;
  lockdep::lock_map outer{"layout_outer"};
  lockdep::lock_map m{"layout_rec"};
  lockdep::lock_acquire(outer);
  lockdep::lock_acquire(m);
  lockdep::lock_acquire(m);
  lockdep::lock_release(m);
  lockdep::lock_release(m);
  lockdep::lock_release(outer);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  ASSERT_EQ(r.kind, report_kind::recursive_locking);
  const auto lines = lines_of(r.text);
  expect_banner(r, lines);
  EXPECT_EQ(lines[5], r.thread_name + "/" + std::to_string(r.tid) + " is trying to acquire lock:");
  EXPECT_TRUE(is_lock_line(lines[6], "layout_rec")) << lines[6];
  EXPECT_TRUE(contains(lines[6], "(layout_rec){+.+.}-{3:3}, at: ")) << lines[6];
  EXPECT_EQ(lines[7], "");
  EXPECT_EQ(lines[8], "but task is already holding lock:");
  EXPECT_TRUE(contains(r.text,
                       "other info that might help us debug this:\n"
                       " Possible unsafe locking scenario:\n"
                       "\n"
                       "       CPU0\n"
                       "       ----\n"
                       "  lock(layout_rec);\n"
                       "  lock(layout_rec);\n"
                       "\n"
                       " *** DEADLOCK ***\n"
                       "\n"
                       " May be due to missing lock nesting notation\n"));
  expect_held_list_and_backtrace(r, lines, 2);
}

TEST(CoreLayout, CircularReportText) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"layout_a"};
  lockdep::mutex b{"layout_b"};
  lockdep::mutex c{"layout_c"};
  {
    std::lock_guard<lockdep::mutex> ga(a);
    std::lock_guard<lockdep::mutex> gb(b);
  }
  {
    std::lock_guard<lockdep::mutex> gb(b);
    std::lock_guard<lockdep::mutex> gc(c);
  }
  {
    std::lock_guard<lockdep::mutex> gc(c);
    std::lock_guard<lockdep::mutex> ga(a);
  }
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  ASSERT_EQ(r.kind, report_kind::circular_dependency);
  const auto lines = lines_of(r.text);
  expect_banner(r, lines);
  EXPECT_EQ(lines[5], r.thread_name + "/" + std::to_string(r.tid) + " is trying to acquire lock:");
  const std::size_t chain = index_of(lines, "the existing dependency chain (in reverse order) is:");
  ASSERT_LT(chain, lines.size());
  EXPECT_EQ(lines[chain - 1], "");
  EXPECT_EQ(lines[chain - 2], "");
  EXPECT_EQ(lines[chain - 3], "which lock already depends on the new lock.");
  // Entries `-> #2`, `-> #1`, `-> #0`, each after an empty line and
  // followed by frames indented by 7 spaces.
  std::size_t at = chain;
  for (int depth = 2; depth >= 0; --depth) {
    const std::string entry = "-> #" + std::to_string(depth) + " (layout_";
    auto is_entry = [&](const std::string& l) {
      return l.compare(0, entry.size(), entry) == 0 && l.size() > entry.size() + 14 &&
             l.compare(l.size() - 8, 8, "}-{3:3}:") == 0;
    };
    std::size_t i = at + 1;
    while (i < lines.size() && !is_entry(lines[i])) ++i;
    ASSERT_LT(i + 1, lines.size()) << "no -> #" << depth << " entry in\n" << r.text;
    EXPECT_EQ(lines[i - 1], "");
    EXPECT_EQ(lines[i + 1].substr(0, 7), std::string(7, ' '));
    EXPECT_NE(lines[i + 1][7], ' ');
    at = i;
  }
  const std::size_t chain_exists = index_of(lines, "Chain exists of:", at);
  ASSERT_LT(chain_exists + 1, lines.size());
  EXPECT_EQ(lines[chain_exists + 1], "  layout_a --> layout_b --> layout_c");
  const std::size_t cpu = index_of(lines, "       CPU0                    CPU1", chain_exists);
  ASSERT_LT(cpu + 5, lines.size());
  EXPECT_EQ(lines[cpu + 1], "       ----                    ----");
  EXPECT_EQ(lines[cpu + 2], "  lock(layout_c);");
  EXPECT_EQ(lines[cpu + 3], "                               lock(layout_b);");
  EXPECT_EQ(lines[cpu + 4], "                               lock(layout_c);");
  EXPECT_EQ(lines[cpu + 5], "  lock(layout_a);");
  EXPECT_EQ(index_of(lines, " *** DEADLOCK ***", cpu), cpu + 7);
  expect_held_list_and_backtrace(r, lines, 1);
}

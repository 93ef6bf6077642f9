// The one option table (lockdep/options.hpp): README documents exactly the
// options the code reads, with the same defaults, and the parser checks
// every option, the core's and the preload's included, by the table.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "lockdep/lockdep.hpp"

namespace {

// `| `name` | default | meaning |` rows of README's "## Options" section.
std::map<std::string, std::string> readme_option_rows() {
  std::ifstream in(LOCKDEP_README_PATH);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const std::size_t start = text.find("\n## Options\n");
  EXPECT_NE(start, std::string::npos) << "README has no '## Options' section";
  const std::size_t end = text.find("\n## ", start + 1);
  const std::string section = text.substr(start, end - start);
  std::map<std::string, std::string> rows;
  static const std::regex row(R"(^\| `([a-z_]+)` \| ([^|]*) \|)");
  std::istringstream lines(section);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, row)) rows[m[1]] = m[2];
  }
  return rows;
}

std::string trim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

TEST(OptionTable, ReadmeListsExactlyTheOptionsTheCodeReads) {
  const auto rows = readme_option_rows();
  std::set<std::string> code, readme;
  for (const lockdep::option_def& d : lockdep::option_table) code.insert(d.name);
  for (const auto& [name, def] : rows) readme.insert(name);
  for (const std::string& n : code) EXPECT_TRUE(readme.count(n)) << "README's option table lacks `" << n << "`";
  for (const std::string& n : readme) EXPECT_TRUE(code.count(n)) << "README documents `" << n << "`, which the code does not read";
}

TEST(OptionTable, ReadmeDefaultsAreTheTablesDefaults) {
  const auto rows = readme_option_rows();
  for (const lockdep::option_def& d : lockdep::option_table) {
    auto it = rows.find(d.name);
    if (it == rows.end() || d.kind == lockdep::option_kind::text || d.default_value == 0) continue;
    EXPECT_EQ(trim(it->second), std::to_string(d.default_value)) << d.name;
  }
}

TEST(OptionTable, StructDefaultsComeFromTheTable) {
  const lockdep::options o;
  EXPECT_EQ(o.max_reports, lockdep::option_info(lockdep::option_id::max_reports).default_value);
  EXPECT_EQ(o.print_reports, lockdep::option_info(lockdep::option_id::print_reports).default_value != 0);
  EXPECT_EQ(o.stacktrace, lockdep::option_info(lockdep::option_id::stacktrace).default_value != 0);
  EXPECT_TRUE(o.log_path.empty());
}

// Limits and preload_* options are read at start-up by their layers, but the
// one parser still checks them against the table's bounds.
TEST(OptionTable, EveryLayersOptionIsCheckedByTheOneParser) {
  const lockdep::options before = lockdep::get_options();
  for (const char* bad : {"max_depth=129", "max_depth=0", "preload_site_frames=9", "preload_join=maybe",
                          "max_classes=many"}) {
    testing::internal::CaptureStderr();
    EXPECT_FALSE(lockdep::parse_options(bad)) << bad;
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find(bad), std::string::npos) << err;
  }
  for (const char* good : {"max_depth=128", "preload_site_frames=8", "preload_join=0", "max_chain_hlocks=10"})
    EXPECT_TRUE(lockdep::parse_options(good)) << good;
  lockdep::set_options(before);
}

TEST(OptionTable, EveryOptionHasDocumentation) {
  for (const lockdep::option_def& d : lockdep::option_table) {
    EXPECT_GT(std::string(d.doc).size(), 10u) << d.name;
    if (d.kind != lockdep::option_kind::text) {
      EXPECT_LE(d.min, d.max) << d.name;
    }
  }
}

}  // namespace

// The suppressions file (option suppressions=PATH, lockdep/waiver.hpp):
// `kind:class pattern[,class pattern...]` entries that waive the reports they
// match, with a count per entry so stale entries can be found. Read when the
// option changes (set_options), matched in the delivering thread outside
// every core lock, like waivers.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/immortal.hpp"
#include "core/spin_mutex.hpp"
#include "kinds/report_kinds.hpp"
#include "lockdep/waiver.hpp"
#include "report/format.hpp"
#include "report/observer.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

struct suppression {
  std::string kind;                   // pattern over to_string(report_kind)
  std::vector<std::string> classes;   // each must match a class of the report
};

// Plain spin lock: never instrumented. Never held while matching (which
// allocates) or printing.
struct suppression_state {
  spin_mutex lock;
  std::string path;  // the file read last
  std::vector<suppression> list;
  suppression_stats stats;  // entries parallel to `list`
  bool exit_registered = false;
};

suppression_state& state() {
  return lockdep::internal::immortal<suppression_state>();  // never destroyed: used during exit
}

// '*' matches any run of characters; everything else itself.
bool glob(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A '#' opening the line or following a blank starts a comment.
std::string_view strip_comment(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i)
    if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) return line.substr(0, i);
  return line;
}

bool is_kind_pattern(std::string_view kind) {
  if (kind.find('*') != std::string_view::npos) return true;
  for (const report_kind_info& k : k_report_kinds)
    if (kind == k.name) return true;
  return false;
}

// "kind:class,class" -> *out; false if malformed (what says why).
bool parse_entry(std::string_view text, suppression* out, const char** what) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return *what = "expected kind:class[,class...]", false;
  out->kind = std::string(trim(text.substr(0, colon)));
  if (!is_kind_pattern(out->kind)) return *what = "unknown report kind", false;
  std::string_view rest = text.substr(colon + 1);
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view one = trim(rest.substr(0, comma));
    if (one.empty()) return *what = "empty class pattern", false;
    out->classes.emplace_back(one);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return true;
}

void warn(const std::string& s) { print_to_sink("lockdep: warning: " + s + "\n"); }

// At exit, while print_reports is on: which entries matched, and how often.
void print_summary() {
  const suppression_stats st = suppression_statistics();
  std::string path;
  {
    suppression_state& s = state();
    std::lock_guard<spin_mutex> g(s.lock);
    path = s.path;
  }
  if (path.empty() || !get_options().print_reports) return;
  std::string out = absl::StrFormat("lockdep: suppressions %s: %d report%s suppressed\n", path, st.suppressed,
                                    st.suppressed == 1 ? "" : "s");
  for (const suppression_entry& e : st.entries) {
    if (e.matched) absl::StrAppendFormat(&out, "lockdep:   %d x %s (line %d)\n", e.matched, e.entry, e.line);
    else absl::StrAppendFormat(&out, "lockdep:   never matched: %s (line %d)\n", e.entry, e.line);
  }
  print_to_sink(out);
}

void load(const std::string& path) {
  std::vector<suppression> list;
  suppression_stats stats;
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) {
      warn(absl::StrFormat("cannot read suppressions file %s: %s", path, std::strerror(errno)));
    }
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      const std::string_view text = trim(strip_comment(line));
      if (text.empty()) continue;
      suppression sup;
      const char* what = "";
      if (!parse_entry(text, &sup, &what)) {
        warn(absl::StrFormat("%s:%d: malformed suppression '%s' (%s); ignored", path, n, text, what));
        continue;
      }
      list.push_back(std::move(sup));
      stats.entries.push_back({path, n, std::string(text), 0});
    }
  }
  bool register_exit = false;
  {
    suppression_state& s = state();
    std::lock_guard<spin_mutex> g(s.lock);
    s.path = path;
    s.list = std::move(list);
    s.stats = std::move(stats);
    register_exit = !path.empty() && !s.exit_registered;
    s.exit_registered = s.exit_registered || register_exit;
  }
  if (register_exit) std::atexit(&print_summary);
}

bool matches(const suppression& sup, const report& rep) {
  if (!glob(sup.kind, to_string(rep.kind))) return false;
  for (const std::string& pattern : sup.classes) {
    const bool found = any_class(rep, [&](const class_info& c) {
      return (!c.key_name.empty() && glob(pattern, c.key_name)) || glob(pattern, c.name);
    });
    if (!found) return false;
  }
  return true;
}

}  // namespace

void suppressions_fork_lock() noexcept { state().lock.lock(); }
void suppressions_fork_unlock() noexcept { state().lock.unlock(); }

void configure_suppressions(const std::string& path) {
  {
    suppression_state& s = state();
    std::lock_guard<spin_mutex> g(s.lock);
    if (s.path == path) return;
  }
  load(path);
}

bool find_suppression(const report& rep, std::string* reason) {
  std::vector<suppression> list;  // matched without the lock (globbing may allocate)
  std::string path;
  {
    suppression_state& s = state();
    std::lock_guard<spin_mutex> g(s.lock);
    if (s.list.empty()) return false;
    list = s.list;
    path = s.path;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!matches(list[i], rep)) continue;
    suppression_state& s = state();
    std::lock_guard<spin_mutex> g(s.lock);
    if (s.path != path || i >= s.stats.entries.size()) return false;  // replaced meanwhile
    ++s.stats.suppressed;
    suppression_entry& e = s.stats.entries[i];
    ++e.matched;
    *reason = absl::StrFormat("suppressions %s:%d: %s", e.file, e.line, e.entry);
    return true;
  }
  return false;
}

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE

suppression_stats suppression_statistics() {
  internal::suppression_state& s = internal::state();
  std::lock_guard<internal::spin_mutex> g(s.lock);
  return s.stats;
}

LOCKDEP_END_NAMESPACE

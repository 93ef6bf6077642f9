// report_format=sarif: a SARIF 2.1.0 log of every printed report, written at
// exit to <log_path>.<pid>.sarif (lockdep.<pid>.sarif without log_path;
// written, with no results, even when nothing was found), so
// GitHub code scanning and editors show a report on its source line. One
// result per report: ruleId = the report kind, the location = the first
// user frame of the acquisition, the dependency chain as related locations.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include "core/immortal.hpp"
#include "core/spin_mutex.hpp"
#include "report/machine_format.hpp"
#include "report/observer.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

// Plain spin lock (never instrumented); held only to copy the list.
struct sarif_state {
  spin_mutex lock;
  std::vector<report> reports;
  bool exit_registered = false;
};

sarif_state& state() {
  return lockdep::internal::immortal<sarif_state>();  // never destroyed: written during exit
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A frame of the program, not of lockdep's wrappers, the standard library's
// lock guards or the preload interposer.
bool is_user_frame(const frame_info& f) {
  if (f.file.empty() || f.line <= 0) return false;
  const std::string_view fn = f.function;
  const std::string_view name = fn.substr(0, fn.find_first_of("(<"));  // without arguments
  for (std::string_view inner : {"lockdep::", "std::", "__gnu_cxx::", "boost::"}) {
    // The name itself, or after a template function's return type.
    if (starts_with(name, inner) || name.find(" " + std::string(inner)) != std::string_view::npos) return false;
  }
  if (f.file.find("/include/lockdep/") != std::string::npos || f.file.find("/c++/") != std::string::npos)
    return false;
  return f.module.find("liblockdep") == std::string::npos;
}

// The first user frame of `ip` then `frames`; else the first with a file.
bool user_frame(std::uintptr_t ip, const std::vector<std::uintptr_t>& frames, frame_info* out) {
  std::vector<frame_info> all;
  if (ip) all.push_back(symbolize_frame(ip));
  for (std::uintptr_t f : frames) all.push_back(symbolize_frame(f));
  for (int pass = 0; pass < 2; ++pass) {
    for (const frame_info& f : all) {
      if (pass == 0 ? !is_user_frame(f) : f.file.empty() || f.line <= 0) continue;
      *out = f;
      return true;
    }
  }
  return false;
}

// Paths under the working directory relative to %SRCROOT% (what code
// scanning maps onto the repository), others as absolute file URIs.
void artifact(std::string* out, const std::string& file) {
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  *out += "{\"uri\":";
  if (!ec && !cwd.empty() && file.size() > cwd.size() + 1 && starts_with(file, cwd) && file[cwd.size()] == '/') {
    json_string(out, file.substr(cwd.size() + 1));
    *out += ",\"uriBaseId\":\"SRCROOT\"}";
  } else {
    json_string(out, file.front() == '/' ? "file://" + file : file);
    *out += '}';
  }
}

void location(std::string* out, const frame_info& f, int id, const std::string& message) {
  *out += '{';
  if (id >= 0) *out += "\"id\":" + std::to_string(id) + ',';
  *out += "\"physicalLocation\":{\"artifactLocation\":";
  artifact(out, f.file);
  *out += ",\"region\":{\"startLine\":" + std::to_string(f.line) + "}}";
  if (!message.empty()) {
    *out += ",\"message\":{\"text\":";
    json_string(out, message);
    *out += '}';
  }
  *out += '}';
}

std::string summary(const report& rep) {
  std::string s = rep.header;
  for (std::size_t i = 0; i < rep.classes.size(); ++i) s += (i ? ", " : ": ") + rep.classes[i].name;
  return s;
}

void result(std::string* out, const report& rep) {
  *out += "{\"ruleId\":";
  json_string(out, to_string(rep.kind));
  *out += ",\"level\":\"error\",\"message\":{\"text\":";
  json_string(out, summary(rep));
  *out += "},\"locations\":[";
  frame_info f;
  // The acquisition's recorded callers (unoptimised code) before its stack.
  std::vector<std::uintptr_t> frames = rep.acquiring ? rep.acquiring->caller_ips : std::vector<std::uintptr_t>{};
  frames.insert(frames.end(), rep.backtrace.frames.begin(), rep.backtrace.frames.end());
  if (user_frame(acquire_ip(rep), frames, &f)) location(out, f, -1, rep.header);
  *out += "],\"relatedLocations\":[";
  bool first = true;
  for (std::size_t i = 0; i < rep.chain.size(); ++i) {
    frame_info step;
    if (!user_frame(0, rep.chain[i].trace.frames, &step)) continue;
    if (!first) *out += ',';
    first = false;
    location(out, step, static_cast<int>(i), "-> #" + std::to_string(rep.chain[i].depth) + " (" +
                                                 rep.chain[i].cls.name + "): dependency recorded here");
  }
  *out += ']';
  if (rep.waived) {
    *out += ",\"suppressions\":[{\"kind\":\"external\",\"justification\":";
    json_string(out, rep.waiver_reason);
    *out += "}]";
  }
  *out += ",\"properties\":{\"text\":";
  json_string(out, rep.text);
  *out += "}}";
}

void write_at_exit() {
  const std::string log = sarif_log();
  const std::string base = get_options().log_path.empty() ? std::string("lockdep") : get_options().log_path;
  const std::string path = base + "." + std::to_string(getpid()) + ".sarif";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    print_to_sink("lockdep: warning: cannot write the SARIF log " + path + "\n");
    return;
  }
  std::size_t done = 0;
  while (done < log.size()) {
    const ssize_t n = ::write(fd, log.data() + done, log.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

}  // namespace

void sarif_fork_lock() noexcept { state().lock.lock(); }
void sarif_fork_unlock() noexcept { state().lock.unlock(); }
// The child writes its own log (its pid) at its exit: of its own reports,
// not a copy of the parent's. Called with the lock held (after fork).
void sarif_after_fork_child() noexcept { state().reports.clear(); }

void sarif_enable() {
  sarif_state& s = state();
  {
    std::lock_guard<spin_mutex> g(s.lock);
    if (s.exit_registered) return;
    s.exit_registered = true;
  }
  std::atexit(&write_at_exit);
}

void sarif_collect(const report& rep) {
  sarif_enable();
  sarif_state& s = state();
  std::lock_guard<spin_mutex> g(s.lock);
  s.reports.push_back(rep);
}

std::string sarif_log() {
  std::vector<report> reports;
  {
    sarif_state& s = state();
    std::lock_guard<spin_mutex> g(s.lock);
    reports = s.reports;
  }
  std::string out =
      "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{"
      "\"tool\":{\"driver\":{\"name\":\"lockdep\",\"informationUri\":\"https://docs.kernel.org/locking/"
      "lockdep-design.html\",\"rules\":[";
  std::vector<report_kind> kinds;
  for (const report& r : reports) {
    bool seen = false;
    for (report_kind k : kinds) seen = seen || k == r.kind;
    if (seen) continue;
    if (!kinds.empty()) out += ',';
    kinds.push_back(r.kind);
    out += "{\"id\":";
    json_string(&out, to_string(r.kind));
    out += ",\"shortDescription\":{\"text\":";
    json_string(&out, r.header);
    out += "}}";
  }
  out += "]}},";
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  if (!ec) {
    out += "\"originalUriBaseIds\":{\"SRCROOT\":{\"uri\":";
    json_string(&out, "file://" + cwd + "/");
    out += "}},";
  }
  out += "\"results\":[";
  for (std::size_t i = 0; i < reports.size(); ++i) {
    if (i) out += ',';
    result(&out, reports[i]);
  }
  out += "]}]}\n";
  return out;
}

LOCKDEP_INTERNAL_END

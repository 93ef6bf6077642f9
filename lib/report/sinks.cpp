// Delivering reports: options, the stderr/log sink, the user callback,
// halt_on_error, and the counters.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "core/core.hpp"
#include "report/format.hpp"
#include "report/observer.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

// The runtime's own state. Its mutex is a plain spin_mutex: never
// instrumented and never reaching pthreads, so the interposer cannot see it.
// Held through std::lock_guard (copying options may throw bad_alloc) and
// never while calling out or taking another lock.
struct runtime {
  spin_mutex lock;
  options opts;
  report_callback callback;
  report_observer observer = nullptr;  // the gtest listener, if linked
  std::uint64_t delivered = 0;
  std::uint64_t over_limit = 0;
  bool limit_told = false;  // "max_reports reached" printed (for this max_reports)
};

runtime& rt() {
  static auto* r = new runtime();  // never destroyed: reports may come during exit
  return *r;
}

void write_all(int fd, std::string_view s) {  // no allocation
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void print_text(const options& o, const std::string& text) {
  if (o.log_path.empty()) {
    write_all(2, text);
    return;
  }
  const std::string path = o.log_path + "." + std::to_string(getpid());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    write_all(2, text);
    return;
  }
  write_all(fd, text);
  ::close(fd);
}

void deliver_unguarded(const report_record& rec) {
  // A waived report (waivers.cpp) still reaches the callback and the
  // observer, marked, but is not printed as an error, not counted towards
  // max_reports, and never halts.
  std::string waiver_reason;
  const bool waived = find_waiver(rec, &waiver_reason);
  options o;
  report_callback cb;
  report_observer observer = nullptr;
  bool over = false, first_over = false;
  {
    runtime& r = rt();
    std::lock_guard<spin_mutex> g(r.lock);
    o = r.opts;
    cb = r.callback;
    observer = r.observer;
    over = !waived && r.delivered >= static_cast<std::uint64_t>(o.max_reports);
    if (over) {
      ++r.over_limit;
      first_over = !r.limit_told;
      r.limit_told = true;
    }
    else if (!waived) ++r.delivered;
  }
  if (over) {
    // Not printed, not passed to the callback; but said once, and the test
    // framework's observer still hears it (a test with a bug still fails).
    if (first_over && o.print_reports)
      print_text(o, absl::StrFormat("lockdep: max_reports=%d reached: later reports are counted "
                                    "(statistics::suppressed), not printed\n",
                                    o.max_reports));
    if (observer) {
      report rep = build_report(rec);
      rep.text = format_report(rep, rec, false);
      observer(rep);
    }
    return;
  }
  report rep = build_report(rec);
  rep.waived = waived;
  rep.text = format_report(rep, rec, o.stacktrace);
  if (waived) {
    note_waived(rep, waiver_reason);
    if (o.print_reports) print_text(o, "lockdep: waived " + std::string(to_string(rep.kind)) + " report (" + waiver_reason + ")\n");
    if (cb) cb(rep);
    if (observer) observer(rep);
    return;
  }
  note_reported(rec);
  if (o.print_reports) print_text(o, rep.text);
  if (cb) cb(rep);
  if (observer) observer(rep);
  if (o.halt_on_error) {
    write_all(2, "lockdep: halt_on_error=1, aborting\n");
    std::abort();
  }
}

void write_cstr(const char* s) { write_all(2, std::string_view(s)); }

// The core's delivery hook: nothing may escape into lockdep's noexcept
// delivery loop (that would std::terminate the program under test). A
// throwing callback (a test framework's failure macro) or a bad_alloc while
// formatting costs this one report, said on stderr.
void deliver(const report_record& rec) {
  try {
    deliver_unguarded(rec);
  } catch (const std::exception& e) {
    write_cstr("lockdep: delivering a report failed: ");
    write_cstr(e.what());
    write_cstr("\n");
  } catch (...) {
    write_cstr("lockdep: delivering a report failed: unknown exception\n");
  }
}

void warn(const std::string& s) { write_all(2, "lockdep: warning: " + s + "\n"); }

bool parse_bool(std::string_view v, bool* out) {
  if (v == "1" || v == "true" || v == "yes") *out = true;
  else if (v == "0" || v == "false" || v == "no") *out = false;
  else return false;
  return true;
}

// Options the core reads itself at start-up (table sizes).
bool is_core_limit(std::string_view k) {
  return k == "max_classes" || k == "max_dependencies" || k == "max_chains" || k == "max_chain_hlocks" ||
         k == "max_trace_entries" || k == "max_depth";
}

bool apply_option(options& o, std::string_view key, std::string_view value) {
  int n = 0;
  if (key == "halt_on_error") return parse_bool(value, &o.halt_on_error);
  if (key == "print_reports") return parse_bool(value, &o.print_reports);
  if (key == "stacktrace") return parse_bool(value, &o.stacktrace);
  if (key == "fork_report") return parse_bool(value, &o.report_held_at_fork);
  if (key == "lock_stat") return parse_bool(value, &o.lock_stat);
  if (key == "print_summary") return parse_bool(value, &o.print_summary);
  if (key == "strip_frames") {
    o.strip_frames = std::string(value);
    return true;
  }
  if (key == "log_path") {
    o.log_path = std::string(value);
    return true;
  }
  if (key == "max_reports") {
    if (!absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &n) || n < 0) return false;
    o.max_reports = n;
    return true;
  }
  if (key == "show_locks_signal") {
    if (!absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &n) || n < 0 || n >= NSIG) return false;
    o.show_locks_signal = n;
    return true;
  }
  if (key == "hung_timeout") {
    if (!absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &n) || n < 0) return false;
    o.hung_timeout = n;
    return true;
  }
  // preload_*: read (and checked) by the preload interposer.
  if (key.substr(0, 8) == "preload_") return true;
  if (is_core_limit(key)) {
    unsigned long v = 0;
    return absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &v) && v > 0;
  }
  return false;
}

// The report layer's locks, all leaves (none is taken while holding
// another), so any order is deadlock-free.
void lock_report_layer() {
  rt().lock.lock();
  waivers_fork_lock();
  reported_fork_lock();
  wait_names_fork_lock();
}
void unlock_report_layer() {
  wait_names_fork_unlock();
  reported_fork_unlock();
  waivers_fork_unlock();
  rt().lock.unlock();
}

struct init_runtime {
  init_runtime() {
    // fork() while another thread holds the runtime's lock must not leave
    // the child with a lock nobody will release. Through the core's fork
    // handler, which reports (and so takes this lock) before these run.
    static const fork_hooks hooks{&lock_report_layer, &unlock_report_layer, [] {
                                    unlock_report_layer();
                                    watchdog_after_fork_child();
                                  }};
    set_fork_hooks(&hooks);
    install_capture_hook();
    install_site_group_hook();
    set_deliver_hook(&deliver);
    if (const char* env = std::getenv("LOCKDEP_OPTIONS")) lockdep::parse_options(env);
    std::atexit([] {
      const options o = get_options();
      if (o.print_summary) print_text(o, summary_line() + "\n");
    });
    // Reports queued by locks used before this initializer ran.
    deliver_pending();
  }
};
init_runtime g_init_runtime;

}  // namespace

const int runtime_anchor = 1;

void print_to_sink(const std::string& text) { print_text(get_options(), text); }

std::uint64_t set_report_observer(report_observer o) noexcept {
  runtime& r = rt();
  std::lock_guard<spin_mutex> g(r.lock);
  r.observer = o;
  return r.delivered;
}

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE
using namespace internal;

report_callback set_report_callback(report_callback cb) {
  {
    runtime& r = rt();
    std::lock_guard<spin_mutex> g(r.lock);
    std::swap(r.callback, cb);
  }
  return cb;  // the previous one, destroyed (if dropped) outside the lock
}

options get_options() {
  runtime& r = rt();
  std::lock_guard<spin_mutex> g(r.lock);
  return r.opts;
}

void set_options(const options& o) {
  {
    runtime& r = rt();
    std::lock_guard<spin_mutex> g(r.lock);
    if (o.max_reports != r.opts.max_reports) r.limit_told = false;
    r.opts = o;
  }
  core().stacktraces.store(o.stacktrace, std::memory_order_relaxed);
  core().report_held_at_fork.store(o.report_held_at_fork, std::memory_order_relaxed);
  configure_watchdog(o);
}

bool parse_options(std::string_view text) {
  options o = get_options();
  bool ok = true;
  for (absl::string_view piece :
       absl::StrSplit(absl::string_view(text.data(), text.size()), absl::ByAnyChar(": ,"), absl::SkipEmpty())) {
    const std::string_view item(piece.data(), piece.size());
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      warn("malformed option '" + std::string(item) + "' in LOCKDEP_OPTIONS (expected name=value); ignored");
      ok = false;
      continue;
    }
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    options candidate = o;
    if (!apply_option(candidate, key, value)) {
      warn("unknown option or bad value '" + std::string(item) + "' in LOCKDEP_OPTIONS; keeping the default");
      ok = false;
      continue;
    }
    o = candidate;
  }
  set_options(o);
  return ok;
}

std::string summary_line() {
  const statistics s = get_statistics();
  return absl::StrFormat("lockdep: %d classes, %d dependencies, %d reports (%d waived, %d suppressed)",
                         s.classes, s.dependencies, s.reports, s.waived, s.suppressed);
}

statistics get_statistics() {
  statistics s;
  core_state& c = core();
  {
    cold_section section(nullptr);
    s.suppressed = c.suppressed;
    s.dropped = c.dropped;
    s.classes = c.g.class_count();
    s.max_classes = c.limits.max_classes;
    s.dependencies = c.g.dependency_count();
    s.max_dependencies = c.limits.max_dependencies;
    s.chains = c.chains.size();
    s.max_chains = c.limits.max_chains;
    s.trace_entries = c.traces.used();
    s.max_trace_entries = c.traces.capacity();
    s.cold_path_entries = c.cold_entries;
    s.graph_bytes = c.g.bytes() + c.chains.bytes() + c.traces.bytes() +
                    std::uint64_t(c.nr_chain_recs) * sizeof(chain_record) + std::uint64_t(c.hlocks_used) * 4;
    s.enabled = c.enabled.load(std::memory_order_relaxed);
  }
  s.waived = waived_count();  // the waiver lock, never nested in the runtime's
  runtime& r = rt();
  std::lock_guard<spin_mutex> g(r.lock);
  s.reports = r.delivered;
  s.suppressed += r.over_limit;
  return s;
}

void flush_reports() { deliver_pending(); }

LOCKDEP_END_NAMESPACE

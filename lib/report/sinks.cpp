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

#include "absl/strings/str_format.h"
#include "core/immortal.hpp"
#include "core/view.hpp"
#include "options/option_table.hpp"
#include "report/build.hpp"
#include "report/format.hpp"
#include "report/machine_format.hpp"
#include "report/observer.hpp"
#include "store/runtime.hpp"

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
  return lockdep::internal::immortal<runtime>();  // never destroyed: reports may come during exit
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

// Write one report in the chosen report_format (print_reports is on).
// Waived reports are written as JSON (marked) or collected for SARIF (with
// a suppression), but as text only the one-line note, and suppressed ones
// (the suppressions file) not at all.
void write_report(const options& o, const report& rep, bool suppressed) {
  switch (o.format) {
    case report_format::json: print_text(o, report_json_line(rep)); return;
    case report_format::sarif: sarif_collect(rep); break;
    case report_format::text: break;
  }
  if (!rep.waived) print_text(o, rep.text);
  else if (!suppressed) print_text(o, "lockdep: waived " + std::string(to_string(rep.kind)) + " report (" + rep.waiver_reason + ")\n");
}

void deliver_unguarded(const report_record& rec) {
  // Built once from the core's record; from here on only the public report.
  report rep = build_report(rec);
  // A waived report (waivers.cpp) still reaches the callback and the
  // observer, marked, but is not printed as an error, not counted towards
  // max_reports, and never halts.
  std::string waiver_reason;
  const bool by_waiver = find_waiver(rep, &waiver_reason);
  // The suppressions file waives too (counted there, never printed).
  const bool suppressed = !by_waiver && find_suppression(rep, &waiver_reason);
  const bool waived = by_waiver || suppressed;
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
      print_to_sink(absl::StrFormat("lockdep: max_reports=%d reached: later reports are counted "
                                    "(statistics::suppressed), not printed\n",
                                    o.max_reports));
    if (observer) {
      rep.text = format_report(rep, false);
      observer(rep);
    }
    return;
  }
  rep.waived = waived;
  rep.waiver_reason = waiver_reason;
  rep.text = format_report(rep, o.stacktrace);
  if (waived) {
    if (!suppressed) note_waived(rep, waiver_reason);
    if (o.print_reports) write_report(o, rep, suppressed);
    if (cb) cb(rep);
    if (observer) observer(rep);
    return;
  }
  note_reported(rep);
  if (o.print_reports) write_report(o, rep, false);
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

bool parse_report_format(std::string_view v, report_format* out) {
  if (v == "text") *out = report_format::text;
  else if (v == "json") *out = report_format::json;
  else if (v == "sarif") *out = report_format::sarif;
  else return false;
  return true;
}

// Apply one parsed item of the option table to the runtime options. Limits
// and preload_* options were read at start-up by their layers; they are
// accepted (and were checked by the scanner) but change nothing here. False
// for a value the table's kind cannot check (report_format's names).
bool apply_option(options& o, const option_item& it) {
  const bool on = it.number != 0;
  const int n = static_cast<int>(it.number);
  switch (it.id) {
    case option_id::print_reports: o.print_reports = on; break;
    case option_id::halt_on_error: o.halt_on_error = on; break;
    case option_id::stacktrace: o.stacktrace = on; break;
    case option_id::max_reports: o.max_reports = n; break;
    case option_id::log_path: o.log_path = std::string(it.value); break;
    case option_id::fork_report: o.report_held_at_fork = on; break;
    case option_id::hung_timeout: o.hung_timeout = n; break;
    case option_id::show_locks_signal: o.show_locks_signal = n; break;
    case option_id::lock_stat: o.lock_stat = on; break;
    case option_id::print_summary: o.print_summary = on; break;
    case option_id::strip_frames: o.strip_frames = std::string(it.value); break;
    case option_id::suppressions: o.suppressions = std::string(it.value); break;
    case option_id::report_format: return parse_report_format(it.value, &o.format);
    case option_id::max_classes:
    case option_id::max_dependencies:
    case option_id::max_chains:
    case option_id::max_chain_hlocks:
    case option_id::max_trace_entries:
    case option_id::max_depth:
    case option_id::graph_store:  // opened once at start-up (store/runtime.cpp)
    case option_id::preload_enable:
    case option_id::preload_site_frames:
    case option_id::preload_skip_frames:
    case option_id::preload_join:
    case option_id::preload_join_grace_ms:
    case option_id::preload_max_instance_edges:
    case option_id::preload_ordered: break;
  }
  return true;
}

// The report layer's locks, all leaves (none is taken while holding
// another), so any order is deadlock-free.
void lock_report_layer() {
  rt().lock.lock();
  waivers_fork_lock();
  suppressions_fork_lock();
  sarif_fork_lock();
  reported_fork_lock();
  wait_names_fork_lock();
}
void unlock_report_layer() {
  wait_names_fork_unlock();
  reported_fork_unlock();
  sarif_fork_unlock();
  suppressions_fork_unlock();
  waivers_fork_unlock();
  rt().lock.unlock();
}

struct init_runtime {
  init_runtime() {
    // fork() while another thread holds the runtime's lock must not leave
    // the child with a lock nobody will release. Through the core's fork
    // handler, which reports (and so takes this lock) before these run.
    static const fork_hooks hooks{&lock_report_layer, &unlock_report_layer, [] {
                                    sarif_after_fork_child();
                                    unlock_report_layer();
                                    watchdog_after_fork_child();
                                  }};
    // Every table the hooks lock is made now, at load time: made first
    // inside fork()'s prepare handler, its construction (a deque allocates)
    // would call malloc while the allocator's own atfork handler may hold
    // the allocator's locks (immortal.hpp).
    lock_report_layer();
    unlock_report_layer();
    set_fork_hooks(&hooks);
    install_capture_hook();
    install_site_group_hook();
    set_deliver_hook(&deliver);
    if (const char* env = std::getenv("LOCKDEP_OPTIONS")) lockdep::parse_options(env);
    open_graph_store_at_start();  // after the options, before the queued reports
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

// Notes and dumps (not reports): with report_format=json the log holds only
// JSON Lines, so they go to stderr.
void print_to_sink(const std::string& text) {
  const options o = get_options();
  if (o.format == report_format::json) write_all(2, text);
  else print_text(o, text);
}

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
  set_stacktraces(o.stacktrace);
  set_fork_report(o.report_held_at_fork);
  configure_watchdog(o);
  configure_suppressions(o.suppressions);
  if (o.format == report_format::sarif) sarif_enable();
}

bool parse_options(std::string_view text) {
  options o = get_options();
  bool ok = true;
  for_each_option(text, [&](const option_item& it) {
    switch (it.error) {
      case option_error::malformed:
        warn("malformed option '" + std::string(it.text) + "' in LOCKDEP_OPTIONS (expected name=value); ignored");
        break;
      case option_error::none:
        if (apply_option(o, it)) return;
        [[fallthrough]];
      case option_error::unknown:
      case option_error::bad_value:
        warn("unknown option or bad value '" + std::string(it.text) + "' in LOCKDEP_OPTIONS; keeping the default");
        break;
    }
    ok = false;
  });
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
  const core_counts c = read_counts();
  s.suppressed = c.suppressed;
  s.dropped = c.dropped;
  s.classes = c.classes;
  s.max_classes = c.max_classes;
  s.dependencies = c.dependencies;
  s.max_dependencies = c.max_dependencies;
  s.chains = c.chains;
  s.max_chains = c.max_chains;
  s.trace_entries = c.trace_entries;
  s.max_trace_entries = c.max_trace_entries;
  s.cold_path_entries = c.cold_path_entries;
  s.graph_bytes = c.graph_bytes;
  s.enabled = c.enabled;
  s.waived = waived_count();  // the waiver lock, never nested in the runtime's
  runtime& r = rt();
  std::lock_guard<spin_mutex> g(r.lock);
  s.reports = r.delivered;
  s.suppressed += r.over_limit;
  return s;
}

void flush_reports() { deliver_pending(); }

LOCKDEP_END_NAMESPACE

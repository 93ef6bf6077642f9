// Every thread's held locks on demand (like the kernel's
// debug_show_all_locks), the locks threads are blocked on, and the watchdog
// thread behind the hung_timeout and show_locks_signal options
// (lockdep/introspect.hpp).
//
// Wait tracking: a wrapper calls wait_begin only when its real try_lock
// failed, i.e. it is about to block; with tracking off that is one relaxed
// load. With it on, the thread's waiting_on / wait_start_ns fields are set
// until the real lock returns.
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/caller_chains.hpp"
#include "core/view.hpp"
#include "lockdep/introspect.hpp"
#include "report/build.hpp"
#include "report/frames.hpp"
#include "report/observer.hpp"

LOCKDEP_INTERNAL_BEGIN

std::atomic<bool> wait_tracking_on{false};

namespace {

__thread std::uintptr_t t_wait_ip __attribute__((tls_model("initial-exec"))) = 0;  // call site of the current contended wait (lock_stat)
std::atomic<bool> g_explicit_tracking{false};

double seconds_waited(const thread_view& t, std::uint64_t now) {
  return now > t.wait_start ? double(now - t.wait_start) / 1e9 : 0.0;
}

void append_thread(std::string& out, const thread_view& t, std::uint64_t now) {
  absl::StrAppendFormat(&out, "%u lock%s held by %s/%d:\n", t.held.size(), t.held.size() == 1 ? "" : "s", t.name,
                        t.tid);
  const std::vector<std::string> strip = current_strip_patterns();
  for (std::size_t i = 0; i < t.held.size(); ++i) {
    const held_view& h = t.held[i];
    absl::StrAppendFormat(&out, " #%u: %016x (%s)%s%s", i, reinterpret_cast<std::uintptr_t>(h.instance),
                          class_name(h.cls), class_state(h.cls), h.read ? " (read)" : "");
    if (h.ip) absl::StrAppend(&out, ", at: ", site_lines(h.ip, caller_list(h.callers), strip).front());
    out += "\n";
  }
  if (t.waiting)
    absl::StrAppendFormat(&out, " blocked on: %016x (%s) for %.1f s\n",
                          reinterpret_cast<std::uintptr_t>(t.waiting_instance), class_name(t.waiting_cls),
                          seconds_waited(t, now));
}

// ---- watchdog -------------------------------------------------------------------

sem_t g_wake;
std::atomic<int> g_signal_pending{0};
std::atomic<int> g_hung_timeout{0};
std::atomic<int> g_signal{0};
std::atomic<bool> g_thread_started{false};
// A fork()ed child has no watchdog thread: the next wait starts one.
std::atomic<bool> g_restart_pending{false};
struct sigaction g_old_action;

void on_show_locks_signal(int signo) {
  const int saved_errno = errno;
  g_signal_pending.store(signo, std::memory_order_relaxed);
  sem_post(&g_wake);  // async-signal-safe; the watchdog thread prints
  errno = saved_errno;
}

void check_hung(std::unordered_map<pid_t, std::uint64_t>& reported) {
  const int timeout = g_hung_timeout.load(std::memory_order_relaxed);
  if (timeout <= 0) return;
  const std::uint64_t limit = std::uint64_t(timeout) * 1000000000u;
  const std::uint64_t now = now_ns();
  const bool any = any_wait_longer(
      now, limit, [](pid_t tid, void* ctx) { return (*static_cast<std::unordered_map<pid_t, std::uint64_t>*>(ctx))[tid]; },
      &reported);
  if (!any) return;
  std::string out;
  for (const thread_view& t : read_threads()) {
    const std::uint64_t waited = now > t.wait_start ? now - t.wait_start : 0;
    if (!t.waiting || waited <= limit || reported[t.tid] == t.wait_start) continue;
    reported[t.tid] = t.wait_start;
    absl::StrAppendFormat(&out, "INFO: task %s:%d blocked for more than %d seconds.\n", t.name, t.tid, timeout);
  }
  if (out.empty()) return;
  print_to_sink(out + "\n" + lockdep::all_locks_text());
}

void* watchdog_main(void*) {
  pthread_setname_np(pthread_self(), "lockdep-watch");
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);  // the show-locks signal goes to other threads
  std::unordered_map<pid_t, std::uint64_t> reported;
  for (;;) {
    timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 1;
    sem_timedwait(&g_wake, &deadline);
    if (const int signo = g_signal_pending.exchange(0)) {
      print_to_sink(absl::StrFormat("lockdep: signal %d: showing all locks\n", signo) + lockdep::all_locks_text());
    }
    check_hung(reported);
  }
  return nullptr;
}

void start_thread_once() {
  if (g_thread_started.exchange(true)) return;
  sem_init(&g_wake, 0, 0);
  pthread_t t;
  if (pthread_create(&t, nullptr, &watchdog_main, nullptr) == 0) pthread_detach(t);
}

void update_tracking() {
  wait_tracking_on.store(g_explicit_tracking.load() || g_hung_timeout.load() > 0 || g_signal.load() > 0 ||
                          lock_stat_on.load(),
                      std::memory_order_relaxed);
}

}  // namespace

void watchdog_after_fork_child() noexcept {
  g_thread_started.store(false);
  g_restart_pending.store(g_hung_timeout.load() > 0 || g_signal.load() > 0);
}

void wait_begin(lock_map& m) noexcept {
  if (!wait_tracking_on.load(std::memory_order_relaxed)) return;
  if (g_restart_pending.load(std::memory_order_relaxed) && g_restart_pending.exchange(false)) start_thread_once();
  if (!wait_started(m, now_ns())) return;
  // The wrappers inline lock_real into the user's function: this is the
  // user's call site, which lock_stat lists as a contention point.
  t_wait_ip = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
}

void wait_end() noexcept {
  // Tracking off (the default): wait_begin stored nothing, so no clock read.
  // Not wait_tracking_on: a wait started before tracking was switched off must
  // still be cleared.
  if (!waiting_now()) return;
  std::uint64_t waited = 0;
  lock_map* m = wait_finished(now_ns(), &waited);
  if (m && lock_stat_on.load(std::memory_order_relaxed)) stat_contended(*m, waited, t_wait_ip);
}

void configure_watchdog(const options& o) {
  // The thread (and the semaphore the handler posts) exist before the handler.
  if (o.hung_timeout > 0 || o.show_locks_signal > 0) start_thread_once();
  g_hung_timeout.store(o.hung_timeout, std::memory_order_relaxed);
  const int old_signal = g_signal.exchange(o.show_locks_signal);
  if (old_signal != o.show_locks_signal) {
    if (old_signal > 0) sigaction(old_signal, &g_old_action, nullptr);
    if (o.show_locks_signal > 0) {
      struct sigaction sa = {};
      sa.sa_handler = &on_show_locks_signal;
      sa.sa_flags = SA_RESTART;
      sigemptyset(&sa.sa_mask);
      sigaction(o.show_locks_signal, &sa, &g_old_action);
    }
  }
  // wait_tracking_on covers lock_stat_on at every moment (tracked<M>::lock
  // tests only the former): on before lock_stat, off after it.
  if (o.lock_stat) wait_tracking_on.store(true, std::memory_order_relaxed);
  configure_lock_stat(o.lock_stat);
  update_tracking();
}

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE
using namespace internal;

std::string all_locks_text() {
  std::string out = "\nShowing all locks held in the system:\n";
  const std::uint64_t now = now_ns();
  for (const thread_view& t : read_threads()) {
    if (t.held.empty() && !t.waiting) continue;
    append_thread(out, t, now);
    out += "\n";
  }
  out += "=============================================\n\n";
  return out;
}

void show_all_locks() { print_to_sink(all_locks_text()); }

void set_wait_tracking(bool on) {
  g_explicit_tracking.store(on);
  update_tracking();
}

LOCKDEP_END_NAMESPACE

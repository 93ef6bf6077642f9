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
#include "core/core.hpp"
#include "lockdep/introspect.hpp"
#include "report/build.hpp"
#include "report/observer.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

std::atomic<bool> g_track_waits{false};
__thread std::uintptr_t t_wait_ip __attribute__((tls_model("initial-exec"))) = 0;  // call site of the current contended wait (lock_stat)
std::atomic<bool> g_explicit_tracking{false};

std::uint64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return std::uint64_t(t.tv_sec) * 1000000000u + std::uint64_t(t.tv_nsec);
}

struct held_view {
  class_snapshot cls;
  const void* instance;
  std::uintptr_t ip;  // only for the calling thread's own locks
  std::uint8_t read;
};
struct thread_view {
  pid_t tid = 0;
  char name[32] = {};
  std::vector<held_view> held;
  bool waiting = false;
  class_snapshot waiting_cls;
  const void* waiting_instance = nullptr;
  std::uint64_t waited_ns = 0;
  std::uint64_t wait_start = 0;
};

// Copies every thread's held stack. The thread list lock is held while
// copying raw pointers; classes are snapshotted under the graph lock after.
std::vector<thread_view> snapshot_threads() {
  struct raw {
    pid_t tid;
    char name[32];
    std::vector<std::pair<lock_class*, const void*>> held;
    std::vector<std::uintptr_t> ips;
    std::vector<std::uint8_t> reads;
    const void* waiting;  // address only: never dereferenced here
    lock_class_key* waiting_key;
    unsigned waiting_subclass;
    std::uint64_t start;
  };
  thread_state* self = current_thread_state();
  std::vector<raw> raws;
  raws.reserve(64);
  for_each_thread([&](thread_state& t) {
    raw r{t.tid,
          {},
          {},
          {},
          {},
          t.waiting_on.load(std::memory_order_acquire),
          t.waiting_key.load(std::memory_order_relaxed),
          t.waiting_subclass.load(std::memory_order_relaxed),
          t.wait_start_ns.load(std::memory_order_relaxed)};
    thread_name(t, r.name);  // here: `t` may be gone once the list is unlocked
    const unsigned d = std::min<unsigned>(t.depth.load(std::memory_order_acquire), k_max_held_capacity);
    for (unsigned i = 0; i < d; ++i) {
      r.held.emplace_back(t.held[i].cls.load(std::memory_order_relaxed),
                          t.held[i].instance.load(std::memory_order_relaxed));
      // Other fields are the owner's alone; read them only for ourselves.
      r.ips.push_back(&t == self ? t.held[i].acquire_ip : 0);
      r.reads.push_back(&t == self ? t.held[i].read : 0);
    }
    raws.push_back(std::move(r));
  });
  std::vector<thread_view> out;
  const std::uint64_t now = now_ns();
  for (raw& r : raws) {
    thread_view v;
    v.tid = r.tid;
    std::memcpy(v.name, r.name, sizeof v.name);
    {
      cold_section section(self);
      for (std::size_t i = 0; i < r.held.size(); ++i) {
        held_view h{{}, r.held[i].second, r.ips[i], r.reads[i]};
        if (r.held[i].first) snapshot_class(*r.held[i].first, h.cls);
        v.held.push_back(h);
      }
      if (r.waiting && r.waiting_key) {
        v.waiting = true;
        v.waiting_instance = r.waiting;
        lock_class* c = key_access::classes(*r.waiting_key)[r.waiting_subclass & 7].load();
        if (c) snapshot_class(*c, v.waiting_cls);
        else v.waiting_cls.key = r.waiting_key, v.waiting_cls.name = r.waiting_key->name();
        v.wait_start = r.start;
        v.waited_ns = now > r.start ? now - r.start : 0;
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

void append_thread(std::string& out, const thread_view& t) {
  absl::StrAppendFormat(&out, "%u lock%s held by %s/%d:\n", t.held.size(), t.held.size() == 1 ? "" : "s", t.name,
                        t.tid);
  for (std::size_t i = 0; i < t.held.size(); ++i) {
    const held_view& h = t.held[i];
    absl::StrAppendFormat(&out, " #%u: %016x (%s)%s%s", i, reinterpret_cast<std::uintptr_t>(h.instance),
                          class_name(h.cls), class_state(h.cls), h.read ? " (read)" : "");
    if (h.ip) absl::StrAppend(&out, ", at: ", describe_frame(h.ip));
    out += "\n";
  }
  if (t.waiting)
    absl::StrAppendFormat(&out, " blocked on: %016x (%s) for %.1f s\n",
                          reinterpret_cast<std::uintptr_t>(t.waiting_instance), class_name(t.waiting_cls),
                          double(t.waited_ns) / 1e9);
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
  bool any = false;
  for_each_thread([&](thread_state& t) {
    if (!t.waiting_on.load(std::memory_order_acquire)) return;
    const std::uint64_t start = t.wait_start_ns.load(std::memory_order_relaxed);
    const std::uint64_t now = now_ns();
    any |= now > start && now - start > limit && reported[t.tid] != start;
  });
  if (!any) return;
  std::string out;
  for (const thread_view& t : snapshot_threads()) {
    if (!t.waiting || t.waited_ns <= limit || reported[t.tid] == t.wait_start) continue;
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
  g_track_waits.store(g_explicit_tracking.load() || g_hung_timeout.load() > 0 || g_signal.load() > 0 ||
                          lock_stat_on.load(),
                      std::memory_order_relaxed);
}

}  // namespace

void watchdog_after_fork_child() noexcept {
  g_thread_started.store(false);
  g_restart_pending.store(g_hung_timeout.load() > 0 || g_signal.load() > 0);
}

void wait_begin(lock_map& m) noexcept {
  if (!g_track_waits.load(std::memory_order_relaxed)) return;
  if (g_restart_pending.load(std::memory_order_relaxed) && g_restart_pending.exchange(false)) start_thread_once();
  thread_state* ts = current_thread_state_if_any();
  if (!ts || ts->recursion) return;
  ts->wait_start_ns.store(now_ns(), std::memory_order_relaxed);
  ts->waiting_key.store(m.key(), std::memory_order_relaxed);
  ts->waiting_subclass.store(static_cast<std::uint8_t>(m.subclass()), std::memory_order_relaxed);
  ts->waiting_on.store(&m, std::memory_order_release);
  // The wrappers inline lock_real into the user's function: this is the
  // user's call site, which lock_stat lists as a contention point.
  t_wait_ip = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
}

void wait_end() noexcept {
  thread_state* ts = current_thread_state_if_any();
  if (!ts) return;
  lock_map* m = ts->waiting_on.load(std::memory_order_relaxed);
  if (!m) return;
  if (lock_stat_on.load(std::memory_order_relaxed)) {
    const std::uint64_t start = ts->wait_start_ns.load(std::memory_order_relaxed), now = now_ns();
    stat_contended(*m, now > start ? now - start : 0, t_wait_ip);
  }
  ts->waiting_on.store(nullptr, std::memory_order_release);
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
  configure_lock_stat(o.lock_stat);
  update_tracking();
}

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE
using namespace internal;

std::string all_locks_text() {
  std::string out = "\nShowing all locks held in the system:\n";
  for (const thread_view& t : snapshot_threads()) {
    if (t.held.empty() && !t.waiting) continue;
    append_thread(out, t);
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

// lock_stat: per-class acquisitions, contentions, wait and hold times, in the
// layout of the kernel's /proc/lock_stat (lockdep/introspect.hpp).
//
// Off by default. While off, a wrapper pays one relaxed load per lock and
// unlock (tracked.hpp's note_acquired / note_released). While on:
//   * stat_acquired counts the acquisition and pushes (map, time) on a small
//     per-thread stack; stat_released pops it and adds the hold time;
//   * a contended acquisition (the wrapper's try_lock failed) is timed by
//     wait_begin/wait_end (watchdog.cpp), which call stat_contended with the
//     wait and the call site.
// Counters are relaxed atomics in a table indexed by class id, allocated the
// first time lock_stat is turned on. Only lockdep's wrappers feed it; bare
// lock_map annotations are not timed. lockdep::reset() recycles class ids:
// clear_lock_stat() after it. Bounce columns (CPU migrations of a lock) are
// not measured in user space and print 0.
#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/view.hpp"
#include "lockdep/introspect.hpp"
#include "report/build.hpp"
#include "report/observer.hpp"

LOCKDEP_INTERNAL_BEGIN

std::atomic<bool> lock_stat_on{false};

namespace {

constexpr unsigned k_points = 4;
constexpr unsigned k_max_thread_holds = 128;

struct time_stat {
  std::atomic<std::uint64_t> min{~0ull}, max{0}, total{0}, nr{0};
  void add(std::uint64_t v) {
    nr.fetch_add(1, std::memory_order_relaxed);
    total.fetch_add(v, std::memory_order_relaxed);
    for (std::uint64_t m = min.load(std::memory_order_relaxed); v < m;)
      if (min.compare_exchange_weak(m, v, std::memory_order_relaxed)) break;
    for (std::uint64_t m = max.load(std::memory_order_relaxed); v > m;)
      if (max.compare_exchange_weak(m, v, std::memory_order_relaxed)) break;
  }
  void clear() {
    min = ~0ull;
    max = total = nr = 0;
  }
};

struct class_stat {
  time_stat wait[2], hold[2];  // [0] write (exclusive), [1] read
  std::atomic<std::uint64_t> acquisitions[2] = {};
  std::atomic<std::uintptr_t> point_ip[k_points] = {};
  std::atomic<std::uint64_t> point_count[k_points] = {};
};

std::atomic<class_stat*> g_table{nullptr};
std::uint32_t g_table_size = 0;
std::atomic<std::uint32_t> g_generation{1};

struct hold_entry {
  const lock_map* map;
  std::uint64_t start;
  std::uint32_t cls;
  bool read;
};
struct thread_holds {
  std::uint32_t generation = 0;
  unsigned depth = 0;
  hold_entry entries[k_max_thread_holds];
};
// One pointer in initial-exec TLS (cheap in the shared library), freed by a
// pthread-key destructor: those run after C++ thread_local destructors,
// which may still lock and so still reach stat_released.
__thread thread_holds* t_holds __attribute__((tls_model("initial-exec"))) = nullptr;
pthread_key_t g_holds_key;
pthread_once_t g_holds_once = PTHREAD_ONCE_INIT;

void free_holds(void* p) {
  t_holds = nullptr;
  delete static_cast<thread_holds*>(p);
}

thread_holds& holds() {
  if (!t_holds) {
    pthread_once(&g_holds_once, [] { pthread_key_create(&g_holds_key, free_holds); });
    t_holds = new thread_holds();
    pthread_setspecific(g_holds_key, t_holds);
  }
  return *t_holds;
}

class_stat* stat_for(std::uint32_t class_id) {
  class_stat* table = g_table.load(std::memory_order_acquire);
  if (!table || class_id >= g_table_size) return nullptr;
  return &table[class_id];
}

std::string time_text(std::uint64_t ns) {
  return absl::StrFormat("%u.%02u", ns / 1000, (ns % 1000) / 10);
}

}  // namespace

// Not inside a real signal handler: the first hold of a thread allocates,
// and the handler may have interrupted this thread's own update of its holds.
// Locks taken in handlers are not measured.
void stat_acquired(lock_map& m) noexcept {
  std::uint32_t id = 0;
  bool read = false;
  if (!own_hold(m, false, &id, &read)) return;  // untracked (validation_off), in lockdep or a handler
  class_stat* s = stat_for(id);
  if (!s) return;
  s->acquisitions[read].fetch_add(1, std::memory_order_relaxed);
  thread_holds& th = holds();
  const std::uint32_t gen = g_generation.load(std::memory_order_relaxed);
  if (th.generation != gen) th = thread_holds{gen, 0, {}};  // entries from an earlier on-period
  if (th.depth < k_max_thread_holds) th.entries[th.depth++] = {&m, now_ns(), id, read};
}

void stat_released(lock_map& m) noexcept {
  if (in_signal_handler()) return;
  thread_holds* th = t_holds;
  if (!th || th->generation != g_generation.load(std::memory_order_relaxed)) return;
  for (unsigned i = th->depth; i-- > 0;) {
    if (th->entries[i].map != &m) continue;
    const hold_entry e = th->entries[i];
    std::copy(th->entries + i + 1, th->entries + th->depth, th->entries + i);
    --th->depth;
    class_stat* table = g_table.load(std::memory_order_acquire);
    if (table && e.cls < g_table_size) table[e.cls].hold[e.read].add(now_ns() - e.start);
    return;
  }
}

void stat_contended(const lock_map& m, std::uint64_t waited_ns, std::uintptr_t ip) noexcept {
  std::uint32_t id = 0;
  bool read = false;
  if (!own_hold(m, true, &id, &read)) return;
  class_stat* s = stat_for(id);
  if (!s) return;
  s->wait[read].add(waited_ns);
  for (unsigned i = 0; i < k_points; ++i) {
    std::uintptr_t cur = s->point_ip[i].load(std::memory_order_relaxed);
    if (cur == 0 && s->point_ip[i].compare_exchange_strong(cur, ip, std::memory_order_relaxed)) cur = ip;
    if (cur == ip) {
      s->point_count[i].fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

void configure_lock_stat(bool on) {
  if (on && !g_table.load(std::memory_order_acquire)) {
    static spin_mutex alloc_lock;
    alloc_lock.lock();
    if (!g_table.load(std::memory_order_relaxed)) {
      g_table_size = class_capacity();
      g_table.store(new class_stat[g_table_size], std::memory_order_release);  // never freed
    }
    alloc_lock.unlock();
  }
  if (on && !lock_stat_on.load()) g_generation.fetch_add(1);
  lock_stat_on.store(on, std::memory_order_relaxed);
}

LOCKDEP_INTERNAL_END

LOCKDEP_BEGIN_NAMESPACE
using namespace internal;

void set_lock_stat(bool on) {
  options o = get_options();
  o.lock_stat = on;
  set_options(o);
}

void clear_lock_stat() {
  class_stat* table = g_table.load(std::memory_order_acquire);
  if (!table) return;
  for (std::uint32_t i = 0; i < g_table_size; ++i) {
    class_stat& s = table[i];
    for (int r = 0; r < 2; ++r) {
      s.wait[r].clear();
      s.hold[r].clear();
      s.acquisitions[r] = 0;
    }
    for (unsigned p = 0; p < k_points; ++p) s.point_ip[p] = 0, s.point_count[p] = 0;
  }
}

std::string lock_stat_text() {
  struct row {
    std::string name;
    std::uint64_t contentions = 0;
    class_stat* s = nullptr;
  };
  std::vector<row> rows;
  class_stat* table = g_table.load(std::memory_order_acquire);
  if (table) {
    auto used = [table](std::uint32_t id) {
      const class_stat& s = table[id];
      return s.acquisitions[0] + s.acquisitions[1] + s.wait[0].nr + s.wait[1].nr != 0;
    };
    for (const class_view& v : read_classes(g_table_size, used)) {
      class_stat& s = table[v.id];
      rows.push_back({class_name(v.snap), s.wait[0].nr + s.wait[1].nr, &s});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const row& a, const row& b) { return a.contentions > b.contentions; });

  const std::string wide_rule(40 + 1 + 12 * (14 + 1), '-');
  std::string out = "lock_stat version 0.4\n";
  if (!get_statistics().enabled) out += "*WARNING* lock debugging disabled!! - possibly due to a lockdep warning\n";
  out += wide_rule + "\n";
  absl::StrAppendFormat(&out, "%40s %14s %14s %14s %14s %14s %14s %14s %14s %14s %14s %14s %14s\n", "class name",
                        "con-bounces", "contentions", "waittime-min", "waittime-max", "waittime-total", "waittime-avg",
                        "acq-bounces", "acquisitions", "holdtime-min", "holdtime-max", "holdtime-total",
                        "holdtime-avg");
  out += wide_rule + "\n";
  auto times = [](const time_stat& t) {
    const std::uint64_t nr = t.nr.load();
    return absl::StrFormat("%14s %14s %14s %14s", time_text(nr ? t.min.load() : 0), time_text(t.max.load()),
                           time_text(t.total.load()), time_text(nr ? t.total.load() / nr : 0));
  };
  bool first = true;
  for (const row& r : rows) {
    if (!first) out += std::string(wide_rule.size(), '.') + "\n";
    first = false;
    const bool has_read = r.s->acquisitions[1] + r.s->wait[1].nr > 0;
    const bool has_write = r.s->acquisitions[0] + r.s->wait[0].nr > 0;
    for (int read = 0; read < 2; ++read) {
      if (read ? !has_read : !has_write) continue;
      const std::string label = has_read && has_write ? r.name + (read ? "-R" : "-W") : r.name;
      absl::StrAppendFormat(&out, "%40s: %14u %14u %s %14u %14u %s\n", label, 0, r.s->wait[read].nr.load(),
                            times(r.s->wait[read]), 0, r.s->acquisitions[read].load(), times(r.s->hold[read]));
    }
    bool rule = false;
    for (unsigned p = 0; p < k_points; ++p) {
      const std::uintptr_t ip = r.s->point_ip[p].load();
      if (!ip) continue;
      if (!rule) out += std::string(40 - std::min<std::size_t>(r.name.size(), 40), ' ') +
                        std::string(std::min<std::size_t>(r.name.size(), 40), '-') + "\n";
      rule = true;
      absl::StrAppendFormat(&out, "%40s %14u %29s %s\n", r.name, r.s->point_count[p].load(),
                            absl::StrFormat("[<%016x>]", ip), describe_frame(ip));
    }
  }
  out += "\n";
  return out;
}

LOCKDEP_END_NAMESPACE

// The report layer's read-only view of the core: counts, the graph, the
// validated chains and every thread's held locks, each copied out under the
// core's cold section by one call, so the report layer never walks core
// structures itself and never holds the graph lock while formatting or
// calling out. The few writes it needs (runtime settings, a thread's wait
// state, which the watchdog reads) are named as such below.
//
// Copies are plain data (class_snapshot from report_record.hpp). Functions
// returning vectors allocate; they are for introspection calls and the
// watchdog thread, never for a signal handler or the lock path.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/frontend.hpp"
#include "core/report_record.hpp"

LOCKDEP_INTERNAL_BEGIN

// The monotonic clock in nanoseconds, as wait starts are stamped.
std::uint64_t now_ns() noexcept;

// ---- counts and settings ---------------------------------------------------------
struct core_counts {
  std::uint64_t suppressed = 0, dropped = 0;
  std::uint64_t classes = 0, max_classes = 0;
  std::uint64_t dependencies = 0, max_dependencies = 0;
  std::uint64_t chains = 0, max_chains = 0;
  std::uint64_t chain_hlocks = 0, max_chain_hlocks = 0;
  std::uint64_t trace_entries = 0, max_trace_entries = 0;
  std::uint64_t cold_path_entries = 0;
  std::uint64_t graph_bytes = 0;
  bool enabled = true;
};
core_counts read_counts() noexcept;
// The table size of classes (ids are below it).
std::uint32_t class_capacity() noexcept;
// Runtime options the core acts on (set_options).
void set_stacktraces(bool on) noexcept;
void set_fork_report(bool on) noexcept;

// ---- the graph ------------------------------------------------------------------------
struct class_view {
  std::uint32_t id = 0;
  class_snapshot snap;
  std::uint32_t forward = 0, backward = 0;  // classes reachable each way, itself included (if counted)
  struct edge {
    std::uint32_t to;
    std::uint8_t dep;  // dep_bits of graph.hpp: EN, SN, ER, SR
    bool direct;
  };
  std::vector<edge> after;
};
// The dependency types an edge's `dep` bits stand for, in the kernel's
// order: how the earlier lock was held (E exclusive, S shared) and how the
// later one was taken (N non-recursive, R recursive read).
inline constexpr std::pair<std::uint8_t, const char*> k_dep_types[] = {{8, "EN"}, {4, "SN"}, {2, "ER"}, {1, "SR"}};
// Every class in use, by increasing id; `counts` fills forward/backward.
std::vector<class_view> read_graph(bool counts);
// The classes in use among ids [1, limit) for which want(id) is true.
template <class Want>
std::vector<class_view> read_classes(std::uint32_t limit, Want&& want);
std::vector<class_view> read_classes_if(std::uint32_t limit, bool (*want)(std::uint32_t id, void* ctx), void* ctx);

struct chain_view {
  std::uint8_t irq_context = 0;
  std::vector<std::pair<class_snapshot, unsigned>> locks;  // class, read mode
};
std::vector<chain_view> read_chains();

// ---- threads ------------------------------------------------------------------------------
struct held_view {
  class_snapshot cls;
  const void* instance = nullptr;
  std::uintptr_t ip = 0;  // only for the calling thread's own locks
  const std::uintptr_t* callers = nullptr;  // held_lock::callers, likewise
  std::uint8_t read = 0;
};
struct thread_view {
  pid_t tid = 0;
  char name[32] = {};
  std::vector<held_view> held;
  bool waiting = false;
  class_snapshot waiting_cls;
  const void* waiting_instance = nullptr;  // never dereferenced: it may be freed
  std::uint64_t wait_start = 0;            // monotonic ns
};
std::vector<thread_view> read_threads();
// Cheap scan without copying: does any thread wait longer than `limit_ns`
// on one lock, since a start other than seen(tid)?
bool any_wait_longer(std::uint64_t now_ns, std::uint64_t limit_ns, std::uint64_t (*seen)(pid_t tid, void* ctx),
                     void* ctx) noexcept;

// ---- the calling thread -------------------------------------------------------------------
// Its hold of `m`: class id and whether shared. False if `m` is not on its
// stack (or untracked), if the thread has no state, or, unless
// `in_handler_ok`, if it runs inside lockdep or a signal handler.
bool own_hold(const lock_map& m, bool in_handler_ok, std::uint32_t* class_id, bool* read) noexcept;
bool in_signal_handler() noexcept;
// Wait state, read by read_threads(): set before blocking on `m`, cleared
// after; wait_finished returns the lock waited on (or null) and the wait.
bool wait_started(lock_map& m, std::uint64_t now_ns) noexcept;
lock_map* wait_finished(std::uint64_t now_ns, std::uint64_t* waited_ns) noexcept;
// Whether the calling thread has a wait started (so wait_end need not read
// the clock when waits are not tracked).
bool waiting_now() noexcept;

template <class Want>
std::vector<class_view> read_classes(std::uint32_t limit, Want&& want) {
  using W = std::remove_reference_t<Want>;
  return read_classes_if(
      limit, [](std::uint32_t id, void* ctx) { return static_cast<bool>((*static_cast<W*>(ctx))(id)); }, &want);
}

LOCKDEP_INTERNAL_END

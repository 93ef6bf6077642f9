// The validator core's shared state and the internal functions its files
// call on each other. Nothing here prints, allocates with malloc on the cold
// path, or knows about wrappers, Boost or gtest.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/chain_cache.hpp"
#include "core/chain_key.hpp"
#include "core/frontend.hpp"
#include "core/graph.hpp"
#include "core/report_record.hpp"
#include "core/spin_mutex.hpp"
#include "core/thread_state.hpp"
#include "core/trace_store.hpp"
#include "kinds/report_kinds.hpp"

LOCKDEP_INTERNAL_BEGIN

// The table sizes in force (options/option_table.hpp has their defaults).
struct core_limits {
  std::uint32_t max_classes = 0;
  std::uint32_t max_dependencies = 0;
  std::uint32_t max_chains = 0;
  std::uint32_t max_chain_hlocks = 0;
  std::uint32_t max_trace_entries = 0;
  std::uint32_t max_depth = 0;
};

// A validated chain: the held classes (and read modes) of one irq context.
struct chain_record {
  std::uint64_t key = 0;
  std::uint32_t base = 0;  // first hlock id in the pool
  std::uint16_t depth = 0;
  std::uint8_t irq_context = 0;
  bool live = false;
};

struct core_state {
  spin_mutex graph_lock;
  graph g;
  chain_cache chains;
  trace_store traces;
  chain_record* chain_recs = nullptr;
  std::uint32_t nr_chain_recs = 0;
  std::uint32_t* chain_hlocks = nullptr;  // hlock ids: class id | read << 24
  std::uint32_t hlocks_used = 0;
  core_limits limits;
  std::atomic<bool> enabled{true};       // false after a limit was reached
  std::atomic<bool> stacktraces{true};
  std::atomic<bool> report_held_at_fork{false};  // option fork_report
  std::uint64_t cold_entries = 0;
  std::uint64_t suppressed = 0;
  std::uint64_t dropped = 0;
};

core_state& core() noexcept;  // initialised on first call
bool core_ready() noexcept;
// Hidden: the shared library's warm path loads it directly, not via the GOT.
extern core_state* g_core __attribute__((visibility("hidden")));
// For the warm path, which runs only once a class exists (so the core does).
inline core_state& core_unchecked() noexcept { return *g_core; }

constexpr std::uint32_t k_map_alive = 0x4c4f434b;  // "LOCK"
constexpr std::uint32_t k_map_dead = 0x44454144;   // "DEAD"

// What a lock_map looks like from inside.
struct map_access {
  static std::uint32_t alive(const lock_map& m) { return m.alive_; }
  static bool validate(const lock_map& m) { return m.check_ == static_cast<std::uint8_t>(check::full); }
  static void init(lock_map& m, lock_class_key* key, wait_type inner, wait_type outer, check c) {
    m.key_ = key;
    m.inner_ = static_cast<std::uint8_t>(inner);
    m.outer_ = static_cast<std::uint8_t>(outer);
    m.check_ = static_cast<std::uint8_t>(c);
    m.alive_ = k_map_alive;
  }
  static void set_dead(lock_map& m) { m.alive_ = k_map_dead; }
  static void set_key(lock_map& m, lock_class_key* key) { m.key_ = key; }
  static void set_subclass(lock_map& m, unsigned s) { m.subclass_ = static_cast<std::uint8_t>(s); }
};

// ---- the cold path's critical section -----------------------------------------
// Blocks signals, raises the thread's recursion guard, takes the graph lock;
// on exit undoes all three and delivers queued reports (unless in a handler).
class cold_section {
 public:
  explicit cold_section(thread_state* ts) noexcept;
  ~cold_section();
  cold_section(const cold_section&) = delete;
  cold_section& operator=(const cold_section&) = delete;

 private:
  thread_state* ts_;
  unsigned long old_mask_[16];  // sigset_t storage without <signal.h> here
};

// ---- chain keys -------------------------------------------------------------------
inline std::uint64_t chain_mix(std::uint64_t key, std::uint32_t hlock_id) {
  return chain_key_step(key, hlock_hash(hlock_id));
}
inline std::uint64_t initial_chain_key(std::uint8_t ctx_type) {
  return chain_mix(k_chain_seed, 0xfff000u + ctx_type);
}
inline std::uint32_t hlock_id(const lock_class* c, unsigned read) { return hlock_id_of(c->id, read); }

// ---- classes (registry.cpp) -------------------------------------------------------
// Class of (key, subclass), registering it; nullptr on table overflow.
lock_class* register_class(lock_class_key& key, unsigned subclass, std::uint8_t inner,
                           std::uint8_t outer, bool validate) noexcept;
void snapshot_class(const lock_class& c, class_snapshot& out) noexcept;
// Remove every chain containing class `id` (graph lock held).
void drop_chains_with(std::uint32_t id) noexcept;
bool add_chain(std::uint64_t key, const thread_state& ts, unsigned ctx_base,
               const held_lock& next, std::uint8_t irq_context) noexcept;
// Forget all classes, dependencies and chains (graph lock held, no lock held anywhere).
void reset_graph() noexcept;

// ---- reports (report_queue.cpp) ----------------------------------------------------
// Begin a record; nullptr if this problem was already reported (signature
// dedupe) or the queue is full. Graph lock held.
report_record* begin_report(report_kind kind, std::uint64_t signature) noexcept;
// Fill thread identity, irq state, held locks and the backtrace.
void finish_report(report_record& r, thread_state& ts) noexcept;
// Turn validation off after a limit was reached, with one report.
void limit_reached(thread_state* ts, const char* limit, option_id option) noexcept;
// Misuse report outside a cold section (takes one itself).
void misuse_report(thread_state* ts, report_kind kind, const char* message, const lock_map* m,
                   long value = 0) noexcept;
void snapshot_held(const held_lock& h, held_snapshot& out) noexcept;
// Graph lock held.
void forget_signatures() noexcept;
// Reports queued or being delivered (they refer to trace ids).
bool reports_in_flight() noexcept;

// ---- checks (checks.cpp) --------------------------------------------------------------
// Validate `next` (not yet pushed) against the held stack; graph lock held.
void validate_chain(thread_state& ts, held_lock& next, std::uint64_t chain_key,
                    std::uint32_t& trace) noexcept;
// Mark usage bits in `need` missing from the class; graph lock held.
void mark_usage(thread_state& ts, held_lock& hl, std::uint32_t need, std::uint32_t& trace) noexcept;
// Index of the first held lock of the current irq context.
unsigned context_base(const thread_state& ts) noexcept;

// ---- ordered classes (ordered.cpp) -----------------------------------------------------
// The class's comparison of the lock objects of two of its maps (cmp_fn set).
int compare_locks(const lock_class& c, const lock_map* held, const lock_map* next) noexcept;
// The class's print function's text for lock `m` (empty without one, or
// when `m` is being destroyed); graph lock held.
void describe_lock(const lock_class* c, const lock_map* m, char (&out)[k_lock_text]) noexcept;

// ---- held stack edits (validator.cpp) ---------------------------------------------
void copy_held(held_lock& to, const held_lock& from) noexcept;
// Drop the entry for `m` (e.g. after it was freed while held), replaying the rest.
void forget_held_instance(thread_state& ts, const lock_map& m) noexcept;
// Drop every entry of the current irq context (leaving it with locks held).
void drop_context_locks(thread_state& ts) noexcept;
// A lock being destroyed leaves the thread's untracked set (its address may
// be reused by another lock).
void forget_untracked(thread_state& ts, const lock_map& m) noexcept;
// Give held[i] a new class and re-validate it and everything above it.
void replay_from(thread_state& ts, unsigned i, lock_class* new_cls) noexcept;
// Search all contexts; `read` -1 matches any mode.
int find_held_any_context(const thread_state& ts, const lock_map& m, int read) noexcept;

// ---- irq (irq_state.cpp) -----------------------------------------------------------------
// Mark ENABLED bits on held locks after an irqs-on transition.
void mark_held_locks(thread_state& ts, unsigned state) noexcept;
// End the innermost context if it is a signal handler's (restoring the
// hardirq state saved at its entry); false otherwise.
bool leave_signal_handler(thread_state& ts, const char* what_if_unbalanced) noexcept;

LOCKDEP_INTERNAL_END

// Per-thread state: the held-lock stack, the running chain key and the
// simulated irq state.
//
// Only the owning thread writes it. Other threads (show-all-locks,
// unregister_key's "is it held" scan) read `depth` and the entries' class and
// instance, so those are relaxed atomics: plain moves on x86, race-free for
// the sanitizers.
//
// The state is allocated lazily with mmap (async-signal-safe, no malloc
// locks) and reached through one initial-exec TLS pointer, so the warm path
// costs a single TLS load even in the shared library. A pthread-key
// destructor tears it down; those run after C++ thread_local destructors,
// which may still lock.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>

#include "core/lock_class.hpp"
#include "options/option_table.hpp"
#include "lockdep/lock_map.hpp"

LOCKDEP_INTERNAL_BEGIN

// The hard cap of the max_depth option: every thread's stack has room for it.
constexpr unsigned k_max_held_capacity = static_cast<unsigned>(option_max(option_id::max_depth));
constexpr unsigned k_max_irq_nesting = 32;

enum irq_context_type : std::uint8_t { ctx_process = 0, ctx_softirq = 1, ctx_hardirq = 2 };

struct held_lock {
  std::atomic<lock_map*> instance{nullptr};
  std::atomic<lock_class*> cls{nullptr};
  std::uint64_t prev_chain_key = 0;
  std::uintptr_t acquire_ip = 0;
  std::uint32_t ctx_id = 0;       // which entered context this lock belongs to
  std::uint32_t references = 0;   // extra re-locks of a recursive instance / nest merges
  std::uint8_t read = 0;          // read_mode
  std::uint8_t irq_context = 0;   // irq_context_type of the context
  bool trylock = false;
  bool check = true;
  bool hardirqs_off = false;
  bool nest_merged = false;       // references count same-class locks taken under a nest lock
  lock_map* nest_lock = nullptr;
  // What lies above acquire_ip, for reports (caller_chains.hpp): an
  // interned chain of return addresses tagged with k_chain_tag (unoptimised
  // code, or the cold path's unwind), else the return address of the
  // function the acquisition was inlined into (optimised code: the warm
  // path stores it as passed), or 0. Read through recorded_callers(). One
  // word for both (it was `callers`, the chain alone; renamed so that no
  // reader takes a return address for a chain).
  std::uintptr_t caller_word = 0;
};

// One entered interrupt context (for exit and boundary bookkeeping).
struct irq_frame {
  std::uint32_t ctx_id;
  std::uint64_t saved_chain_key;
  std::uint8_t type;
  bool saved_hardirqs_on;
  bool signal_handler;
  std::uint8_t saved_signal_line;      // thread_state::signal_line at entry
  std::uint8_t saved_signal_lines_on;  // thread_state::signal_lines_on at entry
  held_lock saved_slot;  // the slot at `depth` when the context was entered
};

struct thread_state {
  // --- warm path ---
  std::atomic<std::uint32_t> depth{0};
  std::uint32_t max_depth = static_cast<std::uint32_t>(option_default(option_id::max_depth));
  std::uint64_t chain_key = 0;
  std::uint32_t ctx_id = 0;  // current context instance
  std::uint8_t ctx_type = ctx_process;
  int recursion = 0;         // >0: inside lockdep (or a sink): track nothing
  int off = 0;               // >0: validation_off scope: new acquisitions untracked
  // Return address of the public entry point the thread is in (cold path
  // only): captured traces start there, hiding lockdep's own frames.
  std::uintptr_t entry_ip = 0;
  // usage bits an acquisition needs, by [trylock][read != 0]
  std::uint32_t need[2][2] = {};

  // --- irq state ---
  bool hardirqs_on = true;
  std::uint32_t hardirq_depth = 0;
  std::uint32_t softirq_depth = 0;
  std::uint32_t bh_disable = 0;  // nested local_bh_disable count
  std::uint32_t irq_nesting = 0;
  std::uint32_t next_ctx_id = 1;
  std::uint32_t in_signal_handler = 0;
  // Signal lines (signal_lines.hpp): those whose signal can interrupt the
  // thread now (bit per line; every one until a front end says otherwise:
  // the preload reads the thread's mask), the line of the innermost signal
  // handler running (0xff: none), and how many of the handlers running
  // have a line (those are not hardirq context for the usage rules).
  std::uint8_t signal_lines_on = 0xff;
  std::uint8_t signal_line = 0xff;
  std::uint32_t signal_line_handlers = 0;
  irq_frame frames[k_max_irq_nesting];

  // --- locks taken but not tracked ---
  // Acquisitions lockdep declined to track (validation_off, an unregistered
  // key, validation disabled, dropped at an irq context's exit). Their
  // release is no bad unlock, and must return true: the wrapper unlocks the
  // real lock only then. Past the bound, releases of unknown locks are
  // trusted (lockdep can no longer tell) until reset().
  static constexpr unsigned k_max_untracked = 32;
  const lock_map* untracked[k_max_untracked] = {};
  std::uint32_t nr_untracked = 0;
  bool untracked_overflow = false;

  // --- identity and bookkeeping ---
  pid_t tid = 0;
  // The thread's stack, learnt by the first unoptimised acquisition's walk
  // (caller_chains.cpp); stack_hi 1: unknown.
  std::uintptr_t stack_lo = 0, stack_hi = 0;
  thread_state* next = nullptr;  // all-threads list (threads_lock)
  thread_state* prev = nullptr;
  // The lock this thread is blocked on, for show_all_locks / hung watchdog.
  // Other threads must not dereference waiting_on (the lock may be freed as
  // soon as this thread gets it): they read the key and subclass published
  // with it.
  std::atomic<lock_map*> waiting_on{nullptr};
  std::atomic<lock_class_key*> waiting_key{nullptr};
  std::atomic<std::uint8_t> waiting_subclass{0};
  std::atomic<std::uint64_t> wait_start_ns{0};
  held_lock held[k_max_held_capacity];
  held_lock scratch[k_max_held_capacity];  // replay buffer for out-of-order release

  // --- warm path: chain keys this thread found in the chain cache ---
  // Direct-mapped by the key's low bits, each stored as key ^ g_front_salt
  // (chain_cache.hpp); zero (never written) matches no key in practice.
  // One compare replaces the shared table's probe on the warm path. 128
  // slots: with 64, two of chain8's eight keys shared a slot often enough
  // (about one key set in three) that one acquisition per chain missed.
  static constexpr unsigned k_front_chains = 128;
  std::uint64_t front_chains[k_front_chains] = {};
};

// The calling thread's state, created on first use (nullptr while lockdep is
// initialising or the thread is past its teardown and allocation failed).
thread_state* current_thread_state() noexcept;
// The one TLS slot: a pointer, initial-exec so even the shared library
// reaches it with one %fs-relative load (no __tls_get_addr call), and small
// so a dlopen'ed liblockdep fits in the static TLS surplus. `__thread`, not
// thread_local: a plain pointer needs no TLS wrapper function.
extern __thread thread_state* tls_thread_state __attribute__((tls_model("initial-exec")));
// Fast accessor, inlined into the warm path: nullptr if not created yet.
inline thread_state* current_thread_state_if_any() noexcept { return tls_thread_state; }

// Recompute thread_state::need after an irq state change.
void update_usage_needs(thread_state& ts) noexcept;

// Visit every live thread's state under the threads lock.
template <class F>
void for_each_thread(F&& f);
void lock_thread_list() noexcept;
void unlock_thread_list() noexcept;
thread_state* first_thread() noexcept;
// fork() child, thread list lock held: the other threads do not exist here;
// drop their states (show_all_locks and the watchdog would list them).
void forget_other_threads_after_fork(thread_state* self) noexcept;

// Thread name (up to 15 chars) of the calling thread, or of `tid` via /proc.
void thread_name(const thread_state& ts, char out[32]) noexcept;

template <class F>
void for_each_thread(F&& f) {
  lock_thread_list();
  for (thread_state* t = first_thread(); t; t = t->next) f(*t);
  unlock_thread_list();
}

LOCKDEP_INTERNAL_END

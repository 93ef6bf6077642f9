// The pthread interposer's internal interface (liblockdep_preload.so).
//
// Layers, each in its own file:
//   real.cpp      the real pthread functions (dlsym/dlvsym) and the options
//   sites.cpp     call sites -> lock_class_key objects, and their names
//   instances.cpp lock address -> per-instance record (lock_map, class, id)
//   held.cpp      per-thread held list and the calls into the validator core
//   order.cpp     the order of same-class instances (the instance graph)
//   hooks.cpp     the exported pthread_mutex/rwlock/spin/cond functions
//   threads.cpp   pthread_create/join/detach (the join wait map)
//   signals.cpp   sigaction/signal/sigprocmask: handlers as interrupts of their signal
//   exit.cpp      _exit/_Exit: a handler's queued reports delivered first
//
// Re-entrancy: every hook runs its bookkeeping inside a hook_scope. A hook
// entered while the thread is already inside one (an allocation, a
// symbolizer or the report printer locking something) only forwards.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <atomic>
#include <cstdint>

#include "lockdep/lock_map.hpp"
#include "options/option_table.hpp"

namespace lockdep_preload {

// ---- real functions (real.cpp) ----------------------------------------------------
struct real_functions {
  int (*mutex_init)(pthread_mutex_t*, const pthread_mutexattr_t*);
  int (*mutex_destroy)(pthread_mutex_t*);
  int (*mutex_lock)(pthread_mutex_t*);
  int (*mutex_trylock)(pthread_mutex_t*);
  int (*mutex_timedlock)(pthread_mutex_t*, const struct timespec*);
  int (*mutex_clocklock)(pthread_mutex_t*, clockid_t, const struct timespec*);
  int (*mutex_unlock)(pthread_mutex_t*);
  int (*rwlock_init)(pthread_rwlock_t*, const pthread_rwlockattr_t*);
  int (*rwlock_destroy)(pthread_rwlock_t*);
  int (*rwlock_rdlock)(pthread_rwlock_t*);
  int (*rwlock_tryrdlock)(pthread_rwlock_t*);
  int (*rwlock_timedrdlock)(pthread_rwlock_t*, const struct timespec*);
  int (*rwlock_clockrdlock)(pthread_rwlock_t*, clockid_t, const struct timespec*);
  int (*rwlock_wrlock)(pthread_rwlock_t*);
  int (*rwlock_trywrlock)(pthread_rwlock_t*);
  int (*rwlock_timedwrlock)(pthread_rwlock_t*, const struct timespec*);
  int (*rwlock_clockwrlock)(pthread_rwlock_t*, clockid_t, const struct timespec*);
  int (*rwlock_unlock)(pthread_rwlock_t*);
  int (*spin_init)(pthread_spinlock_t*, int);
  int (*spin_destroy)(pthread_spinlock_t*);
  int (*spin_lock)(pthread_spinlock_t*);
  int (*spin_trylock)(pthread_spinlock_t*);
  int (*spin_unlock)(pthread_spinlock_t*);
  // pthread_cond_* exist in two ABIs: GLIBC_2.3.2 (current) and GLIBC_2.2.5
  // (the pre-NPTL layout old binaries bind to). Each hook version forwards
  // to the same version of the real function.
  int (*cond_wait)(pthread_cond_t*, pthread_mutex_t*);
  int (*cond_timedwait)(pthread_cond_t*, pthread_mutex_t*, const struct timespec*);
  int (*cond_wait_old)(pthread_cond_t*, pthread_mutex_t*);
  int (*cond_timedwait_old)(pthread_cond_t*, pthread_mutex_t*, const struct timespec*);
  int (*cond_clockwait)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*);
  int (*create)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  int (*join)(pthread_t, void**);
  int (*detach)(pthread_t);
  int (*sigaction)(int, const struct sigaction*, struct sigaction*);
  int (*sigprocmask)(int, const sigset_t*, sigset_t*);
  int (*pthread_sigmask)(int, const sigset_t*, sigset_t*);
};
extern real_functions real;
// Resolve every real function once. False only on the resolving thread while
// dlsym itself re-enters a hook (then the hook cannot forward and must cope).
bool resolve_real() noexcept;

using lockdep::internal::option_default;
using lockdep::internal::option_id;
using lockdep::internal::option_max;
using lockdep::internal::option_number;
using lockdep::internal::option_text;

// The preload_* options (lockdep/options.hpp has their defaults and bounds).
struct preload_options {
  unsigned site_frames = unsigned(option_default(option_id::preload_site_frames));  // frames forming a class's site
  unsigned skip_frames = unsigned(option_default(option_id::preload_skip_frames));  // caller frames skipped first
  bool join = option_default(option_id::preload_join) != 0;  // pthread_join wait maps
  unsigned join_grace_ms = unsigned(option_default(option_id::preload_join_grace_ms));
  bool enabled = option_default(option_id::preload_enable) != 0;  // 0 forwards everything untouched
  char ordered[256] = {};  // preload_ordered: '|'-separated globs naming classes ordered by address
  unsigned max_instance_edges = unsigned(option_default(option_id::preload_max_instance_edges));  // same-class instance-order edges
};
const preload_options& options() noexcept;

// ---- per-thread hook state (held.cpp) -------------------------------------------------
// True (and the thread marked as inside a hook) if this hook should do its
// bookkeeping; false: forward only.
class hook_scope {
 public:
  hook_scope() noexcept;
  ~hook_scope();
  hook_scope(const hook_scope&) = delete;
  hook_scope& operator=(const hook_scope&) = delete;
  explicit operator bool() const { return active_; }

 private:
  bool active_;
};
// From the fork prepare handler to the parent/child handler, every hook of
// the forking thread only forwards (other atfork handlers lock their own
// mutexes while it holds our tables). Returns what to restore.
bool enter_fork_window() noexcept;
void leave_fork_window(bool was_in_hook) noexcept;

// ---- signals (signals.cpp) -------------------------------------------------------------
// Bring the calling thread's deliverable signals up to date after handlers
// were installed since it last looked (a cheap check when nothing changed).
void sync_signal_state() noexcept;
// Is a handler's trampoline running on this thread (not left by longjmp as
// far as the last hook could tell)?
bool in_handler_frame() noexcept;
// Bumped whenever the set of signals with a program handler changes.
// (Hidden, as the state below: the allocator hooks read them directly, not
// through the GOT.)
extern std::atomic<std::uint32_t> g_signal_generation __attribute__((visibility("hidden")));

// ---- the allocator and stdio as locks (pseudo_locks.cpp) -----------------------------
// malloc/free/calloc/realloc and the stdio functions take locks a handler
// cannot safely take: in a handler each call is an acquisition of the
// pseudo-lock named for them ("malloc", "stdio"); elsewhere a thread notes
// one acquisition per handler change while signals can interrupt it (the
// SIGUSR1-ON use), then only the one check below per call.
enum pseudo_lock : unsigned { pseudo_malloc, pseudo_stdio, k_pseudo_locks };
struct pseudo_quiet {
  std::uint32_t generation[k_pseudo_locks];  // equal to g_signal_generation: nothing to note
};
extern constinit thread_local pseudo_quiet tl_pseudo_quiet
    __attribute__((tls_model("initial-exec"), visibility("hidden")));
inline bool pseudo_lock_quiet(pseudo_lock k) noexcept {
  return tl_pseudo_quiet.generation[k] == g_signal_generation.load(std::memory_order_relaxed);
}
// The slow path of a call when not quiet; `ip` is the caller.
void note_pseudo_lock(pseudo_lock k, std::uintptr_t ip) noexcept;
// A handler starts on this thread: every call notes until it returns.
void pseudo_locks_enter_handler() noexcept;
// Set while a handler that ends the process delivers its reports (exit.cpp):
// allocations come from a static buffer (with pseudo_locks_rearm, so the
// allocator hooks look here).
extern constinit thread_local bool tl_private_allocations __attribute__((tls_model("initial-exec"), visibility("hidden")));
// The thread's deliverable signals grew: the next call notes again.
void pseudo_locks_rearm() noexcept;

// ---- classes (sites.cpp) ------------------------------------------------------------
enum class lock_kind : std::uint8_t { mutex, rwlock, spin, thread };
enum class site_origin : std::uint8_t { init, first_lock, create };

constexpr unsigned k_max_site_frames = unsigned(option_max(option_id::preload_site_frames));
struct call_site {
  std::uintptr_t frames[k_max_site_frames];
  unsigned n = 0;
};
// The site of the hook's caller: `caller` is the hook's return address.
void capture_site(call_site& out, std::uintptr_t caller) noexcept;
// Interned key for a site / for a lock in a static segment (nullptr when the
// pool is exhausted: the lock is then not tracked).
lockdep::lock_class_key* key_for_site(const call_site& s, lock_kind kind, site_origin origin) noexcept;
lockdep::lock_class_key* key_for_static(std::uintptr_t address, lock_kind kind) noexcept;
// Is `address` inside a loaded object's data (a lock in a static segment)?
bool in_static_segment(const void* address) noexcept;
// The symbolized name of one of our keys (named on first request), or
// nullptr for a key that is not ours. Allocates: only for a report being
// delivered, never from a hook.
const char* symbolized_name(const lockdep::lock_class_key* key) noexcept;
// The key's identity in the graph store (core/imports.hpp set_key_identity):
// its site frames or static address as module+offset, never renamed; nullptr
// for a key that is not ours. No allocation, no lock.
const char* stable_identity(const lockdep::lock_class_key& key) noexcept;
void reset_naming_after_fork_in_child() noexcept;

// ---- instances (instances.cpp) --------------------------------------------------------
struct instance {
  std::atomic<std::uintptr_t> address{0};
  std::uint32_t next = 0;  // bucket chain
  std::uint64_t id = 0;    // never reused: instance-order edges name ids
  lockdep::lock_class_key* key = nullptr;
  lock_kind kind = lock_kind::mutex;
  alignas(lockdep::lock_map) unsigned char map_storage[sizeof(lockdep::lock_map)];
  lockdep::lock_map& map() noexcept;
};
// Find the record of the lock at `address`, creating it at its first lock
// (class: static object, or the first-lock site).
instance* lookup_or_create(const void* address, lock_kind kind, std::uintptr_t caller) noexcept;
instance* lookup(const void* address) noexcept;
// (Re)initialisation by an init call: a fresh record with the init site's class.
instance* reinitialise(const void* address, lock_kind kind, lockdep::lock_class_key* key) noexcept;
// Destroy: drop the record and its instance-order edges.
void forget(const void* address) noexcept;
// Drop the records forget() had to defer during fork() (see instances.cpp);
// every hook scope calls it, one load when there are none.
void forget_deferred() noexcept;
// Take every internal lock (fork prepare) / release them (parent and child).
void lock_tables_for_fork() noexcept;
void unlock_tables_after_fork() noexcept;

// ---- address-ordered classes (ordered.cpp) ----------------------------------------------
// Is the class of `in` named by preload_ordered? Then its locks are ordered
// by address in the core (lock_set_cmp_fn), instead of by the instance graph.
bool ordered_by_address(instance& in) noexcept;

// ---- held list and validation (held.cpp) -------------------------------------------------
enum : int { type_normal = 0, type_recursive = 1, type_errorcheck = 2 };
// Before a blocking acquisition (or after a successful trylock). Returns
// true if tracked; then a failed blocking acquisition must call acquire_failed.
bool note_acquire(instance& in, unsigned read, bool trylock, int type, std::uintptr_t ip) noexcept;
void note_release(instance& in, int type, std::uintptr_t ip) noexcept;
void note_failed(instance& in) noexcept;
// Condition waits: the mutex is released for the wait and re-acquired after.
struct wait_token {
  instance* in = nullptr;
  std::uint16_t count = 0;
};
// A wait on a mutex not held is reported (bad unlock balance); the token then
// re-acquires it after the wait, as glibc does.
wait_token release_for_wait(instance& in, int type, std::uintptr_t ip) noexcept;
void reacquire_after_wait(const wait_token& t, std::uintptr_t ip) noexcept;

// ---- same-class instance order (order.cpp) ------------------------------------------------
struct order_end {
  instance* in;
  std::uint64_t id;
  unsigned read;      // 0 exclusive, 1 shared, 2 recursive reader
  std::uintptr_t ip;  // where it was acquired
};
// `held`, a held instance of the class of `acquiring` (a blocking
// acquisition): record held -> acquiring and report a strong cycle through it.
void order_check(const order_end& held, const order_end& acquiring) noexcept;
// Destroy: drop every edge of the instance.
void forget_order_edges(std::uint64_t id) noexcept;
void lock_order_for_fork() noexcept;
void unlock_order_after_fork() noexcept;

}  // namespace lockdep_preload

// lockdep/lock_map.hpp - the low-level annotation API.
//
// A lock_map is the per-instance record lockdep keeps for one lock: its key
// (hence its class), default subclass and wait types. Every lockdep lock type
// embeds one; use a lock_map directly for lock types you cannot wrap (a lock
// in a C library, a hand-rolled spin loop) and for pseudo-locks that guard no
// memory but order work (an RCU read section, "the event loop is running").
//
//   lockdep::lock_map rcu{"rcu_read_lock", lockdep::wait_type::spin,
//                         lockdep::wait_type::free, lockdep::check::track_only};
//   lockdep::lock_acquire(rcu, lockdep::read_mode::shared_recursive);
//   ...
//   lockdep::lock_release(rcu);
//
// Contract:
//   * Call lock_acquire *before* blocking on the real lock, so a report is
//     printed even if the acquisition then deadlocks, and lock_release
//     *before* the real unlock.
//   * lock_release returns false when this thread does not hold the lock
//     (after printing `bad unlock balance`); a wrapper should then skip the
//     real unlock, which would be undefined behaviour.
//   * A successful trylock is announced with trylock=true after it succeeded;
//     a failed one is not announced at all.
//   * A timed acquisition can block, so it is announced as blocking before it
//     starts; when it times out, lock_acquire_failed undoes the record.
//
// Cost: lock_acquire/lock_release are one out-of-line call each. When the
// sequence of held classes was validated before (the common case) they touch
// only thread-local data and read-mostly tables: no lock, no allocation.
//
// Thread safety: a lock_map may be acquired and released from any thread;
// construction and destruction must not race with use, as for any lock.
#pragma once

#include <atomic>
#include <cstdint>

#include "lockdep/config.hpp"
#include "lockdep/lock_class_key.hpp"
#include "lockdep/site.hpp"

LOCKDEP_BEGIN_NAMESPACE

// How a lock is held. The kernel's read argument: 0, 1, 2.
enum class read_mode : std::uint8_t {
  exclusive = 0,         // writer / plain lock
  shared = 1,            // reader that may wait for a queued writer (rwsem)
  shared_recursive = 2,  // reader that never waits for a writer (rwlock_t)
};

// Whether a lock's acquisitions are validated or only tracked.
enum class check : std::uint8_t {
  full = 0,        // dependencies, usage and wait context are checked
  track_only = 1,  // held-lock lists, freeing and assertions only; `{....}`
};

#if LOCKDEP_ENABLED

namespace internal {
struct map_access;
// Defined by the report layer; referencing it from every user translation
// unit makes a static link keep the report layer (which installs the
// default stderr sink at start-up) even though no code calls it directly.
extern const int runtime_anchor;
[[maybe_unused]] __attribute__((used)) static const int* const runtime_anchor_ref = &runtime_anchor;
}  // namespace internal

class lock_map {
 public:
  // Class chosen by the construction site (or by `name` when that site lies
  // in a system header; see lock_class_key.hpp and site.hpp).
  explicit lock_map(const char* name = nullptr, wait_type inner = wait_type::sleep,
                    wait_type outer = wait_type::none, check c = check::full, site where = site::here());
  // Class chosen by an explicit key (static, or registered).
  explicit lock_map(lock_class_key& key, wait_type inner = wait_type::sleep,
                    wait_type outer = wait_type::none, check c = check::full);
  // Destroying a lock this thread holds prints `held lock freed!`.
  ~lock_map();
  lock_map(const lock_map&) = delete;
  lock_map& operator=(const lock_map&) = delete;

  lock_class_key* key() const { return key_; }
  unsigned subclass() const { return subclass_; }
  wait_type inner() const { return static_cast<wait_type>(inner_); }
  wait_type outer() const { return static_cast<wait_type>(outer_); }

 private:
  friend struct internal::map_access;
  lock_class_key* key_;
  std::uint8_t subclass_ = 0;
  std::uint8_t inner_;
  std::uint8_t outer_;
  std::uint8_t check_;
  std::uint32_t alive_;  // detects use after destruction and double destroy
};

// ---- Acquire / release -----------------------------------------------------

namespace internal {
// The narrow entry points every front end uses. Out of line on purpose: the
// acquisition site reported as `at:` is their return address, which lies in
// the user's function once the always-inline wrappers are inlined.
enum acquire_flags : unsigned {
  k_read_mask = 3u,              // read_mode
  k_trylock = 1u << 2,
  k_recursive_instance = 1u << 3,  // re-locking a held instance counts up
  k_has_subclass = 1u << 4,
  k_subclass_shift = 5u,           // 3 bits
  k_bad_subclass = 1u << 8,        // caller passed a subclass outside 0..7
};
// `outer` is the return address of the function the lockdep headers are
// inlined into: where clang -O2 keeps std::unique_lock::lock (or a
// wrapper's Lock()) a call of its own, the acquisition's address lies in
// that function and `outer` in the user's, which reports then name.
LOCKDEP_ENTRY_POINT void acquire(lock_map& m, unsigned flags, lock_map* nest, std::uintptr_t outer) noexcept;
// acquire(m, 0, nullptr, outer): a plain exclusive lock(), the most common
// call. Its own entry so the warm path is compiled for constant flags (no
// read, trylock, subclass or nest tests, no computed usage index).
LOCKDEP_ENTRY_POINT void acquire_exclusive(lock_map& m, std::uintptr_t outer) noexcept;
// The same acquisition from code built without optimisation, where the
// function the lockdep headers inline into (a std::lock_guard constructor,
// std::unique_lock::lock, a wrapper's Lock()) is a frame of its own:
// `frame` is that function's frame pointer (certain at -O0), from which
// lockdep records a few callers so that `at:` can name the user's function.
LOCKDEP_NOINLINE void acquire_from(lock_map& m, unsigned flags, lock_map* nest, const void* frame) noexcept;
// What the headers call: acquire / acquire_exclusive in optimised code,
// acquire_from at -O0. Both entry points are always in the library, so
// translation units built either way link and mix (the layouts are one).
#if defined(__OPTIMIZE__)
LOCKDEP_ALWAYS_INLINE void acquire_here(lock_map& m, unsigned flags, lock_map* nest) noexcept {
  acquire(m, flags, nest, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}
LOCKDEP_ALWAYS_INLINE void acquire_exclusive_here(lock_map& m) noexcept {
  acquire_exclusive(m, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}
#else
LOCKDEP_ALWAYS_INLINE void acquire_here(lock_map& m, unsigned flags, lock_map* nest) noexcept {
  acquire_from(m, flags, nest, __builtin_frame_address(0));
}
LOCKDEP_ALWAYS_INLINE void acquire_exclusive_here(lock_map& m) noexcept {
  acquire_from(m, 0, nullptr, __builtin_frame_address(0));
}
#endif
LOCKDEP_ENTRY_POINT bool release(lock_map& m) noexcept;
LOCKDEP_NOINLINE void acquire_failed(lock_map& m) noexcept;
LOCKDEP_NOINLINE void might_acquire(lock_map& m, unsigned flags) noexcept;
// Contended acquisitions only (the real try_lock failed): note the lock the
// thread is about to block on, for show_all_locks and the hung-wait watchdog
// (lockdep/introspect.hpp). They return at once while wait tracking is off.
LOCKDEP_NOINLINE void wait_begin(lock_map& m) noexcept;
LOCKDEP_NOINLINE void wait_end() noexcept;
// Whether waits are tracked (hung_timeout, show_locks_signal, lock_stat or
// set_wait_tracking). While false, wrappers block in the real lock() without
// a try_lock first and without wait_begin/wait_end. True whenever
// lock_stat_on is (set before it, cleared after it).
extern std::atomic<bool> wait_tracking_on;
// lock_stat (lockdep/introspect.hpp), off by default: while on, wrappers
// report each acquisition and release so hold times can be measured.
extern std::atomic<bool> lock_stat_on;
LOCKDEP_NOINLINE void stat_acquired(lock_map& m) noexcept;
LOCKDEP_NOINLINE void stat_released(lock_map& m) noexcept;
constexpr unsigned make_flags(read_mode r, bool trylock = false, int subclass = -1) {
  unsigned f = static_cast<unsigned>(r) | (trylock ? k_trylock : 0u);
  if (subclass == -1) return f;
  if (subclass < 0 || subclass > 7) return f | k_has_subclass | k_bad_subclass | (7u << k_subclass_shift);
  return f | k_has_subclass | (static_cast<unsigned>(subclass) << k_subclass_shift);
}
}  // namespace internal

// Full form. `subclass` (0..7) selects a subclass of the map's class for
// legitimate nesting of one class; -1 uses the map's default (set_subclass).
// A subclass out of range is reported and clamped. `nest_lock`, if given,
// must be held: many locks of this class may then be taken under it in any
// order (the kernel's *_nest_lock). As in the kernel, it excuses only holds
// of the class taken after it, and an acquisition it excuses adds no
// dependencies (the nest lock orders it).
LOCKDEP_ALWAYS_INLINE void lock_acquire(lock_map& m, read_mode read = read_mode::exclusive,
                                        bool trylock = false, int subclass = -1,
                                        lock_map* nest_lock = nullptr) {
  internal::acquire_here(m, internal::make_flags(read, trylock, subclass), nest_lock);
}
// Returns false (after a report) if this thread does not hold `m`.
LOCKDEP_ALWAYS_INLINE bool lock_release(lock_map& m) { return internal::release(m); }
// Undo the most recent lock_acquire of `m` by this thread without a check
// (a timed acquisition that timed out).
LOCKDEP_ALWAYS_INLINE void lock_acquire_failed(lock_map& m) { internal::acquire_failed(m); }
// Record the dependencies of acquiring `m` now, without holding it.
LOCKDEP_ALWAYS_INLINE void might_lock(lock_map& m, read_mode read = read_mode::exclusive) {
  internal::might_acquire(m, internal::make_flags(read));
}

// ---- Queries and assertions ------------------------------------------------

// -1 as `read` matches any mode. While lockdep is off (after a table
// overflow) is_held answers true so assertions stay quiet.
bool is_held(const lock_map& m, int read = -1);
// Print a report (kind assert_failed) when the condition does not hold.
void assert_held(const lock_map& m, int read = -1);
void assert_not_held(const lock_map& m);
void assert_none_held();

// ---- Re-classing -----------------------------------------------------------

// Move `m` to another key / subclass; allowed while held (the held entry is
// re-validated with its new class).
void set_class(lock_map& m, lock_class_key& key, unsigned subclass = 0);
void set_subclass(lock_map& m, unsigned subclass);

// ---- Per-thread switch -----------------------------------------------------

// While an object of this type lives, the calling thread's acquisitions are
// neither tracked nor validated (the kernel's lockdep_off/on). Nestable. A
// lock taken inside may be released after the scope ends: lockdep remembers
// (up to 32 per thread) which locks it did not track, so that release is no
// "bad unlock" and the wrapper still unlocks the real lock.
class validation_off {
 public:
  validation_off();
  ~validation_off();
  validation_off(const validation_off&) = delete;
  validation_off& operator=(const validation_off&) = delete;
};

#else  // !LOCKDEP_ENABLED: the same API, compiled to nothing (no library needed).

class lock_map {
 public:
  constexpr explicit lock_map(const char* = nullptr, wait_type = wait_type::sleep, wait_type = wait_type::none,
                              check = check::full) {}
  constexpr lock_map(const char*, wait_type, wait_type, check, site) {}
  constexpr explicit lock_map(lock_class_key&, wait_type = wait_type::sleep, wait_type = wait_type::none,
                              check = check::full) {}
  lock_map(const lock_map&) = delete;
  lock_map& operator=(const lock_map&) = delete;
  lock_class_key* key() const { return nullptr; }
  unsigned subclass() const { return 0; }
  wait_type inner() const { return wait_type::none; }
  wait_type outer() const { return wait_type::none; }
};
LOCKDEP_ALWAYS_INLINE void lock_acquire(lock_map&, read_mode = read_mode::exclusive, bool = false, int = -1,
                                        lock_map* = nullptr) {}
LOCKDEP_ALWAYS_INLINE bool lock_release(lock_map&) { return true; }
LOCKDEP_ALWAYS_INLINE void lock_acquire_failed(lock_map&) {}
LOCKDEP_ALWAYS_INLINE void might_lock(lock_map&, read_mode = read_mode::exclusive) {}
// Nothing is tracked, so assertions cannot fail (as with lockdep off).
inline bool is_held(const lock_map&, int = -1) { return true; }
inline void assert_held(const lock_map&, int = -1) {}
inline void assert_not_held(const lock_map&) {}
inline void assert_none_held() {}
inline void set_class(lock_map&, lock_class_key&, unsigned = 0) {}
inline void set_subclass(lock_map&, unsigned) {}
class validation_off {
 public:
  validation_off() {}  // user-provided: no "unused variable" warnings at call sites
  validation_off(const validation_off&) = delete;
  validation_off& operator=(const validation_off&) = delete;
};

#endif  // LOCKDEP_ENABLED

LOCKDEP_END_NAMESPACE

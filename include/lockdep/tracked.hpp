// lockdep/tracked.hpp - instrument any lock type without changing it.
//
//   lockdep::tracked<std::mutex> m{"&dev->lock"};        // a name, class = site
//   lockdep::tracked<pthread_lock> p;                    // your own Lockable
//   lockdep::tracked<absl::Mutex> a;                     // via lock_traits below
//
// tracked<M> is Lockable (and SharedLockable when M is), so it works with
// std::lock_guard, std::unique_lock, std::scoped_lock, std::shared_lock and
// std::condition_variable_any. Every operation tells lockdep first and then
// calls M. The class key is the construction site (see lock_class_key.hpp);
// pass a lock_class_key (e.g. LOCKDEP_CLASS("name")) to choose it.
//
// Misuse: unlocking a lock this thread does not hold is reported
// (`bad unlock balance`) and the real unlock is *skipped*, since passing it
// to M would be undefined behaviour. Everything else is reported and then
// performed as asked.
//
// Cost: sizeof(M) + 16 bytes; one out-of-line call per lock and unlock.
// While wait tracking is off (the default) lock() calls M's lock() directly,
// so a contended lock waits as a bare M does, plus one relaxed load. With
// tracking on (show_all_locks' "blocked on", the hung-wait watchdog,
// lock_stat: lockdep/introspect.hpp) it first tries M's try_lock and only
// when that fails tells lockdep what it waits for and blocks in M's lock().
// With lock_stat off, hold-time accounting costs one relaxed load per unlock.
//
// Customization: specialize lockdep::lock_traits<M> for a type that spells
// its methods differently. Members (all optional except lock/unlock):
//   static constexpr wait_type wait;          // sleep (default) or spin
//   static constexpr read_mode shared_mode;   // shared (default) or shared_recursive
//   static constexpr bool recursive;          // re-locking a held instance is fine
//   static void lock(M&), unlock(M&); static bool try_lock(M&);
//   static void lock_shared(M&), unlock_shared(M&); static bool try_lock_shared(M&);
#pragma once

#include <chrono>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "lockdep/config.hpp"
#include "lockdep/lock_map.hpp"

LOCKDEP_BEGIN_NAMESPACE

// Default traits: the standard Lockable / SharedLockable spelling.
template <class M>
struct lock_traits {
  static constexpr wait_type wait = wait_type::sleep;
  static constexpr read_mode shared_mode = read_mode::shared;
  static constexpr bool recursive = false;
  static void lock(M& m) { m.lock(); }
  static void unlock(M& m) { m.unlock(); }
  static bool try_lock(M& m) { return m.try_lock(); }
  static void lock_shared(M& m) requires requires(M& x) { x.lock_shared(); } { m.lock_shared(); }
  static void unlock_shared(M& m) requires requires(M& x) { x.unlock_shared(); } { m.unlock_shared(); }
  static bool try_lock_shared(M& m) requires requires(M& x) { x.try_lock_shared(); } {
    return m.try_lock_shared();
  }
};

namespace internal {
// Traits::lock_shared takes the lock (M&), not the traits.
template <class Traits, class M>
concept has_shared = requires(M& m) { Traits::lock_shared(m); };
template <class M>
concept has_timed = requires(M& m) { m.try_lock_for(std::chrono::milliseconds(1)); };
template <class M>
concept has_shared_timed = requires(M& m) { m.try_lock_shared_for(std::chrono::milliseconds(1)); };
template <class Traits>
constexpr bool traits_recursive() {
  if constexpr (requires { Traits::recursive; }) return Traits::recursive;
  return false;
}
}  // namespace internal

#if LOCKDEP_ENABLED

template <class M, class Traits = lock_traits<M>>
class ABSL_LOCKABLE tracked {
 public:
  using native_type = M;

  // The class is the construction site (site.hpp), which a wrapper of
  // tracked passes through from its own user.
  explicit tracked(const char* name = nullptr, site where = site::here())
      : map_(name, Traits::wait, wait_type::none, check::full, where) {}
  explicit tracked(site where) : map_(nullptr, Traits::wait, wait_type::none, check::full, where) {}
  explicit tracked(lock_class_key& key) : map_(key, Traits::wait) {}
  tracked(const tracked&) = delete;
  tracked& operator=(const tracked&) = delete;

  LOCKDEP_ALWAYS_INLINE void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    if constexpr (kExclusive == 0) internal::acquire_exclusive_here(map_);
    else internal::acquire_here(map_, kExclusive, nullptr);
    lock_real();
  }
  // Nesting annotation: lock a second lock of this class at `subclass`.
  LOCKDEP_ALWAYS_INLINE void lock_nested(unsigned subclass) ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    internal::acquire_here(map_, internal::make_flags(read_mode::exclusive, false, static_cast<int>(subclass)),
                      nullptr);
    lock_real();
  }
  // Many locks of this class under one held outer lock, in any order.
  template <class Outer>
  LOCKDEP_ALWAYS_INLINE void lock_nest_lock(Outer& outer) ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    internal::acquire_here(map_, kExclusive, &outer.lockdep_map());
    lock_real();
  }
  LOCKDEP_ALWAYS_INLINE bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    if (!Traits::try_lock(m_)) return false;
    internal::acquire_here(map_, kExclusive | internal::k_trylock, nullptr);
    note_acquired();
    return true;
  }
  LOCKDEP_ALWAYS_INLINE void unlock() ABSL_UNLOCK_FUNCTION() {
    note_released();
    if (internal::release(map_)) Traits::unlock(m_);
  }

  // Timed acquisitions can block, so they are validated like lock().
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d) requires internal::has_timed<M>
    ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true)
  {
    internal::acquire_here(map_, kExclusive, nullptr);
    if (m_.try_lock_for(d)) return note_acquired(), true;
    internal::acquire_failed(map_);
    return false;
  }
  template <class Clock, class Duration>
  bool try_lock_until(const std::chrono::time_point<Clock, Duration>& t)
      requires internal::has_timed<M>
    ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true)
  {
    internal::acquire_here(map_, kExclusive, nullptr);
    if (m_.try_lock_until(t)) return note_acquired(), true;
    internal::acquire_failed(map_);
    return false;
  }

  LOCKDEP_ALWAYS_INLINE void lock_shared() requires internal::has_shared<Traits, M>
    ABSL_SHARED_LOCK_FUNCTION()
  {
    internal::acquire_here(map_, kShared, nullptr);
    if constexpr (requires(M& x) { Traits::try_lock_shared(x); }) {
      if (internal::wait_tracking_on.load(std::memory_order_relaxed)) [[unlikely]]
        return lock_shared_tracked();
      Traits::lock_shared(m_);  // as lock_real: lock_stat implies wait tracking
    } else {
      Traits::lock_shared(m_);
      note_acquired();
    }
  }
  LOCKDEP_ALWAYS_INLINE bool try_lock_shared() requires internal::has_shared<Traits, M>
    ABSL_SHARED_TRYLOCK_FUNCTION(true)
  {
    if (!Traits::try_lock_shared(m_)) return false;
    internal::acquire_here(map_, kShared | internal::k_trylock, nullptr);
    note_acquired();
    return true;
  }
  LOCKDEP_ALWAYS_INLINE void unlock_shared() requires internal::has_shared<Traits, M>
    ABSL_UNLOCK_FUNCTION()
  {
    note_released();
    if (internal::release(map_)) Traits::unlock_shared(m_);
  }
  template <class Rep, class Period>
  bool try_lock_shared_for(const std::chrono::duration<Rep, Period>& d) requires internal::has_shared_timed<M>
    ABSL_SHARED_TRYLOCK_FUNCTION(true)
  {
    internal::acquire_here(map_, kShared, nullptr);
    if (m_.try_lock_shared_for(d)) return note_acquired(), true;
    internal::acquire_failed(map_);
    return false;
  }

  // Thread-safety-analysis helpers: tell the analysis what lockdep checks.
  void assert_held() const ABSL_ASSERT_EXCLUSIVE_LOCK() { lockdep::assert_held(map_); }
  void assert_not_held() const { lockdep::assert_not_held(map_); }

  lock_map& lockdep_map() { return map_; }
  const lock_map& lockdep_map() const { return map_; }
  M& native() { return m_; }

 private:
  // The real blocking lock. With wait tracking off (the default: no
  // hung_timeout, show_locks_signal, lock_stat or set_wait_tracking) it is
  // M's lock() alone, as for a bare M: under contention a try_lock first
  // would be one more failed read-modify-write on the contended cache line.
  // lock_stat implies wait tracking (watchdog.cpp turns tracking on before
  // lock_stat and off after it), so the hold-time test is only needed on the
  // tracked path, out of line.
  LOCKDEP_ALWAYS_INLINE void lock_real() {
    if constexpr (requires(M& x) { Traits::try_lock(x); }) {
      if (internal::wait_tracking_on.load(std::memory_order_relaxed)) [[unlikely]]
        return lock_tracked();
      Traits::lock(m_);
    } else {
      Traits::lock(m_);
      note_acquired();
    }
  }
  // Wait tracking on: only a failed try_lock (the thread is about to block)
  // tells lockdep what it waits for (lockdep/introspect.hpp). Out of line so
  // that lock() stays small: std::lock_guard's constructor must inline into
  // the caller for `at:` to name the caller (clang's inliner gives up on a
  // large lock()).
  LOCKDEP_NOINLINE void lock_tracked() {
    if (!Traits::try_lock(m_)) {
      internal::wait_begin(map_);
      Traits::lock(m_);
      internal::wait_end();
    }
    note_acquired();
  }
  LOCKDEP_NOINLINE void lock_shared_tracked() requires internal::has_shared<Traits, M> {
    if (!Traits::try_lock_shared(m_)) {
      internal::wait_begin(map_);
      Traits::lock_shared(m_);
      internal::wait_end();
    }
    note_acquired();
  }
  // lock_stat hold times; one relaxed load while it is off.
  LOCKDEP_ALWAYS_INLINE void note_acquired() {
    if (internal::lock_stat_on.load(std::memory_order_relaxed)) [[unlikely]]
      internal::stat_acquired(map_);
  }
  LOCKDEP_ALWAYS_INLINE void note_released() {
    if (internal::lock_stat_on.load(std::memory_order_relaxed)) [[unlikely]]
      internal::stat_released(map_);
  }

  static constexpr unsigned kExclusive =
      static_cast<unsigned>(read_mode::exclusive) |
      (internal::traits_recursive<Traits>() ? internal::k_recursive_instance : 0u);
  static constexpr unsigned kShared = [] {
    if constexpr (requires { Traits::shared_mode; }) return static_cast<unsigned>(Traits::shared_mode);
    return static_cast<unsigned>(read_mode::shared);
  }();

  M m_;
  lock_map map_;
};

#else  // !LOCKDEP_ENABLED: the plain lock, same size and speed.

template <class M, class Traits = lock_traits<M>>
class ABSL_LOCKABLE tracked {
 public:
  using native_type = M;
  constexpr explicit tracked(const char* = nullptr) {}
  constexpr tracked(const char*, site) {}
  constexpr explicit tracked(site) {}
  explicit tracked(lock_class_key&) {}
  tracked(const tracked&) = delete;
  tracked& operator=(const tracked&) = delete;
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { Traits::lock(m_); }
  void lock_nested(unsigned) ABSL_EXCLUSIVE_LOCK_FUNCTION() { Traits::lock(m_); }
  template <class Outer>
  void lock_nest_lock(Outer&) ABSL_EXCLUSIVE_LOCK_FUNCTION() { Traits::lock(m_); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return Traits::try_lock(m_); }
  void unlock() ABSL_UNLOCK_FUNCTION() { Traits::unlock(m_); }
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d) requires internal::has_timed<M>
    ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true)
  { return m_.try_lock_for(d); }
  template <class Clock, class Duration>
  bool try_lock_until(const std::chrono::time_point<Clock, Duration>& t)
      requires internal::has_timed<M>
    ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true)
  { return m_.try_lock_until(t); }
  void lock_shared() requires internal::has_shared<Traits, M> ABSL_SHARED_LOCK_FUNCTION() {
    Traits::lock_shared(m_);
  }
  bool try_lock_shared() requires internal::has_shared<Traits, M> ABSL_SHARED_TRYLOCK_FUNCTION(true) {
    return Traits::try_lock_shared(m_);
  }
  void unlock_shared() requires internal::has_shared<Traits, M> ABSL_UNLOCK_FUNCTION() {
    Traits::unlock_shared(m_);
  }
  template <class Rep, class Period>
  bool try_lock_shared_for(const std::chrono::duration<Rep, Period>& d) requires internal::has_shared_timed<M>
    ABSL_SHARED_TRYLOCK_FUNCTION(true)
  { return m_.try_lock_shared_for(d); }
  void assert_held() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}
  void assert_not_held() const {}
  M& native() { return m_; }

 private:
  M m_;
};

#endif  // LOCKDEP_ENABLED

LOCKDEP_END_NAMESPACE

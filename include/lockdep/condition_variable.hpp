// lockdep/condition_variable.hpp - a condition variable for lockdep::mutex.
//
//   lockdep::mutex mu{"queue::mu"};
//   lockdep::condition_variable cv;
//
//   std::unique_lock<lockdep::mutex> lock(mu);
//   cv.wait(lock, [&] { return !queue.empty(); });
//
// lockdep::condition_variable waits on the std::mutex inside a
// lockdep::mutex with a plain std::condition_variable, and tells lockdep that
// the wait releases the mutex and takes it again. It therefore costs what
// std::condition_variable costs plus one warm-path release and acquisition
// per wake-up: no internal mutex and no allocation, which
// std::condition_variable_any (the alternative, which also works with
// lockdep::mutex) pays on every wait.
//
// The interface is std::condition_variable's, for std::unique_lock<lockdep::mutex>
// (or lockdep::unique_lock<lockdep::mutex> from guard.hpp): wait, wait_for
// and wait_until, each with or without a predicate, and notify_one /
// notify_all. A predicate runs with the mutex held (and lockdep
// knows it is held). Spurious wake-ups happen as with the standard type; use
// the predicate forms.
//
// What lockdep sees: the wait is a release of the mutex followed by an
// acquisition when the wait returns. The acquisition is validated like any
// lock() (locks taken while waiting and held across the wait are ordered
// before the mutex again), but only after the mutex is really taken again:
// the re-lock happens inside std::condition_variable.
//
// Misuse: waiting on a mutex this thread does not hold is reported as a
// `bad unlock balance` at the wait. The wait then takes the mutex and waits
// as asked, so (as with std::condition_variable_any) the mutex is held when
// the wait returns and the caller's next unlock of it is balanced.
//
// With LOCKDEP_ENABLED=0 this is std::condition_variable on the native mutex.
#pragma once

#include <chrono>
#include <concepts>
#include <condition_variable>
#include <mutex>
#include <utility>

#include "lockdep/mutex.hpp"

LOCKDEP_BEGIN_NAMESPACE

namespace internal {
// std::unique_lock<lockdep::mutex> or lockdep::unique_lock<lockdep::mutex>
// (guard.hpp, for Clang's -Wthread-safety): whatever names its mutex.
template <class Lock>
concept lock_of_lockdep_mutex = requires(Lock& l) {
  { l.mutex() } -> std::same_as<mutex*>;
};
}  // namespace internal

class condition_variable {
 public:
  condition_variable() = default;
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;

  void notify_one() noexcept { cv_.notify_one(); }
  void notify_all() noexcept { cv_.notify_all(); }

  // Blocks until notified (or woken spuriously); `lock` is released while
  // waiting and held again on return.
  template <internal::lock_of_lockdep_mutex Lock>
  LOCKDEP_ALWAYS_INLINE void wait(Lock& lock) {
    std::unique_lock<std::mutex> native = release_for_wait(*lock.mutex());
    cv_.wait(native);
    reacquire_after_wait(*lock.mutex(), native);
  }
  // Waits until `stop_waiting()` returns true (checked with the lock held).
  template <internal::lock_of_lockdep_mutex Lock, class Predicate>
  void wait(Lock& lock, Predicate stop_waiting) {
    while (!stop_waiting()) wait(lock);
  }

  // Waits until notified or until `deadline`; std::cv_status::timeout if the
  // deadline passed.
  template <internal::lock_of_lockdep_mutex Lock, class Clock, class Duration>
  LOCKDEP_ALWAYS_INLINE std::cv_status wait_until(Lock& lock,
                                                  const std::chrono::time_point<Clock, Duration>& deadline) {
    std::unique_lock<std::mutex> native = release_for_wait(*lock.mutex());
    const std::cv_status status = cv_.wait_until(native, deadline);
    reacquire_after_wait(*lock.mutex(), native);
    return status;
  }
  // Returns `stop_waiting()` as last evaluated: false only on a timeout.
  template <internal::lock_of_lockdep_mutex Lock, class Clock, class Duration, class Predicate>
  bool wait_until(Lock& lock, const std::chrono::time_point<Clock, Duration>& deadline, Predicate stop_waiting) {
    while (!stop_waiting())
      if (wait_until(lock, deadline) == std::cv_status::timeout) return stop_waiting();
    return true;
  }

  // Waits until notified or for at most `timeout` (measured on steady_clock).
  template <internal::lock_of_lockdep_mutex Lock, class Rep, class Period>
  LOCKDEP_ALWAYS_INLINE std::cv_status wait_for(Lock& lock, const std::chrono::duration<Rep, Period>& timeout) {
    return wait_until(lock, std::chrono::steady_clock::now() + timeout);
  }
  template <internal::lock_of_lockdep_mutex Lock, class Rep, class Period, class Predicate>
  bool wait_for(Lock& lock, const std::chrono::duration<Rep, Period>& timeout, Predicate stop_waiting) {
    return wait_until(lock, std::chrono::steady_clock::now() + timeout, std::move(stop_waiting));
  }

  std::condition_variable& native() { return cv_; }

 private:
  // Tells lockdep the wait releases `m` and hands the native mutex, held, to
  // the wait. Inlined so that a report names the caller's wait.
  LOCKDEP_ALWAYS_INLINE static std::unique_lock<std::mutex> release_for_wait(mutex& m) {
#if LOCKDEP_ENABLED
    lock_map& map = m.lockdep_map();
    if (internal::lock_stat_on.load(std::memory_order_relaxed)) [[unlikely]]
      internal::stat_released(map);
    if (!internal::release(map)) [[unlikely]] {
      // Not held: reported just now. std::condition_variable needs it held.
      m.native().lock();
    }
#endif
    return std::unique_lock<std::mutex>(m.native(), std::adopt_lock);
  }
  // The wait returned with the native mutex held again: tell lockdep, and
  // give the mutex back to the caller's unique_lock.
  LOCKDEP_ALWAYS_INLINE static void reacquire_after_wait(mutex& m, std::unique_lock<std::mutex>& native) {
    native.release();
#if LOCKDEP_ENABLED
    internal::acquire_exclusive_here(m.lockdep_map());  // acquire_exclusive (constant flags); acquire_from at -O0
    if (internal::lock_stat_on.load(std::memory_order_relaxed)) [[unlikely]]
      internal::stat_acquired(m.lockdep_map());
#else
    (void)m;
#endif
  }

  std::condition_variable cv_;
};

LOCKDEP_END_NAMESPACE

// lockdep/mutex.hpp - the ready-made lock types.
//
//   type              real lock                    wait type  readers
//   mutex             std::mutex                   sleep {3:3}
//   timed_mutex       std::timed_mutex             sleep
//   recursive_mutex   std::recursive_mutex         sleep      (re-lock counts up)
//   shared_mutex      std::shared_timed_mutex      sleep      non-recursive, like rwsem
//   spinlock          test-and-test-and-set        spin  {2:2}
//   rwlock            reader-preferring spin rw    spin       recursive, like rwlock_t
//
// Each constructor takes an optional class name first and otherwise uses the
// construction site as the class key (see lock_class_key.hpp):
//   lockdep::mutex m{"&ctx->ctx_lock"};
//   lockdep::spinlock s{LOCKDEP_CLASS("sched_lock")};
//
// shared_mutex readers are non-recursive: taking a read lock of a class while
// holding a read lock of it is reported, because a writer queued between the
// two can deadlock them. rwlock readers may recurse: its real lock lets a
// reader in while a writer waits, so recursive reads really are safe.
#pragma once

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "lockdep/irq.hpp"
#include "lockdep/tracked.hpp"

LOCKDEP_BEGIN_NAMESPACE

namespace internal {

// Test-and-test-and-set spinlock, yielding after a short spin.
class raw_spinlock {
 public:
  void lock() {
    for (int spins = 0;; ++spins) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins > 64) std::this_thread::yield();
      }
    }
  }
  bool try_lock() {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

// Reader-preferring spinning reader/writer lock: a reader gets in whenever no
// writer *holds* the lock, even if writers wait, so recursive reads are safe.
class raw_rwlock {
 public:
  void lock() {
    for (int spins = 0;; ++spins) {
      unsigned expected = 0;
      if (state_.compare_exchange_weak(expected, kWriter, std::memory_order_acquire)) return;
      if (spins > 64) std::this_thread::yield();
    }
  }
  bool try_lock() {
    unsigned expected = 0;
    return state_.compare_exchange_strong(expected, kWriter, std::memory_order_acquire);
  }
  void unlock() { state_.store(0, std::memory_order_release); }
  void lock_shared() {
    for (int spins = 0;; ++spins) {
      if (try_lock_shared()) return;
      if (spins > 64) std::this_thread::yield();
    }
  }
  bool try_lock_shared() {
    unsigned s = state_.load(std::memory_order_relaxed);
    while (!(s & kWriter)) {
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire)) return true;
    }
    return false;
  }
  void unlock_shared() { state_.fetch_sub(1, std::memory_order_release); }

 private:
  static constexpr unsigned kWriter = 1u << 31;
  std::atomic<unsigned> state_{0};
};

struct spin_traits : lock_traits<raw_spinlock> {
  static constexpr wait_type wait = wait_type::spin;
};
struct rwlock_traits : lock_traits<raw_rwlock> {
  static constexpr wait_type wait = wait_type::spin;
  static constexpr read_mode shared_mode = read_mode::shared_recursive;
};
struct recursive_traits : lock_traits<std::recursive_mutex> {
  static constexpr bool recursive = true;
};

}  // namespace internal

using mutex = tracked<std::mutex>;
using timed_mutex = tracked<std::timed_mutex>;
using recursive_mutex = tracked<std::recursive_mutex, internal::recursive_traits>;
using shared_mutex = tracked<std::shared_timed_mutex>;
using spinlock = tracked<internal::raw_spinlock, internal::spin_traits>;
using rwlock = tracked<internal::raw_rwlock, internal::rwlock_traits>;

// Kernel-style spinlock helpers (spin_lock_irq, spin_lock_irqsave, spin_lock_bh),
// annotated so the thread-safety analysis knows they lock and unlock `l`.
LOCKDEP_ALWAYS_INLINE void spin_lock_irq(spinlock& l) ABSL_EXCLUSIVE_LOCK_FUNCTION(l) {
  local_irq_disable();
  l.lock();
}
LOCKDEP_ALWAYS_INLINE void spin_unlock_irq(spinlock& l) ABSL_UNLOCK_FUNCTION(l) {
  l.unlock();
  local_irq_enable();
}
[[nodiscard]] LOCKDEP_ALWAYS_INLINE irq_flags spin_lock_irqsave(spinlock& l)
    ABSL_EXCLUSIVE_LOCK_FUNCTION(l) {
  irq_flags f = local_irq_save();
  l.lock();
  return f;
}
LOCKDEP_ALWAYS_INLINE void spin_unlock_irqrestore(spinlock& l, irq_flags f)
    ABSL_UNLOCK_FUNCTION(l) {
  l.unlock();
  local_irq_restore(f);
}
LOCKDEP_ALWAYS_INLINE void spin_lock_bh(spinlock& l) ABSL_EXCLUSIVE_LOCK_FUNCTION(l) {
  local_bh_disable();
  l.lock();
}
LOCKDEP_ALWAYS_INLINE void spin_unlock_bh(spinlock& l) ABSL_UNLOCK_FUNCTION(l) {
  l.unlock();
  local_bh_enable();
}

LOCKDEP_END_NAMESPACE

// The validator's own locks. Never instrumented and never calling pthreads,
// so the preload interposer cannot recurse into them and a signal handler on
// another thread simply waits. (Same-thread re-entry is prevented by blocking
// signals around every critical section that uses them.)
#pragma once

#include <sched.h>

#include <atomic>
#include "lockdep/config.hpp"

LOCKDEP_INTERNAL_BEGIN

class spin_mutex {
 public:
  void lock() noexcept {
    for (unsigned spins = 0;; ++spins) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins > 100) sched_yield();
      }
    }
  }
  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

LOCKDEP_INTERNAL_END

// lockdep/guard.hpp - RAII guards that Clang's thread-safety analysis sees.
//
// Every lockdep lock type is a Clang "capability" (ABSL_LOCKABLE), so
//   lockdep::mutex mu{"stats_mu"};
//   int hits ABSL_GUARDED_BY(mu);
// is checked by `clang++ -Wthread-safety`. libstdc++'s std::lock_guard,
// std::unique_lock, std::scoped_lock and std::shared_lock carry no
// annotations, so the analysis cannot see that they lock: it reports every
// guarded access made under them. Use these guards instead; they are the
// standard ones with the annotations added, and work with any Lockable
// (lockdep's types, tracked<M>, std::mutex):
//
//   lockdep::lock_guard g(mu);       // exclusive for the scope
//   lockdep::unique_lock l(mu);      // exclusive, may unlock()/lock() again
//   lockdep::shared_lock r(rw_mu);   // shared for the scope
//
// Differences from the std ones, all so the analysis stays sound:
//   * not movable: the analysis tracks a guard by its variable;
//   * unique_lock(m, std::try_to_lock) is not offered (the analysis cannot
//     express a constructor that may fail); call `if (mu.try_lock())` and
//     adopt it: `lockdep::lock_guard g(mu, std::adopt_lock);`
//   * unique_lock(m, std::defer_lock) starts unlocked; lock() it later.
// With condition_variable_any, pass a unique_lock: its wait() unlocks and
// relocks through the guard, which the analysis treats as opaque.
//
// Zero cost: each guard is one reference (plus a flag for unique_lock), and
// every member is inline.
#pragma once

#include <mutex>

#include "absl/base/thread_annotations.h"
#include "lockdep/config.hpp"

LOCKDEP_BEGIN_NAMESPACE

template <class M>
class ABSL_SCOPED_LOCKABLE lock_guard {
 public:
  explicit lock_guard(M& m) ABSL_EXCLUSIVE_LOCK_FUNCTION(m) : m_(m) { m_.lock(); }
  // Take over a lock the caller already holds.
  lock_guard(M& m, std::adopt_lock_t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m) : m_(m) {}
  ~lock_guard() ABSL_UNLOCK_FUNCTION() { m_.unlock(); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;

 private:
  M& m_;
};

template <class M>
class ABSL_SCOPED_LOCKABLE unique_lock {
 public:
  using mutex_type = M;
  explicit unique_lock(M& m) ABSL_EXCLUSIVE_LOCK_FUNCTION(m) : m_(m), owns_(true) { m_.lock(); }
  unique_lock(M& m, std::adopt_lock_t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m) : m_(m), owns_(true) {}
  unique_lock(M& m, std::defer_lock_t) ABSL_LOCKS_EXCLUDED(m) : m_(m), owns_(false) {}
  ~unique_lock() ABSL_UNLOCK_FUNCTION() {
    if (owns_) m_.unlock();
  }
  unique_lock(const unique_lock&) = delete;
  unique_lock& operator=(const unique_lock&) = delete;

  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    m_.lock();
    owns_ = true;
  }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    owns_ = m_.try_lock();
    return owns_;
  }
  void unlock() ABSL_UNLOCK_FUNCTION() {
    m_.unlock();
    owns_ = false;
  }
  bool owns_lock() const { return owns_; }
  explicit operator bool() const { return owns_; }
  M* mutex() const { return &m_; }

 private:
  M& m_;
  bool owns_;
};

template <class M>
class ABSL_SCOPED_LOCKABLE shared_lock {
 public:
  using mutex_type = M;
  explicit shared_lock(M& m) ABSL_SHARED_LOCK_FUNCTION(m) : m_(m), owns_(true) { m_.lock_shared(); }
  shared_lock(M& m, std::adopt_lock_t) ABSL_SHARED_LOCKS_REQUIRED(m) : m_(m), owns_(true) {}
  shared_lock(M& m, std::defer_lock_t) ABSL_LOCKS_EXCLUDED(m) : m_(m), owns_(false) {}
  ~shared_lock() ABSL_UNLOCK_FUNCTION() {
    if (owns_) m_.unlock_shared();
  }
  shared_lock(const shared_lock&) = delete;
  shared_lock& operator=(const shared_lock&) = delete;

  void lock() ABSL_SHARED_LOCK_FUNCTION() {
    m_.lock_shared();
    owns_ = true;
  }
  bool try_lock() ABSL_SHARED_TRYLOCK_FUNCTION(true) {
    owns_ = m_.try_lock_shared();
    return owns_;
  }
  void unlock() ABSL_UNLOCK_FUNCTION() {
    m_.unlock_shared();
    owns_ = false;
  }
  bool owns_lock() const { return owns_; }
  explicit operator bool() const { return owns_; }
  M* mutex() const { return &m_; }

 private:
  M& m_;
  bool owns_;
};

LOCKDEP_END_NAMESPACE

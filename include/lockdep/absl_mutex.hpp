// lockdep/absl_mutex.hpp - lockdep::tracked<absl::Mutex>.
//
//   #include "lockdep/absl_mutex.hpp"
//   lockdep::tracked<absl::Mutex> mu{"&conn->mu"};
//   std::lock_guard g(mu);            // or mu.lock() / mu.lock_shared()
//
// absl::Mutex spells its methods Lock/Unlock/TryLock and
// ReaderLock/ReaderUnlock/ReaderTryLock (Abseil 20220623), so the default
// lock_traits do not fit; the specialization below maps them. With it,
// tracked<absl::Mutex> is Lockable and SharedLockable like tracked<std::shared_mutex>.
//
// Semantics given to lockdep:
//   * wait type sleep {3:3}: absl::Mutex blocks (after a short spin).
//   * readers are NON-recursive (read_mode::shared, like the kernel's rwsem):
//     absl::Mutex queues a reader behind a waiting writer, so a thread that
//     read-locks a mutex it already read-holds can deadlock with a writer that
//     arrived in between. lockdep reports such recursion.
//   * re-locking a held instance is reported (absl::Mutex is not recursive).
//
// Abseil's own deadlock detector: Debian's Abseil is built with it on, and
// it ABORTS the process on a lock-order cycle by default. A test that
// inverts the order on purpose to see lockdep's report must turn it off
// first, or the process dies inside Abseil before lockdep's report is used:
//   absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
// (Abseil's detector only sees instances, not classes, so lockdep finds
// inversions it cannot: see examples/same_class_inversion.cpp.)
//
// Opting in to recursive readers for any wrapped type: if the real lock
// really lets a reader in while a writer waits (a reader-preferring lock),
// derive traits with shared_mode = read_mode::shared_recursive and pass them
// as tracked's second argument; lockdep then allows RL(X1); RL(X2) and
// RL(X) L(Y) / L(Y) RL(X), as for the kernel's rwlock_t:
//   struct my_rw_traits : lockdep::lock_traits<my_reader_preferring_lock> {
//     static constexpr lockdep::read_mode shared_mode = lockdep::read_mode::shared_recursive;
//   };
//   lockdep::tracked<my_reader_preferring_lock, my_rw_traits> l{"my_rw"};
// Do NOT do this for absl::Mutex: its readers are not recursive-safe.
#pragma once

#include "absl/synchronization/mutex.h"
#include "lockdep/tracked.hpp"

LOCKDEP_BEGIN_NAMESPACE

template <>
struct lock_traits<absl::Mutex> {
  static constexpr wait_type wait = wait_type::sleep;
  static constexpr read_mode shared_mode = read_mode::shared;
  static constexpr bool recursive = false;
  // The thread-safety analysis cannot see through the reference parameter;
  // tracked<> carries the annotations for its users.
  static void lock(absl::Mutex& m) ABSL_NO_THREAD_SAFETY_ANALYSIS { m.Lock(); }
  static void unlock(absl::Mutex& m) ABSL_NO_THREAD_SAFETY_ANALYSIS { m.Unlock(); }
  static bool try_lock(absl::Mutex& m) ABSL_NO_THREAD_SAFETY_ANALYSIS { return m.TryLock(); }
  static void lock_shared(absl::Mutex& m) ABSL_NO_THREAD_SAFETY_ANALYSIS { m.ReaderLock(); }
  static void unlock_shared(absl::Mutex& m) ABSL_NO_THREAD_SAFETY_ANALYSIS { m.ReaderUnlock(); }
  static bool try_lock_shared(absl::Mutex& m) ABSL_NO_THREAD_SAFETY_ANALYSIS { return m.ReaderTryLock(); }
};

LOCKDEP_END_NAMESPACE

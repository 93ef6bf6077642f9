// A table-driven port of the context-free cases of the kernel's
// lib/locking-selftest.c (reference: kernel-lockdep.md §5.1-5.2).
//
// A case body is written once against `driver`, the kernel's
// LOCK/UNLOCK/RLOCK/WLOCK/INIT macros, and run once per lock type. Two kinds
// of driver exist:
//   * map drivers feed lockdep::lock_acquire/lock_release on lock_maps
//     configured like a kernel lock column (spin, wlock, rlock, mutex, wsem,
//     rsem). Nothing blocks, so every case runs, including re-locking a held
//     instance and re-initialising a held lock.
//   * real drivers lock real lockdep wrappers (spinlock, rwlock, mutex,
//     shared_mutex, recursive_mutex, timed_mutex, tracked<user type>). They run
//     only the cases whose body cannot block or misuse the real lock.
//
// Locks: A, B, C, D are four classes; X1/X2, Y1/Y2 and Z1/Z2 are pairs of
// instances of the classes X, Y and Z (one lock_class_key per class), which is
// what lets "deadlocks" within one class run without deadlocking.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lockdep/lockdep.hpp"

namespace selftest {

enum lock_id : int { A, B, C, D, X1, X2, Y1, Y2, Z1, Z2, k_lock_count };

// The key (hence the class, named after it) of each lock id.
lockdep::lock_class_key& key_of(lock_id id);
const char* class_name(lock_id id);

// The kernel's columns. A real lock type behaves like one of them.
enum class column : int { spin, wlock, rlock, mutex, wsem, rsem };
constexpr int k_column_count = 6;

// How one acquisition takes its lock: the column's rw lock for writing or
// reading, or the "plain" companion lock a mixed case pairs it with (a
// spinlock beside an rwlock, a mutex beside an rwsem).
enum class mode { write, read, plain };

// Runs the kernel macros on one lock type. Remembers what it holds so that
// the test can release everything at the end (lockdep::reset, run by the next
// case's report_capture, refuses while locks are held).
class driver {
 public:
  explicit driver(column col) : column_(col) {}
  virtual ~driver() = default;
  driver(const driver&) = delete;
  driver& operator=(const driver&) = delete;

  column kind() const { return column_; }

  // LOCK: the column's own mode (read for rlock/rsem, write otherwise).
  void lock(lock_id id) { acquire(id, default_mode()); }
  void rlock(lock_id id) { acquire(id, mode::read); }   // RL / RSL
  void wlock(lock_id id) { acquire(id, mode::write); }  // WL / WSL
  void plain_lock(lock_id id) { acquire(id, mode::plain); }  // L / ML in mixed cases
  // UNLOCK / RU / WU / MU: undoes the last acquisition of `id`, in its mode,
  // even when it is no longer held (that is the double-unlock case).
  void unlock(lock_id id);
  // INIT on a held lock: destroy it and construct it again in place.
  void reinit(lock_id id);
  // Release, innermost first, whatever the body left held.
  void release_all();

 protected:
  virtual void do_acquire(lock_id id, mode m) = 0;
  virtual void do_release(lock_id id, mode m) = 0;
  virtual void do_reinit(lock_id id) = 0;

 private:
  mode default_mode() const;
  void acquire(lock_id id, mode m);

  column column_;
  std::array<mode, k_lock_count> last_mode_{};
  std::vector<std::pair<lock_id, mode>> held_;
};

using driver_factory = std::function<std::unique_ptr<driver>()>;

struct driver_info {
  std::string name;   // the test name, e.g. "map_spin" or "spinlock"
  column col;
  bool real;          // drives real locks (some cases cannot run)
  driver_factory make;
};
// Every driver, map ones first.
const std::vector<driver_info>& all_drivers();

// One row of the kernel's tables.
struct selftest_case {
  std::string name;                 // the test suite name, e.g. "ABBA"
  std::function<void(driver&)> body;
  // Per column, in column order: 'F' a report must fire, 'S' none, '-' the
  // row does not apply (the kernel prints no such cell).
  std::string expected;
  lockdep::report_kind kind;        // the report an 'F' cell expects
  // Expected report classes: [0] the lock acquired (or unlocked / freed),
  // [1] the held lock it conflicts with; empty entries are not checked.
  std::vector<std::string> classes;
  // For circular reports, the classes on the reported cycle (any order).
  std::vector<std::string> cycle;
  bool on_map = true;                       // run on the map drivers
  std::function<bool(const driver_info&)> on_real;  // run on this real driver
};

// The kernel's rows (cases.cpp).
std::vector<selftest_case> kernel_cases();

// LU2(a,b): lock a, lock b, unlock b, unlock a (in the column's own mode).
inline void lu2(driver& d, lock_id a, lock_id b) {
  d.lock(a);
  d.lock(b);
  d.unlock(b);
  d.unlock(a);
}

}  // namespace selftest

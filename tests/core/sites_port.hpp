// A LevelDB-like port layer for the site tests (sites_test.cpp): a
// port::Mutex around lockdep::mutex that passes its user's construction
// site through, a MutexLock scoped helper, both declaring their frames
// stripped; and a DB-like type whose constructor is inline in this header,
// with a member added beside another.
#pragma once

#include "lockdep/lockdep.hpp"

namespace port {

class Mutex : lockdep::strip_frames_of<Mutex> {
 public:
  explicit Mutex(lockdep::site where = lockdep::site::here()) : mu_(where) {}
  void Lock() { mu_.lock(); }
  void Unlock() { mu_.unlock(); }

 private:
  lockdep::mutex mu_;
};

class MutexLock : lockdep::strip_frames_of<MutexLock> {
 public:
  explicit MutexLock(Mutex* mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* mu_;
};

// Without the trait: its Lock() is the project's code as far as reports go.
class PlainMutex {
 public:
  explicit PlainMutex(lockdep::site where = lockdep::site::here()) : mu_(where) {}
  void Lock() { mu_.lock(); }
  void Unlock() { mu_.unlock(); }

 private:
  lockdep::mutex mu_;
};

}  // namespace port

struct db_impl {
  db_impl() {}  // inline in the header
  port::Mutex mutex_;
  port::Mutex stats_mutex_;  // added beside mutex_
  port::PlainMutex plain_a_, plain_b_;
};

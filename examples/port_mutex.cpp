// Wrapping lockdep in your own lock type (README: "Wrapping lockdep in your
// own lock type"). A project with its own lock type (LevelDB's and
// RocksDB's port::Mutex, a base::Lock) keeps it and puts a lockdep lock
// inside. The one thing to add is a lockdep::site parameter, defaulted to
// lockdep::site::here(), passed on to the lockdep lock: then each lock is
// classed by where the *project's user* constructs it, not by the line
// inside the wrapper (which would make every port::Mutex one class, so
// nesting two of them would be a false "recursive locking" report and an
// inversion between them would go unseen).
//
// Here db_impl has two members of the wrapper type, mutex_ and the
// stats_mutex_ added beside it. Taking them in one order is silent; taking
// them in the other order is reported as a circular dependency between the
// two members. Exit status: 0 when exactly that one report was printed.
#include "lockdep/lockdep.hpp"

namespace port {

// strip_frames_of: reports start at the caller of Lock(), not in it.
class ABSL_LOCKABLE Mutex : lockdep::strip_frames_of<Mutex> {
 public:
  // The site defaults to the caller's: the line constructing this Mutex.
  explicit Mutex(lockdep::site where = lockdep::site::here()) : mu_(where) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  void AssertHeld() ABSL_ASSERT_EXCLUSIVE_LOCK() { mu_.assert_held(); }

 private:
  lockdep::mutex mu_;
};

// LevelDB's MutexLock.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }

 private:
  Mutex* const mu_;
};

}  // namespace port

struct db_impl {
  port::Mutex mutex_;
  port::Mutex stats_mutex_;  // added beside mutex_: a class of its own
  long writes = 0, stat_reads = 0;

  void write() {
    port::MutexLock l(&mutex_);
    port::MutexLock s(&stats_mutex_);  // mutex_ -> stats_mutex_: silent
    ++writes;
  }
  long read_stats() {
    port::MutexLock s(&stats_mutex_);
    port::MutexLock l(&mutex_);  // stats_mutex_ -> mutex_: the inversion
    return ++stat_reads + writes;
  }
};

int main() {
  db_impl db;
  db.write();
  db.write();
  const bool silent_so_far = lockdep::get_statistics().reports == 0;
  db.read_stats();
  return silent_so_far && lockdep::get_statistics().reports == 1 ? 0 : 1;
}

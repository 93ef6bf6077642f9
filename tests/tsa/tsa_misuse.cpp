// Must FAIL to compile under clang++ -Wthread-safety -Werror (tests/tsa):
// each function misuses a lockdep lock in a way the analysis must catch.
// The ctest checks that the failure is a thread-safety diagnostic.
#include "absl/base/thread_annotations.h"
#include "lockdep/guard.hpp"
#include "lockdep/lockdep.hpp"

namespace {

struct counter {
  lockdep::mutex mu{"counter::mu"};
  int value ABSL_GUARDED_BY(mu) = 0;
  void bump_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { ++value; }
};

// Writing guarded data without the lock.
void unguarded_write(counter& c) { c.value = 1; }

// Calling a function that requires the lock without it.
void missing_requirement(counter& c) { c.bump_locked(); }

// Returning with the lock still held.
void leaked_lock(counter& c) {
  c.mu.lock();
  c.value = 2;
}

// The guard's scope ended: the access after it is unprotected.
void after_guard(counter& c) {
  { lockdep::lock_guard g(c.mu); }
  c.value = 3;
}

}  // namespace

void tsa_misuse_entry(counter& c) {
  unguarded_write(c);
  missing_requirement(c);
  leaked_lock(c);
  after_guard(c);
}

// ABI mismatch check, part 1: a function taking a lockdep::mutex, compiled
// with whatever LOCKDEP_ENABLED the check passes.
#include "lockdep/mutex.hpp"

void use_lock(lockdep::mutex& m) {
  m.lock();
  m.unlock();
}

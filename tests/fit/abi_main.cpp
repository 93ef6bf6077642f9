// ABI mismatch check, part 2: calls use_lock() from abi_lib.cpp. Built with a
// different LOCKDEP_ENABLED, lockdep::mutex names a different type
// (lockdep::v1_on vs lockdep::v1_off), so the call cannot bind: the link fails.
#include "lockdep/mutex.hpp"

void use_lock(lockdep::mutex& m);

int main() {
  lockdep::mutex m{"abi"};
  use_lock(m);
  return 0;
}

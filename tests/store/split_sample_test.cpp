// A sample suite for lockdep_discover_tests(): each test takes half of an
// ABBA and passes alone (and in its own process, as ctest runs it); the
// suite's final lockdep-graph check sees both halves in the shared store and
// fails (tests/store/CMakeLists.txt registers that failure as expected).
#include <mutex>

#include "gtest/gtest.h"
#include "lockdep/lockdep.hpp"

namespace {

lockdep::mutex accounts{"sample.accounts"};
lockdep::mutex ledger{"sample.ledger"};

TEST(SplitSample, AccountsThenLedger) {
  std::lock_guard<lockdep::mutex> a(accounts);
  std::lock_guard<lockdep::mutex> l(ledger);
  SUCCEED();
}

TEST(SplitSample, LedgerThenAccounts) {
  std::lock_guard<lockdep::mutex> l(ledger);
  std::lock_guard<lockdep::mutex> a(accounts);
  SUCCEED();
}

}  // namespace

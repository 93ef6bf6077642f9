// Two tests in one process (no --gtest_filter) with lockdep::gtest linked:
// each records one dependency, which the graph store must label with the
// test that was running (the listener's set_recording_test).
#include <mutex>

#include "gtest/gtest.h"
#include "lockdep/lockdep.hpp"

namespace {

lockdep::mutex first_outer{"names.first_outer"}, first_inner{"names.first_inner"};
lockdep::mutex second_outer{"names.second_outer"}, second_inner{"names.second_inner"};

TEST(Names, First) {
  std::lock_guard<lockdep::mutex> o(first_outer);
  std::lock_guard<lockdep::mutex> i(first_inner);
}

TEST(Names, Second) {
  std::lock_guard<lockdep::mutex> o(second_outer);
  std::lock_guard<lockdep::mutex> i(second_inner);
}

}  // namespace

// Shared helpers of the hostile-input tests.
#pragma once

#include <gtest/gtest.h>

#include "lockdep/lockdep.hpp"
#include "support/report_capture.hpp"

namespace hostile {

// After any misuse, lockdep must still work: a plain ABBA between two fresh
// classes is reported exactly once.
// Takes a then b, then b then a: one ABBA between the two maps' classes.
inline void run_abba(lockdep::lock_map& a, lockdep::lock_map& b) {
  lockdep::lock_acquire(a);
  lockdep::lock_acquire(b);
  lockdep::lock_release(b);
  lockdep::lock_release(a);
  lockdep::lock_acquire(b);
  lockdep::lock_acquire(a);
  lockdep::lock_release(a);
  lockdep::lock_release(b);
}

inline void expect_abba_still_detected(lockdep_test::report_capture& cap) {
  cap.clear();
  static lockdep::lock_class_key key_a{"after_misuse_a"};
  static lockdep::lock_class_key key_b{"after_misuse_b"};
  lockdep::lock_map a{key_a};
  lockdep::lock_map b{key_b};
  run_abba(a, b);
  EXPECT_EQ(cap.count(lockdep::report_kind::circular_dependency), 1u) << "lockdep no longer detects an ABBA";
  EXPECT_EQ(cap.count(), 1u);
}

}  // namespace hostile

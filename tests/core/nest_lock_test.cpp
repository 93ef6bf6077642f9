// The nest lock rule exactly as the kernel applies it (kernel-lockdep.md
// §3.3 step 3, §3.5, §3.10): which same-class re-take a nest lock excuses,
// that an excused acquisition adds no dependencies, and how out-of-order
// releases re-stack merged entries. Each behaviour has its twin that
// reports.
#include <gtest/gtest.h>

#include "core_test_util.hpp"
#include "lockdep/lockdep.hpp"

using lockdep::lock_map;
using lockdep::read_mode;
using lockdep::report_kind;

namespace {

void take(lock_map& m, lock_map* nest = nullptr, read_mode r = read_mode::exclusive) {
  lockdep::lock_acquire(m, r, false, -1, nest);
}

lockdep::lock_class_key g_a{"nest_a"};
lockdep::lock_class_key g_n{"nest_n"};
lockdep::lock_class_key g_y{"nest_y"};
lockdep::lock_class_key g_z{"nest_z"};

}  // namespace

// A1 (read), N, A2 under N: the nest lock was taken after A1, so it does not
// serialise A1 and A2. The kernel reports recursive locking.
TEST(CoreNestLock, NestLockTakenAfterTheEarlierHoldExcusesNothing) {
  for (read_mode first : {read_mode::shared, read_mode::exclusive}) {
    lockdep_test::report_capture cap;
    lock_map a1{g_a}, a2{g_a}, n{g_n};
    take(a1, nullptr, first);
    take(n);
    take(a2, &n);
    ASSERT_EQ(cap.count(), 1u) << "first hold read=" << static_cast<int>(first);
    const lockdep::report r = cap.first();
    EXPECT_EQ(r.kind, report_kind::recursive_locking);
    EXPECT_EQ(r.classes.at(0).name, "nest_a");
    EXPECT_EQ(r.classes.at(1).name, "nest_a");
    EXPECT_EQ(r.held_locks.size(), 2u);
    lockdep::lock_release(a2);
    lockdep::lock_release(n);
    lockdep::lock_release(a1);
  }
}

// The near miss: the nest lock below both holds excuses the second one, with
// another lock between them (so nothing merges).
TEST(CoreNestLock, NestLockTakenBeforeTheEarlierHoldExcusesIt) {
  lockdep_test::report_capture cap;
  lock_map a1{g_a}, a2{g_a}, n{g_n}, z{g_z};
  take(n);
  take(a1, nullptr, read_mode::shared);
  take(z);
  take(a2, &n);
  EXPECT_EQ(cap.count(), 0u);
  lockdep::lock_release(a2);
  lockdep::lock_release(z);
  lockdep::lock_release(a1);
  lockdep::lock_release(n);
}

// Locks N (the nest lock), Y1 and Y2 of one class, and Z, a lock of another
// class between them: N; Y1 under N; Z; Y2 (under N when `nested`).
struct y_between_z {
  lock_map n{g_n}, y1{g_y}, y2{g_y}, z{g_z};
  explicit y_between_z(bool nested = true) {
    take(n);
    take(y1, &n);
    take(z);
    deps_before_y2 = lockdep::get_statistics().dependencies;
    take(y2, nested ? &n : nullptr);
  }
  std::uint64_t deps_before_y2 = 0;
};

// The kernel's "spinlock nest test" (lib/locking-selftest.c) is this shape:
// X1; Y1 under X1; A; Y2 under X1. Y2 is excused by its nest lock, so it
// adds no Z -> Y dependency, and Y -> Z (from Y1; Z) closes no cycle.
TEST(CoreNestLock, ExcusedAcquisitionAddsNoDependencies) {
  lockdep_test::report_capture cap;
  y_between_z l;
  EXPECT_EQ(lockdep::get_statistics().dependencies, l.deps_before_y2);
  EXPECT_EQ(cap.count(), 0u);
  for (lock_map* m : {&l.y2, &l.z, &l.y1, &l.n}) lockdep::lock_release(*m);
}

// Twin: the same sequence without the annotation is recursive locking.
TEST(CoreNestLock, SameSequenceWithoutNestLockIsRecursive) {
  lockdep_test::report_capture cap;
  y_between_z l{false};
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::recursive_locking);
  EXPECT_EQ(cap.first().classes.at(0).name, "nest_y");
  for (lock_map* m : {&l.y2, &l.z, &l.y1, &l.n}) lockdep::lock_release(*m);
}

// Releasing Z re-stacks Y2 right above Y1, and the kernel merges it into
// Y1's entry: that entry now counts two holds of class Y and matches any
// lock of the class. So Y2 released twice is silent, and the third release
// of the class (Y1) is the bad one.
TEST(CoreNestLock, OutOfOrderReleaseMergesLikeTheKernel) {
  lockdep_test::report_capture cap;
  y_between_z l;
  EXPECT_TRUE(lockdep::lock_release(l.z));
  EXPECT_TRUE(lockdep::is_held(l.y1));
  EXPECT_TRUE(lockdep::lock_release(l.y2));
  EXPECT_TRUE(lockdep::lock_release(l.y2));
  EXPECT_EQ(cap.count(), 0u);
  EXPECT_FALSE(lockdep::lock_release(l.y1));
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::bad_unlock_balance);
  EXPECT_EQ(cap.first().classes.at(0).name, "nest_y");
  EXPECT_TRUE(lockdep::lock_release(l.n));
  EXPECT_EQ(cap.count(), 1u);
}

// Twin: without the out-of-order release nothing merges (Y2 has Z below it),
// so releasing Y2 a second time is reported there.
TEST(CoreNestLock, WithoutRestackingEntriesStaySeparate) {
  lockdep_test::report_capture cap;
  y_between_z l;
  EXPECT_TRUE(lockdep::lock_release(l.y2));
  EXPECT_FALSE(lockdep::lock_release(l.y2));
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::bad_unlock_balance);
  for (lock_map* m : {&l.z, &l.y1, &l.n}) EXPECT_TRUE(lockdep::lock_release(*m));
  EXPECT_EQ(cap.count(), 1u);
}

// A merged entry releases cleanly in any order: both holds go, then the
// nest lock, with nothing left held.
TEST(CoreNestLock, MergedEntryReleasesInAnyOrder) {
  lockdep_test::report_capture cap;
  y_between_z l;
  for (lock_map* m : {&l.z, &l.y1, &l.y2, &l.n}) EXPECT_TRUE(lockdep::lock_release(*m));
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(), 0u);
}

// Reader/writer rules (kernel-lockdep.md §3.5-3.7 and the §5.2 rows):
// lockdep::shared_mutex readers are non-recursive like an rwsem (a queued
// writer blocks a second reader), lockdep::rwlock readers are recursive like
// rwlock_t (readers get in past waiting writers).
#include <gtest/gtest.h>

#include <mutex>
#include <shared_mutex>

#include "core_test_util.hpp"
#include "lockdep/lockdep.hpp"

using lockdep::report_kind;

namespace {

// X1, X2 are two instances of one class; Y and Z other classes.
template <class RW>
struct rw_set {
  static lockdep::lock_class_key& x_key() {
    static lockdep::lock_class_key key{"rw_X"};  // one per lock type
    return key;
  }
  RW x1{x_key()};
  RW x2{x_key()};
  RW y{"rw_Y"};
  RW z{"rw_Z"};
};

}  // namespace

// RL(X1); RL(X1) and RL(X1); RL(X2)
TEST(CoreRw, NonRecursiveReadTwiceIsReported) {
  lockdep_test::report_capture cap;
  // Annotations only: re-read-locking a real std::shared_timed_mutex is
  // undefined behaviour, which is the point of the report.
  lockdep::lock_map x{"rwsem_x"};
  lockdep::lock_acquire(x, lockdep::read_mode::shared);
  lockdep::lock_acquire(x, lockdep::read_mode::shared);  // a writer queued in between blocks this
  lockdep::lock_release(x);
  lockdep::lock_release(x);
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::recursive_locking);
  EXPECT_EQ(cap.first().classes.at(0).name, "rwsem_x");
  EXPECT_TRUE(core_test::contains(cap.first().text, "  rlock(rwsem_x);\n  rlock(rwsem_x);\n"));
}

TEST(CoreRw, RwlockReadOfTwoInstancesIsSilent) {
  lockdep_test::report_capture cap;
  rw_set<lockdep::rwlock> s;
  s.x1.lock_shared();
  s.x2.lock_shared();
  s.x2.unlock_shared();
  s.x1.unlock_shared();
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreRw, SharedMutexReadOfTwoInstancesIsReported) {
  lockdep_test::report_capture cap;
  rw_set<lockdep::shared_mutex> s;
  s.x1.lock_shared();
  s.x2.lock_shared();
  s.x2.unlock_shared();
  s.x1.unlock_shared();
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::recursive_locking);
  EXPECT_EQ(cap.first().classes.at(0).name, "rw_X");
}

// RL(X1); WL(X2) and WL(X1); RL(X2): a writer is never recursive.
TEST(CoreRw, RwlockMixedReadWriteIsReported) {
  lockdep_test::report_capture cap;
  rw_set<lockdep::rwlock> s;
  s.x1.lock_shared();
  s.x2.lock();
  s.x2.unlock();
  s.x1.unlock_shared();
  EXPECT_EQ(cap.count(report_kind::recursive_locking), 1u);
  s.y.lock();
  s.z.lock_shared();
  s.z.unlock_shared();
  s.y.unlock();
  s.x1.lock();
  s.x2.lock_shared();  // WL(X1); RL(X2)
  s.x2.unlock_shared();
  s.x1.unlock();
  EXPECT_EQ(cap.count(report_kind::recursive_locking), 2u);
  EXPECT_EQ(cap.count(), 2u);
}

// RL(X1) L(Y1); L(Y1) WL(X1): fires on both kinds.
template <class RW>
void read_lock_then_lock_write(lockdep_test::report_capture& cap) {
  rw_set<RW> s;
  s.x1.lock_shared();
  s.y.lock();
  s.y.unlock();
  s.x1.unlock_shared();
  EXPECT_EQ(cap.count(), 0u);
  s.y.lock();
  s.x1.lock();
  s.x1.unlock();
  s.y.unlock();
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
  EXPECT_EQ(cap.first().classes.at(0).name, "rw_X");
  EXPECT_EQ(cap.first().classes.at(1).name, "rw_Y");
}

TEST(CoreRw, RwlockReadLockLockWriteAbbaIsReported) {
  lockdep_test::report_capture cap;
  read_lock_then_lock_write<lockdep::rwlock>(cap);
}

TEST(CoreRw, SharedMutexReadLockLockWriteAbbaIsReported) {
  lockdep_test::report_capture cap;
  read_lock_then_lock_write<lockdep::shared_mutex>(cap);
}

// RL(X1) L(Y1); L(Y1) RL(X1): a recursive reader never waits for the
// writer-side of Y's holder, so rwlock is safe; an rwsem reader queues
// behind a writer of X waiting for Y's holder, so it is a deadlock.
TEST(CoreRw, RwlockReadLockLockReadAbbaIsSilent) {
  lockdep_test::report_capture cap;
  rw_set<lockdep::rwlock> s;
  s.x1.lock_shared();
  s.y.lock();
  s.y.unlock();
  s.x1.unlock_shared();
  s.y.lock();
  s.x1.lock_shared();
  s.x1.unlock_shared();
  s.y.unlock();
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreRw, SharedMutexReadLockLockReadAbbaIsReported) {
  lockdep_test::report_capture cap;
  rw_set<lockdep::shared_mutex> s;
  s.x1.lock_shared();
  s.y.lock();
  s.y.unlock();
  s.x1.unlock_shared();
  s.y.lock();
  s.x1.lock_shared();
  s.x1.unlock_shared();
  s.y.unlock();
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
  EXPECT_EQ(cap.first().classes.at(0).name, "rw_X");
  EXPECT_EQ(cap.first().classes.at(1).name, "rw_Y");
  EXPECT_TRUE(core_test::contains(cap.first().text, "  rlock(rw_X);\n"));
}

// WL(X1) L(Y1); L(Y1) WL(X1): fires on both kinds.
TEST(CoreRw, WriteLockLockWriteAbbaIsReported) {
  lockdep_test::report_capture cap;
  rw_set<lockdep::rwlock> s;
  {
    std::lock_guard<lockdep::rwlock> gx(s.x1);
    std::lock_guard<lockdep::rwlock> gy(s.y);
  }
  {
    std::lock_guard<lockdep::rwlock> gy(s.y);
    std::lock_guard<lockdep::rwlock> gx(s.x1);
  }
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
}

// RL(X1) L(Y1); L(Y1) RL(X1) [cached, silent]; L(Y1) WL(X1): the cached
// chain must not hide the writer's new, strong dependency.
TEST(CoreRw, RwlockChainCachedReadThenWriteIsReported) {
  lockdep_test::report_capture cap;
  rw_set<lockdep::rwlock> s;
  s.x1.lock_shared();
  s.y.lock();
  s.y.unlock();
  s.x1.unlock_shared();
  s.y.lock();
  s.x1.lock_shared();
  s.x1.unlock_shared();
  s.y.unlock();
  EXPECT_EQ(cap.count(), 0u);
  s.y.lock();
  s.x1.lock();
  s.x1.unlock();
  s.y.unlock();
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
}

// Three-class cycles on rwlock: strong unless a -(*R)-> edge is directly
// followed by a -(S*)-> edge.
TEST(CoreRw, RwlockStrongThreeCycleIsReported) {
  lockdep_test::report_capture cap;
  rw_set<lockdep::rwlock> s;
  auto wl_rl = [](lockdep::rwlock& w, lockdep::rwlock& r) {
    w.lock();
    r.lock_shared();
    r.unlock_shared();
    w.unlock();
  };
  wl_rl(s.x1, s.y);  // W1R2: X -(ER)-> Y
  wl_rl(s.y, s.z);   // W2R3: Y -(ER)-> Z
  EXPECT_EQ(cap.count(), 0u);
  wl_rl(s.z, s.x1);  // W3R1: Z -(ER)-> X closes an ER,ER,ER cycle
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
}

TEST(CoreRw, RwlockWeakThreeCycleIsSilent) {
  lockdep_test::report_capture cap;
  rw_set<lockdep::rwlock> s;
  s.x1.lock();  // W1W2: X -(EN)-> Y
  s.y.lock();
  s.y.unlock();
  s.x1.unlock();
  s.y.lock_shared();  // R2R3: Y -(SR)-> Z
  s.z.lock_shared();
  s.z.unlock_shared();
  s.y.unlock_shared();
  s.z.lock_shared();  // R3W1: Z -(SN)-> X; SR followed by SN is not strong
  s.x1.lock();
  s.x1.unlock();
  s.z.unlock_shared();
  EXPECT_EQ(cap.count(), 0u);
}

// A user lock whose readers really are recursive-safe opts in through its
// traits (see lockdep/absl_mutex.hpp and tracked.hpp).
namespace {
struct recursive_reader_traits : lockdep::lock_traits<lockdep::internal::raw_rwlock> {
  static constexpr lockdep::read_mode shared_mode = lockdep::read_mode::shared_recursive;
};
struct non_recursive_reader_traits : lockdep::lock_traits<lockdep::internal::raw_rwlock> {};
}  // namespace

TEST(CoreRw, TraitsOptInToRecursiveReaders) {
  lockdep_test::report_capture cap;
  lockdep::tracked<lockdep::internal::raw_rwlock, recursive_reader_traits> x{"optin_X"};
  lockdep::tracked<lockdep::internal::raw_rwlock, non_recursive_reader_traits> plain{"optin_plain"};
  lockdep::mutex y{"optin_Y"};
  // Recursive readers: RL(X) L(Y); L(Y) RL(X) is fine.
  x.lock_shared();
  y.lock();
  y.unlock();
  x.unlock_shared();
  y.lock();
  x.lock_shared();
  x.unlock_shared();
  y.unlock();
  EXPECT_EQ(cap.count(), 0u);
  // The same traits without the opt-in: reported.
  plain.lock_shared();
  y.lock();
  y.unlock();
  plain.unlock_shared();
  y.lock();
  plain.lock_shared();
  plain.unlock_shared();
  y.unlock();
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
  EXPECT_EQ(cap.first().classes.at(0).name, "optin_plain");
}

// Where lockdep deliberately does not do what the kernel does (README,
// "Departures from the kernel"): one test per departure not pinned
// elsewhere, each saying what the kernel would do.
#include <gtest/gtest.h>

#include "core_test_util.hpp"
#include "lockdep/lockdep.hpp"

using lockdep::lock_map;
using lockdep::read_mode;
using lockdep::report_kind;
using lockdep::wait_type;

namespace {

lockdep::lock_class_key g_unheld_y{"unheld_nest_y"};

void take(lock_map& m, read_mode r = read_mode::exclusive) { lockdep::lock_acquire(m, r); }
void pair(lock_map& held, lock_map& next, read_mode held_mode = read_mode::exclusive,
          read_mode next_mode = read_mode::exclusive) {
  take(held, held_mode);
  take(next, next_mode);
  lockdep::lock_release(next);
  lockdep::lock_release(held);
}

}  // namespace

// The kernel's BFS marks a class visited the first time it is reached. Here
// M is first reached from N through a recursive read (N -(ER)-> M), where
// its only way on, M -(SN)-> P, does not continue a strong path; reached
// again through Q (N -> Q -(EN)-> M), the path is strong, but the kernel
// would skip M as visited and miss the cycle N -> Q -> M -> P -> N. The
// search over (class, restriction) states finds it.
TEST(CoreDepartures, StrongCycleThroughAClassFirstReachedByARecursiveReadIsFound) {
  lockdep_test::report_capture cap;
  lock_map n{"dep_n"}, m{"dep_m"}, q{"dep_q"}, p{"dep_p"};
  pair(n, m, read_mode::exclusive, read_mode::shared_recursive);  // N -(ER)-> M, first on N's list
  pair(n, q);                                                     // N -(EN)-> Q
  pair(q, m);                                                     // Q -(EN)-> M
  pair(m, p, read_mode::shared_recursive, read_mode::exclusive);  // M -(SN)-> P
  EXPECT_EQ(cap.count(), 0u);
  pair(p, n);  // P -> N closes N -> Q -> M -> P -> N
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::circular_dependency);
  EXPECT_EQ(cap.first().classes.at(0).name, "dep_n");
  EXPECT_EQ(cap.first().classes.at(1).name, "dep_p");
}

// The kernel switches itself off after its first report. lockdep stays on:
// a later, different problem is reported too, and the same one again is
// not (each distinct problem once).
TEST(CoreDepartures, StaysOnAfterAReportAndReportsEachProblemOnce) {
  lockdep_test::report_capture cap;
  lock_map a{"on_a"}, b{"on_b"}, c{"on_c"};
  pair(a, b);
  pair(b, a);
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  pair(b, a);  // the same problem again
  EXPECT_EQ(cap.count(), 1u);
  EXPECT_TRUE(lockdep::get_statistics().enabled);
  pair(a, c);
  pair(c, a);  // a different one
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 2u);
}

// One acquisition can break two rules. The kernel stops at the first report
// (and turns off); lockdep reports each: a sleeping lock taken under a
// spinning one that also closes an ABBA is an invalid wait context *and* a
// circular dependency.
TEST(CoreDepartures, OneAcquisitionBreakingTwoRulesGivesTwoReports) {
  lockdep_test::report_capture cap;
  lock_map mutex_like{"two_mutex", wait_type::sleep}, spin_like{"two_spin", wait_type::spin};
  pair(mutex_like, spin_like);  // mutex -> spin: fine
  EXPECT_EQ(cap.count(), 0u);
  pair(spin_like, mutex_like);  // sleeping under spinning, and spin -> mutex closes the cycle
  EXPECT_EQ(cap.count(report_kind::invalid_wait_context), 1u);
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
  EXPECT_EQ(cap.count(), 2u);
}

// The kernel merges an acquisition into a same-class lock on top whenever
// it names a nest lock, held or not, so Y1; Y2 under an N nobody holds is
// silent there. lockdep reports the nest lock not taken, and, the
// acquisition then being an un-nested one, the recursion as well.
TEST(CoreDepartures, NestLockNotHeldIsReportedEvenOverASameClassTop) {
  lockdep_test::report_capture cap;
  lock_map n{"unheld_nest_n"}, y1{g_unheld_y}, y2{g_unheld_y};
  take(y1);
  lockdep::lock_acquire(y2, read_mode::exclusive, false, -1, &n);
  EXPECT_EQ(cap.count(report_kind::nested_lock_not_taken), 1u);
  EXPECT_EQ(cap.count(report_kind::recursive_locking), 1u);
  EXPECT_EQ(cap.count(), 2u);
  lockdep::lock_release(y2);
  lockdep::lock_release(y1);
}

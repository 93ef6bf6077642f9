// Ordered locking within one class (lockdep/ordered.hpp, the kernel's
// lock_set_cmp_fn; kernel-lockdep.md §1.1, §3.5): in-order same-class
// nesting is silent, against the order it is recursive locking with the
// comparison's result, and the class's other dependencies are checked as
// usual. The kernel's self-tests have no ordered-locking cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <mutex>

#include "core_test_util.hpp"
#include "lockdep/lockdep.hpp"

using core_test::contains;
using lockdep::report_kind;

namespace {

struct account {
  lockdep::mutex mu{"account::mu"};
  long balance = 100;
};

// Lowest address first, as the program promises.
void transfer(account& from, account& to, long amount) {
  account* first = std::less<account*>{}(&from, &to) ? &from : &to;
  account* second = first == &from ? &to : &from;
  std::lock_guard<lockdep::mutex> g1(first->mu);
  std::lock_guard<lockdep::mutex> g2(second->mu);
  from.balance -= amount;
  to.balance += amount;
}

// Three accounts sorted by address, their class ordered by address.
struct bank {
  std::array<account, 3> a;
  bank() { lockdep::set_lock_cmp_fn(a[0].mu, lockdep::by_address); }
  account& low() { return a[0]; }
  account& high() { return a[2]; }
};

// A lock that knows its node's id: the comparison and the print function
// receive it (set_lock_cmp_fn was given this type).
struct node_lock : lockdep::mutex {
  explicit node_lock(int node_id) : lockdep::mutex("node::lock"), id(node_id) {}
  int id;
};
int by_id(const void* a, const void* b) {
  return static_cast<const node_lock*>(a)->id - static_cast<const node_lock*>(b)->id;
}
void print_node(const void* lock, char* out, std::size_t size) {
  std::snprintf(out, size, "node %d", static_cast<const node_lock*>(lock)->id);
}

lockdep::lock_class_key g_ordered_map{"ordered_map"};
lockdep::lock_class_key g_late_account{"late_account"};
lockdep::lock_class_key g_late_table{"late_table"};
lockdep::lock_class_key g_late_z{"late_z"};
lockdep::lock_class_key g_shard{"shard"};

}  // namespace

TEST(CoreOrdered, TransfersBetweenThreeAccountsInAddressOrderAreSilent) {
  lockdep_test::report_capture cap;
  bank b;
  for (int round = 0; round < 2; ++round)
    for (account& from : b.a)
      for (account& to : b.a)
        if (&from != &to) transfer(from, to, 1);
  // A chain of all three, in order.
  {
    std::lock_guard<lockdep::mutex> g0(b.a[0].mu);
    std::lock_guard<lockdep::mutex> g1(b.a[1].mu);
    std::lock_guard<lockdep::mutex> g2(b.a[2].mu);
  }
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreOrdered, AgainstTheOrderIsRecursiveLockingWithTheComparison) {
  lockdep_test::report_capture cap;
  bank b;
  {
    std::lock_guard<lockdep::mutex> g1(b.high().mu);
    std::lock_guard<lockdep::mutex> g2(b.low().mu);
  }
  ASSERT_EQ(cap.count(), 1u);
  const lockdep::report r = cap.first();
  EXPECT_EQ(r.kind, report_kind::recursive_locking);
  EXPECT_EQ(r.classes.at(0).name, "account::mu");
  EXPECT_EQ(r.classes.at(1).name, "account::mu");
  EXPECT_EQ(r.detail, "and the lock comparison function returns 1:");
  // Right after the held lock's line, as the kernel prints it.
  const std::size_t held = r.text.find("but task is already holding lock:\n");
  ASSERT_NE(held, std::string::npos) << r.text;
  const std::size_t lock_line_end = r.text.find('\n', held + 34);
  const std::string next = "and the lock comparison function returns 1:\n\nother info that might help us debug this:\n";
  EXPECT_EQ(r.text.compare(lock_line_end + 1, next.size(), next), 0) << r.text;
}

// The kernel validates a sequence of classes once (chain cache), so after
// low -> high it would let high -> low pass. lockdep compares every time.
TEST(CoreOrdered, AgainstTheOrderAfterTheSameSequenceInOrderIsReported) {
  lockdep_test::report_capture cap;
  bank b;
  transfer(b.low(), b.high(), 1);
  transfer(b.high(), b.low(), 1);
  EXPECT_EQ(cap.count(), 0u);
  {
    std::lock_guard<lockdep::mutex> g1(b.high().mu);
    std::lock_guard<lockdep::mutex> g2(b.low().mu);
  }
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::recursive_locking);
}

// Every held lock of the class is compared: the third lock below the first.
TEST(CoreOrdered, ChainOutOfOrderAnywhereIsReported) {
  lockdep_test::report_capture cap;
  bank b;
  std::lock_guard<lockdep::mutex> g0(b.a[1].mu);
  std::lock_guard<lockdep::mutex> g1(b.a[2].mu);
  EXPECT_EQ(cap.count(), 0u);
  std::lock_guard<lockdep::mutex> g2(b.a[0].mu);  // in order after neither
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().detail, "and the lock comparison function returns 1:");
}

// The same lock again compares equal: recursion, "returns 0".
TEST(CoreOrdered, SameLockAgainComparesEqualAndIsReported) {
  lockdep_test::report_capture cap;
  lockdep::lock_map m{g_ordered_map};
  lockdep::set_lock_cmp_fn(m, lockdep::by_address);
  lockdep::lock_acquire(m);
  lockdep::lock_acquire(m);
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::recursive_locking);
  EXPECT_EQ(cap.first().detail, "and the lock comparison function returns 0:");
  lockdep::lock_release(m);
  lockdep::lock_release(m);
}

// An in-order same-class pair adds no dependency of the class on itself,
// while its dependencies with other classes are recorded and checked: an
// ABBA between the ordered class and another class is found.
TEST(CoreOrdered, OrderedClassInAnAbbaWithAnotherClassIsReported) {
  lockdep_test::report_capture cap;
  bank b;
  lockdep::mutex audit{"audit_log"};
  const std::uint64_t before = lockdep::get_statistics().dependencies;
  transfer(b.low(), b.high(), 1);
  EXPECT_EQ(lockdep::get_statistics().dependencies, before);
  {
    std::lock_guard<lockdep::mutex> g1(b.low().mu);
    std::lock_guard<lockdep::mutex> g2(b.high().mu);
    std::lock_guard<lockdep::mutex> g3(audit);  // account::mu -> audit_log
  }
  EXPECT_EQ(cap.count(), 0u);
  {
    std::lock_guard<lockdep::mutex> g1(audit);
    std::lock_guard<lockdep::mutex> g2(b.low().mu);  // audit_log -> account::mu
  }
  ASSERT_EQ(cap.count(), 1u);
  const lockdep::report r = cap.first();
  EXPECT_EQ(r.kind, report_kind::circular_dependency);
  EXPECT_EQ(r.classes.at(0).name, "account::mu");
  EXPECT_EQ(r.classes.at(1).name, "audit_log");
}

// Set on a class already in use, and with a sequence already validated
// (and cached) under a nest lock: the sequence is checked again. (Z, a
// trylock, keeps the two account locks apart without ordering anything.)
TEST(CoreOrdered, SetOnAClassAlreadyInUse) {
  lockdep_test::report_capture cap;
  std::array<lockdep::lock_map, 2> acct{lockdep::lock_map{g_late_account}, lockdep::lock_map{g_late_account}};
  lockdep::lock_map* low = std::min(&acct[0], &acct[1], std::less<lockdep::lock_map*>{});
  lockdep::lock_map* high = low == &acct[0] ? &acct[1] : &acct[0];
  lockdep::lock_map table{g_late_table}, z{g_late_z};
  auto table_z_pair = [&](lockdep::lock_map* first, lockdep::lock_map* second, bool nested) {
    lockdep::lock_acquire(table);
    lockdep::lock_acquire(*first);
    lockdep::lock_acquire(z, lockdep::read_mode::exclusive, true);
    lockdep::lock_acquire(*second, lockdep::read_mode::exclusive, false, -1, nested ? &table : nullptr);
    for (lockdep::lock_map* m : {second, &z, first, &table}) lockdep::lock_release(*m);
  };
  table_z_pair(high, low, true);  // excused by the nest lock
  EXPECT_EQ(cap.count(), 0u);
  lockdep::set_lock_cmp_fn(*low, lockdep::by_address);
  table_z_pair(low, high, false);  // in order
  EXPECT_EQ(cap.count(), 0u);
  table_z_pair(high, low, false);  // the sequence seen before, now against the order
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::recursive_locking);
  EXPECT_EQ(cap.first().classes.at(0).name, "late_account");
}

// Two classes, two comparisons: nodes by ascending id (with a print
// function), shards by descending address.
TEST(CoreOrdered, TwoClassesWithDifferentComparisons) {
  lockdep_test::report_capture cap;
  node_lock n1{1}, n2{2};
  lockdep::set_lock_cmp_fn(n2, by_id, print_node);
  std::array<lockdep::spinlock, 2> shard{lockdep::spinlock{g_shard}, lockdep::spinlock{g_shard}};
  lockdep::set_lock_cmp_fn(shard[0], [](const void* a, const void* b) { return -lockdep::by_address(a, b); });
  lockdep::spinlock* low = std::min(&shard[0], &shard[1], std::less<lockdep::spinlock*>{});
  lockdep::spinlock* high = low == &shard[0] ? &shard[1] : &shard[0];
  {
    std::lock_guard<lockdep::mutex> g1(n1);
    std::lock_guard<lockdep::mutex> g2(n2);
  }
  {
    std::lock_guard<lockdep::spinlock> g1(*high);
    std::lock_guard<lockdep::spinlock> g2(*low);
  }
  EXPECT_EQ(cap.count(), 0u);
  {
    std::lock_guard<lockdep::spinlock> g1(*low);
    std::lock_guard<lockdep::spinlock> g2(*high);
  }
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.reports().at(0).classes.at(0).name, "shard");
  EXPECT_EQ(cap.reports().at(0).detail, "and the lock comparison function returns 1:");
  {
    std::lock_guard<lockdep::mutex> g1(n2);
    std::lock_guard<lockdep::mutex> g2(n1);
  }
  ASSERT_EQ(cap.count(), 2u);
  const lockdep::report r = cap.reports().at(1);
  EXPECT_EQ(r.classes.at(0).name, "node::lock");
  EXPECT_EQ(r.detail, "and the lock comparison function returns 1:");
  // The print function's line follows each lock line of the class.
  EXPECT_TRUE(contains(r.text, "\n    node 1\n\nbut task is already holding lock:\n")) << r.text;
  EXPECT_TRUE(contains(r.text, "\n    node 2\nand the lock comparison function returns 1:\n")) << r.text;
  ASSERT_EQ(r.held_locks.size(), 1u);
  EXPECT_EQ(r.held_locks[0].description, "node 2");
}

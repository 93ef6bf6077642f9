// Member locks are classes of their own (issue 13): two members of one type
// are two classes, one member is one class in every object and every
// translation unit, the elements of one array are one class; a wrapper
// passes its user's site through. Built at -O2 (core_members_test) and at
// -O0 (core_members_O0_test) from the same sources.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core_test_util.hpp"
#include "member_shapes.hpp"

using core_test::contains;
using lockdep::report_kind;

namespace {

const lockdep::lock_class_key* key_of(lockdep::mutex& m) { return m.lockdep_map().key(); }
const lockdep::lock_class_key* key_of(shapes::port::Mutex& m) { return key_of(m.raw()); }

template <class A, class B>
void lock_both(A& first, B& second) {
  std::lock_guard<A> g1(first);
  std::lock_guard<B> g2(second);
}

void port_lock_both(shapes::port::Mutex& first, shapes::port::Mutex& second) {
  first.Lock();
  second.Lock();
  second.Unlock();
  first.Unlock();
}

}  // namespace

TEST(CoreMembers, TwoMembersAreTwoClasses) {
  shapes::account a;
  EXPECT_NE(key_of(a.balance_mu), key_of(a.audit_mu));
}

TEST(CoreMembers, NestingTwoMembersInOneOrderIsSilent) {
  lockdep_test::report_capture cap;
  shapes::account a, b;
  lock_both(a.balance_mu, a.audit_mu);
  lock_both(b.balance_mu, b.audit_mu);
  EXPECT_EQ(cap.count(), 0u);
}

TEST(CoreMembers, InversionBetweenMembersIsReported) {
  lockdep_test::report_capture cap;
  shapes::account a;
  lock_both(a.balance_mu, a.audit_mu);
  lock_both(a.audit_mu, a.balance_mu);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::circular_dependency);
  ASSERT_GE(r.classes.size(), 2u);
  EXPECT_NE(r.classes[0].name, r.classes[1].name);
  // Unnamed members are labelled by their site and their place in it.
  EXPECT_TRUE(contains(r.classes[0].name, "member_shapes.hpp:")) << r.classes[0].name;
  EXPECT_TRUE(contains(r.classes[0].name, "(lock #")) << r.classes[0].name;
}

TEST(CoreMembers, OneMemberIsOneClassInEveryObjectAndTranslationUnit) {
  auto here = std::make_unique<shapes::account>();
  std::unique_ptr<shapes::account> there(shapes::make_account_elsewhere());
  shapes::account local;
  EXPECT_EQ(key_of(here->balance_mu), key_of(there->balance_mu));
  EXPECT_EQ(key_of(here->audit_mu), key_of(there->audit_mu));
  EXPECT_EQ(key_of(local.balance_mu), key_of(there->balance_mu));
  EXPECT_NE(key_of(there->balance_mu), key_of(there->audit_mu));
}

TEST(CoreMembers, InversionAcrossTranslationUnitsIsReported) {
  lockdep_test::report_capture cap;
  shapes::account local;
  std::unique_ptr<shapes::account> there(shapes::make_account_elsewhere());
  lock_both(local.balance_mu, local.audit_mu);
  lock_both(there->audit_mu, there->balance_mu);
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
}

TEST(CoreMembers, PortLayerMemberAddedBesideAnotherIsItsOwnClass) {
  lockdep_test::report_capture cap;
  shapes::db_impl db;
  std::unique_ptr<shapes::db_impl> other(shapes::make_db_elsewhere());
  EXPECT_NE(key_of(db.mutex_), key_of(db.stats_mutex_));
  EXPECT_EQ(key_of(db.mutex_), key_of(other->mutex_));
  EXPECT_EQ(key_of(db.stats_mutex_), key_of(other->stats_mutex_));
  port_lock_both(db.mutex_, db.stats_mutex_);
  EXPECT_EQ(cap.count(), 0u);  // was a false `possible recursive locking`
  port_lock_both(other->stats_mutex_, other->mutex_);
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
}

TEST(CoreMembers, PortLayerClassIsTheUsersSiteNotTheWrappers) {
  lockdep_test::report_capture cap;
  shapes::port::Mutex a;
  shapes::port::Mutex b;  // another line: another class
  EXPECT_NE(key_of(a), key_of(b));
  port_lock_both(a, b);
  port_lock_both(b, a);
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  const auto r = cap.first();
  ASSERT_GE(r.classes.size(), 2u);
  EXPECT_TRUE(contains(r.classes[0].name, "member_classes_test.cpp:")) << r.classes[0].name;
  EXPECT_TRUE(contains(r.classes[1].name, "member_classes_test.cpp:")) << r.classes[1].name;
}

TEST(CoreMembers, ArrayElementsAreOneClassBesideAMember) {
  shapes::sharded s;
  for (auto& m : s.shards) EXPECT_EQ(key_of(m), key_of(s.shards[0]));
  EXPECT_NE(key_of(s.meta), key_of(s.shards[0]));
  lockdep::mutex local[32];
  for (auto& m : local) EXPECT_EQ(key_of(m), key_of(local[0]));
}

// A small array (4) beside a member, with every compiler and level: the
// elements are one class and the member is its own. clang -O2 would unroll
// the loop that builds the array into one construction call per element
// (one class each); site::here()'s `noduplicate` keeps it a loop.
TEST(CoreMembers, SmallArrayBesideAMemberKeepsTheMemberApart) {
  shapes::small_sharded s;
  for (auto& m : s.shards) EXPECT_NE(key_of(s.meta), key_of(m));
  for (auto& m : s.shards) EXPECT_EQ(key_of(m), key_of(s.shards[0]));
}

// One class for the elements: nesting two of them is recursive locking
// (the shared-site wording), and an order through two elements is an
// inversion. Under clang -O2 both were missed while the loop was unrolled.
TEST(CoreMembers, NestingTwoElementsOfASmallArrayIsRecursiveLocking) {
  lockdep_test::report_capture cap;
  shapes::small_sharded s;
  lock_both(s.shards[0], s.shards[3]);
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::recursive_locking);
  EXPECT_TRUE(contains(cap.first().text, "two different locks constructed at ")) << cap.first().text;
}

TEST(CoreMembers, OrderThroughTwoElementsOfASmallArrayIsAnInversion) {
  lockdep_test::report_capture cap;
  shapes::small_sharded s;
  lock_both(s.meta, s.shards[0]);
  EXPECT_EQ(cap.count(), 0u);  // near miss: one order only
  lock_both(s.shards[1], s.meta);
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
}

TEST(CoreMembers, PortLayerSmallArrayIsOneClassBesideAMember) {
  lockdep_test::report_capture cap;
  shapes::port_small_sharded s;
  for (auto& m : s.shards) EXPECT_EQ(key_of(m.raw()), key_of(s.shards[0].raw()));
  EXPECT_NE(key_of(s.meta.raw()), key_of(s.shards[0].raw()));
  port_lock_both(s.meta, s.shards[2]);
  port_lock_both(s.shards[1], s.meta);
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
}

TEST(CoreMembers, InversionBetweenASmallArrayAndAMemberIsReported) {
  lockdep_test::report_capture cap;
  shapes::small_sharded s;
  lock_both(s.meta, s.shards[2]);
  lock_both(s.shards[2], s.meta);
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
}

// The workaround, which holds everywhere: named elements are one class
// (clang -O2 included), the unnamed member beside them its own.
TEST(CoreMembers, NamedSmallArrayIsOneClassBesideAMember) {
  lockdep_test::report_capture cap;
  shapes::named_small_sharded s;
  shapes::named_small_sharded t;  // another line (`s, t;` is lock_class_key.hpp's one-line limit)
  for (auto& e : s.shards) EXPECT_EQ(key_of(e.mu), key_of(s.shards[0].mu));
  EXPECT_EQ(key_of(t.shards[3].mu), key_of(s.shards[0].mu));
  for (auto& e : s.keyed) EXPECT_EQ(key_of(e.mu), key_of(t.keyed[0].mu));
  EXPECT_NE(key_of(s.keyed[0].mu), key_of(s.shards[0].mu));
  EXPECT_NE(key_of(s.meta), key_of(s.shards[0].mu));
  EXPECT_EQ(key_of(s.meta), key_of(t.meta));
  lock_both(s.meta, s.shards[1].mu);
  lock_both(t.shards[3].mu, t.meta);
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
}

// Issue 13 item 2: two different locks of one site class, nested.
TEST(CoreMembers, RecursiveLockingOfTwoLocksOfOneSaysTheyShareASite) {
  lockdep_test::report_capture cap;
  shapes::sharded s;
  lock_both(s.shards[0], s.shards[1]);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::recursive_locking);
  EXPECT_TRUE(contains(r.text, "two different locks constructed at ")) << r.text;
  EXPECT_TRUE(contains(r.text, "member_shapes.hpp:")) << r.text;
  EXPECT_TRUE(contains(r.text, "share a class; if they play different roles, give them names or keys")) << r.text;
}

TEST(CoreMembers, RecursiveLockingOfOneLockKeepsTheNestingHint) {
  lockdep_test::report_capture cap;
  lockdep::lock_map m;  // site class, one instance
  lockdep::lock_acquire(m);
  lockdep::lock_acquire(m);
  lockdep::lock_release(m);
  lockdep::lock_release(m);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_TRUE(contains(r.text, " May be due to missing lock nesting notation"));
  EXPECT_FALSE(contains(r.text, "two different locks")) << r.text;
}

TEST(CoreMembers, RecursiveLockingOfTwoLocksOfAKeyHasNoSiteLine) {
  lockdep_test::report_capture cap;
  static lockdep::lock_class_key key{"keyed"};
  lockdep::mutex a{key}, b{key};
  lock_both(a, b);
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_FALSE(contains(cap.first().text, "two different locks")) << cap.first().text;
}

// First constructions racing on several threads rank the calls once.
TEST(CoreMembers, ConcurrentFirstConstructionsAgree) {
  struct fresh_pair {
    lockdep::mutex first;
    lockdep::mutex second;
  };
  constexpr int k_threads = 4;
  std::atomic<int> ready{0};
  const lockdep::lock_class_key* keys[k_threads][2] = {};
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < k_threads) {
      }
      fresh_pair p;
      keys[t][0] = key_of(p.first);
      keys[t][1] = key_of(p.second);
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < k_threads; ++t) {
    EXPECT_EQ(keys[t][0], keys[0][0]);
    EXPECT_EQ(keys[t][1], keys[0][1]);
  }
  EXPECT_NE(keys[0][0], keys[0][1]);
}

namespace {
// Holds the constructing thread between two members while it is asked to.
thread_local bool t_hold_in_gate = false;
std::atomic<bool> g_gate_open{false};
std::atomic<bool> g_in_gate{false};
struct gate {
  gate() {
    if (!t_hold_in_gate) return;
    g_in_gate = true;
    while (!g_gate_open.load()) std::this_thread::yield();
  }
};
struct paused_triple {
  lockdep::mutex first;
  gate between;
  lockdep::mutex third;
};
__attribute__((noinline)) std::unique_ptr<paused_triple> make_paused_triple() {
  return std::make_unique<paused_triple>();
}
}  // namespace

// Another thread ranked `first` and is still building its object when this
// one builds one by the same code: this thread's `third` is a new call
// while `first` is known; it must rank after it, not restart.
TEST(CoreMembers, ThreadJoiningAnotherThreadsFirstObjectRanksOn) {
  std::unique_ptr<paused_triple> held;
  std::thread builder([&] {
    t_hold_in_gate = true;
    held = make_paused_triple();
  });
  while (!g_in_gate.load()) std::this_thread::yield();
  std::unique_ptr<paused_triple> mine = make_paused_triple();
  g_gate_open = true;
  builder.join();
  EXPECT_NE(key_of(mine->first), key_of(mine->third));
  EXPECT_EQ(key_of(mine->first), key_of(held->first));
  EXPECT_EQ(key_of(mine->third), key_of(held->third));
}

// Class naming (lock_class_key.hpp): names are labels, `#N` tells apart
// classes sharing one; unnamed classes print their site; locks built in a
// system header need a name or a key; a name built at run time is only a
// label.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core_test_util.hpp"
#include "lockdep/lockdep.hpp"

using core_test::contains;
using lockdep::report_kind;

template <class A, class B>
static void lock_both(A& first, B& second) {
  std::lock_guard<A> g1(first);
  std::lock_guard<B> g2(second);
}

TEST(CoreNaming, TwoClassesWithOneNamePrintNameHash2) {
  lockdep_test::report_capture cap;
  lockdep::mutex first{"same_label"};
  lockdep::mutex second{"same_label"};  // another site: another class
  lock_both(first, second);
  EXPECT_EQ(cap.count(), 0u);  // two classes, so not recursive locking
  lock_both(second, first);
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::circular_dependency);
  EXPECT_EQ(r.classes.at(0).name, "same_label");
  EXPECT_EQ(r.classes.at(1).name, "same_label#2");
  EXPECT_TRUE(contains(r.text, "  lock(same_label#2);\n"));
}

TEST(CoreNaming, UnnamedClassPrintsFileAndLine) {
  lockdep_test::report_capture cap;
  lockdep::mutex named{"has_a_name"};
  lockdep::mutex unnamed; const int unnamed_line = __LINE__;
  lock_both(named, unnamed);
  lock_both(unnamed, named);
  ASSERT_EQ(cap.count(), 1u);
  const std::string site = "naming_test.cpp:" + std::to_string(unnamed_line);
  EXPECT_EQ(cap.first().classes.at(1).name, site);
  EXPECT_TRUE(contains(cap.first().text, "(" + site + "){"));
}

TEST(CoreNaming, MakeUniqueWithoutNameWarnsOnce) {
  lockdep_test::report_capture cap;
  auto p = std::make_unique<lockdep::mutex>();
  auto q = std::make_unique<lockdep::mutex>();
  ASSERT_EQ(cap.count(), 1u);
  const auto r = cap.first();
  EXPECT_EQ(r.kind, report_kind::bad_lock_usage);
  EXPECT_TRUE(contains(r.detail, "make_unique"));
  EXPECT_TRUE(contains(r.detail, "Pass a name"));  // says how to fix it
  // And indeed they share one class.
  lock_both(*p, *q);
  EXPECT_EQ(cap.count(report_kind::recursive_locking), 1u);
}

TEST(CoreNaming, MakeUniqueWithNameIsOneClassPerName) {
  lockdep_test::report_capture cap;
  auto a1 = std::make_unique<lockdep::mutex>("mu_alpha");
  auto a2 = std::make_unique<lockdep::mutex>("mu_alpha");
  auto b = std::make_unique<lockdep::mutex>("mu_beta");
  EXPECT_EQ(cap.count(), 0u);  // no warning
  lock_both(*a1, *b);          // distinct names: distinct classes, silent
  EXPECT_EQ(cap.count(), 0u);
  lock_both(*a1, *a2);  // one name: one class
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_EQ(cap.first().kind, report_kind::recursive_locking);
  EXPECT_EQ(cap.first().classes.at(0).name, "mu_alpha");
}

// A name built at run time is a label, not a class: the shards made at one
// site are one class (named after the first), so taking two of them nested
// is recursive locking, as with any two instances of one class.
TEST(CoreNaming, RuntimeNamesAtOneSiteAreOneClassNamedAfterTheFirst) {
  lockdep_test::report_capture cap;
  std::vector<std::unique_ptr<lockdep::lock_map>> shards;
  for (int i = 0; i < 4; ++i) {
    const std::string name = "shard-" + std::to_string(i) + (i == 3 ? std::string(40, '!') : "");  // stack and heap
    shards.push_back(std::unique_ptr<lockdep::lock_map>(new lockdep::lock_map(name.c_str())));
  }
  lockdep::lock_acquire(*shards[2]);
  lockdep::lock_acquire(*shards[3]);
  lockdep::lock_release(*shards[3]);
  lockdep::lock_release(*shards[2]);
  ASSERT_EQ(cap.count(report_kind::recursive_locking), 1u);
  EXPECT_EQ(cap.first().classes.at(0).name, "shard-0");
}

// String literals still make classes apart, even two on one line (g++ has
// no column to tell the sites apart).
TEST(CoreNaming, LiteralNamesOnOneLineAreTwoClasses) {
  lockdep_test::report_capture cap;
  lockdep::lock_map lit_a{"lit_a"}, lit_b{"lit_b"};
  lockdep::lock_acquire(lit_a);
  lockdep::lock_acquire(lit_b);
  lockdep::lock_release(lit_b);
  lockdep::lock_release(lit_a);
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

// A new name per lock (per connection, per request) neither grows the class
// table nor exhausts it.
TEST(CoreNaming, ManyRuntimeNamesAtOneSiteStayOneClass) {
  lockdep_test::report_capture cap;
  const auto before = lockdep::get_statistics().classes;
  for (int i = 0; i < 20000; ++i) {
    const std::string name = "conn-" + std::to_string(i);
    lockdep::lock_map m{name.c_str()};
    lockdep::lock_acquire(m);
    lockdep::lock_release(m);
  }
  EXPECT_EQ(lockdep::get_statistics().classes, before + 1);
  EXPECT_TRUE(lockdep::get_statistics().enabled);
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

// In a system header (make_unique) the name's text is all lockdep has: a
// name built at run time there is a class per distinct name, and lockdep
// says so once, naming the fix.
TEST(CoreNaming, MakeUniqueWithARuntimeNameWarnsOnce) {
  lockdep_test::report_capture cap;
  std::vector<std::unique_ptr<lockdep::mutex>> conns;
  for (int i = 0; i < 3; ++i) conns.push_back(std::make_unique<lockdep::mutex>(("conn-mu-" + std::to_string(i)).c_str()));
  ASSERT_EQ(cap.count(report_kind::bad_lock_usage), 1u);
  EXPECT_TRUE(contains(cap.first().detail, "built at run time")) << cap.first().detail;
  EXPECT_TRUE(contains(cap.first().detail, "LOCKDEP_CLASS")) << cap.first().detail;
  lock_both(*conns[0], *conns[1]);  // distinct names: distinct classes
  EXPECT_EQ(cap.count(), 1u);
}

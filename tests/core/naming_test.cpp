// Class naming (lock_class_key.hpp): names are labels, `#N` tells apart
// classes sharing one; unnamed classes print their site; locks built in a
// system header need a name or a key.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>

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

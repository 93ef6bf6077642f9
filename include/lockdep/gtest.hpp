// lockdep/gtest.hpp - lockdep in GoogleTest suites.
//
// Link the test program with lockdep::gtest (CMake target `lockdep_gtest`):
//
//   target_link_libraries(my_test PRIVATE lockdep::gtest GTest::gtest_main)
//
// Nothing else is needed: the library installs a gtest event listener at
// start-up (install() below does it explicitly, e.g. from your own main).
// Then:
//   * a lockdep report raised while a test runs (in any thread) fails that
//     test, with the report's text as the failure message;
//   * a report raised outside every test - static initialisers, SetUpTestSuite,
//     threads exiting between tests - fails the test program: it is added
//     as a failure of the whole run (RUN_ALL_TESTS returns 1); one raised
//     after RUN_ALL_TESTS returned (thread exit, exit handlers, static
//     destructors) is printed and makes the process exit with status 1;
//   * waived reports (lockdep/waiver.hpp) never fail anything.
//
// Expecting reports, in the style of EXPECT_DEATH:
//   EXPECT_LOCKDEP_REPORT(statement, lockdep::report_kind::circular_dependency);
//   ASSERT_LOCKDEP_REPORT(statement, kind);   // fatal: returns from the test
//   EXPECT_NO_LOCKDEP_REPORT(statement);
// The expectation holds when `statement` raised at least one report of
// `kind` and no report of another kind. Reports it raised are consumed (they
// do not also fail the test). Reports are attributed by time: one raised by
// another thread while `statement` runs counts as raised by it.
// Remember that lockdep reports each distinct problem once per process: the
// second identical inversion is silent, so give each test its own classes
// (or reset, below).
//
// Isolation. By default lockdep's graph accumulates across the tests of one
// process, which is what finds an inversion whose two halves live in
// different tests. Suites that need isolation opt in to a lockdep::reset()
// before every test: set_reset_between_tests(true), or the environment
// variable LOCKDEP_GTEST_RESET=1. A reset is refused (with a report, failing
// the test that starts) while any thread holds a lock.
// Note: gtest_discover_tests registers each test case as its own ctest run,
// in its own process, so no graph is shared between cases there. lockdep's
// own tests therefore also register every test binary whole
// (`<name>.whole`, tests/CMakeLists.txt); do the same in your project
// (add_test(NAME my_test.whole COMMAND my_test)) to catch split inversions.
//
// With LOCKDEP_ENABLED=0 the macros just run the statement (nothing can be
// checked) and the listener is not installed.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include "lockdep/config.hpp"
#include "lockdep/report.hpp"

LOCKDEP_BEGIN_NAMESPACE
namespace gtest {

#if LOCKDEP_ENABLED
// Install the listener (idempotent; done automatically when lockdep::gtest
// is linked). Call it from main() if your build links it in a way that drops
// unreferenced objects.
void install();
// Opt in (or out) of a lockdep::reset() before each test.
void set_reset_between_tests(bool on);

namespace detail {
// The macros' bodies. No `expected` kind means "no report at all".
::testing::AssertionResult check_reports(const std::function<void()>& statement,
                                         std::optional<report_kind> expected, const char* statement_text);
// Referenced from every including translation unit so a static link keeps
// the listener even without the link option lockdep::gtest also sets.
extern const int listener_anchor;
[[maybe_unused]] __attribute__((used)) static const int* const listener_anchor_ref = &listener_anchor;
}  // namespace detail

#define LOCKDEP_GTEST_CHECK_(statement, expected, on_failure)                                  \
  GTEST_AMBIGUOUS_ELSE_BLOCKER_                                                               \
  if (const ::testing::AssertionResult lockdep_gtest_result_ =                                \
          ::lockdep::gtest::detail::check_reports([&]() { statement; }, expected, #statement)) \
    ;                                                                                         \
  else                                                                                        \
    on_failure(lockdep_gtest_result_.message())

#define EXPECT_LOCKDEP_REPORT(statement, kind) \
  LOCKDEP_GTEST_CHECK_(statement, ::lockdep::report_kind(kind), GTEST_NONFATAL_FAILURE_)
#define ASSERT_LOCKDEP_REPORT(statement, kind) \
  LOCKDEP_GTEST_CHECK_(statement, ::lockdep::report_kind(kind), GTEST_FATAL_FAILURE_)
#define EXPECT_NO_LOCKDEP_REPORT(statement) LOCKDEP_GTEST_CHECK_(statement, std::nullopt, GTEST_NONFATAL_FAILURE_)
#define ASSERT_NO_LOCKDEP_REPORT(statement) LOCKDEP_GTEST_CHECK_(statement, std::nullopt, GTEST_FATAL_FAILURE_)

#else  // !LOCKDEP_ENABLED

inline void install() {}
inline void set_reset_between_tests(bool) {}
#define EXPECT_LOCKDEP_REPORT(statement, kind) \
  do {                                         \
    statement;                                 \
  } while (0)
#define ASSERT_LOCKDEP_REPORT(statement, kind) EXPECT_LOCKDEP_REPORT(statement, kind)
#define EXPECT_NO_LOCKDEP_REPORT(statement) EXPECT_LOCKDEP_REPORT(statement, 0)
#define ASSERT_NO_LOCKDEP_REPORT(statement) EXPECT_LOCKDEP_REPORT(statement, 0)

#endif  // LOCKDEP_ENABLED

}  // namespace gtest
LOCKDEP_END_NAMESPACE

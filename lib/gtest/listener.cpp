// The GoogleTest integration (lockdep/gtest.hpp): a report observer that
// turns lockdep reports into gtest failures, and the expectation macros.
//
// Where a report goes, decided when it is delivered:
//   1. inside an EXPECT_/ASSERT_*LOCKDEP_REPORT statement: into that scope;
//   2. while a test runs: a non-fatal failure of that test (ADD_FAILURE is
//      thread-safe in gtest, so reports from other threads work too);
//   3. otherwise it is "outside any test": kept, and added as an ad-hoc
//      failure of the whole run at the next point where gtest still counts
//      them (program start, environments' teardown, iteration end), which
//      makes RUN_ALL_TESTS return 1. After the last of those points an
//      atexit handler exits with status 1 instead; a report raised even
//      later (an exit handler registered before ours) exits at once.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "core/immortal.hpp"
#include "core/imports.hpp"
#include "lockdep/gtest.hpp"
#include "report/observer.hpp"

// The link option of lockdep::gtest (-Wl,--undefined=lockdep_gtest_link_anchor)
// pulls this object out of the static archive even when no translation unit
// includes lockdep/gtest.hpp.
extern "C" {
extern const int lockdep_gtest_link_anchor;
const int lockdep_gtest_link_anchor = 1;
}

LOCKDEP_BEGIN_NAMESPACE
namespace gtest {
namespace {

struct expect_scope {
  std::vector<report> reports;
};

// A plain std::mutex: lockdep does not instrument it, and the observer runs
// while lockdep delivers (its recursion guard is raised anyway).
struct listener_state {
  std::mutex mu;
  std::vector<expect_scope*> scopes;
  bool in_test = false;
  bool counting_over = false;  // past the last point gtest counts failures
  bool exit_check_done = false;
  bool reset_between = false;
  std::vector<std::string> outside;  // texts of reports outside any test, not yet failed
  std::uint64_t outside_total = 0;
};

listener_state& state() {
  return lockdep::internal::immortal<listener_state>();  // never destroyed: reports may come during exit
}

void write_stderr(const std::string& s) {
  std::fflush(stderr);
  if (::write(2, s.data(), s.size()) < 0) return;
}

// Add the pending outside-test reports as ad-hoc failures of the run.
void fail_outside_reports() {
  listener_state& st = state();
  std::vector<std::string> pending;
  {
    std::lock_guard<std::mutex> g(st.mu);
    pending.swap(st.outside);
  }
  for (const std::string& text : pending)
    ADD_FAILURE() << "lockdep report raised outside any test:\n" << text;
}

// A failure of the running test, located at its TEST() line (not here).
// The report's text is in the output once: lockdep printed it already
// unless print_reports=0, and then it is the failure message.
void fail_current_test(const report& rep) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const char* file = test ? test->file() : nullptr;
  const int line = test ? test->line() : -1;
  const std::string message = get_options().print_reports
                                  ? "lockdep report during this test: " + rep.header + " (printed above)"
                                  : "lockdep report during this test:\n" + rep.text;
  ::testing::internal::AssertHelper(::testing::TestPartResult::kNonFatalFailure, file, line, message.c_str()) =
      ::testing::Message();
}

void observe(const report& rep) {
  if (rep.waived) return;  // counted and listed by lockdep; never a failure
  listener_state& st = state();
  std::unique_lock<std::mutex> g(st.mu);
  if (!st.scopes.empty()) {
    st.scopes.back()->reports.push_back(rep);
    return;
  }
  if (st.in_test) {
    g.unlock();
    fail_current_test(rep);
    return;
  }
  ++st.outside_total;
  if (st.exit_check_done) {
    g.unlock();
    write_stderr("lockdep: report raised after the tests finished; failing the test program:\n" + rep.text);
    std::_Exit(1);
  }
  st.outside.push_back(rep.text);
}

void check_at_exit() {
  lockdep::flush_reports();
  listener_state& st = state();
  std::uint64_t n = 0;
  {
    std::lock_guard<std::mutex> g(st.mu);
    st.exit_check_done = true;
    n = st.outside.size();
  }
  if (n == 0) return;
  write_stderr("lockdep: " + std::to_string(n) +
               " report(s) raised after the tests finished (printed above); failing the test program\n");
  std::_Exit(1);
}

class listener : public ::testing::EmptyTestEventListener {
  void OnTestProgramStart(const ::testing::UnitTest&) override { fail_outside_reports(); }
  void OnTestStart(const ::testing::TestInfo& info) override {
    // Anything raised before belongs to no test. (It is failed later, at a
    // point where no test is current, so it is not pinned on this one.)
    lockdep::flush_reports();
    lockdep::internal::set_recording_test(info.test_suite_name(), info.name());  // graph_store
    listener_state& st = state();
    bool reset = false;
    {
      std::lock_guard<std::mutex> g(st.mu);
      st.in_test = true;
      reset = st.reset_between;
    }
    // Refused with a report (failing this test) while a lock is held.
    if (reset) lockdep::reset();
  }
  void OnTestEnd(const ::testing::TestInfo&) override {
    lockdep::flush_reports();
    lockdep::internal::set_recording_test(nullptr, nullptr);
    listener_state& st = state();
    std::lock_guard<std::mutex> g(st.mu);
    st.in_test = false;
  }
  void OnEnvironmentsTearDownEnd(const ::testing::UnitTest&) override {
    lockdep::flush_reports();
    fail_outside_reports();
  }
  void OnTestIterationEnd(const ::testing::UnitTest&, int) override {
    lockdep::flush_reports();
    fail_outside_reports();
  }
  void OnTestProgramEnd(const ::testing::UnitTest&) override {
    // print_summary=1 prints it at exit instead (once).
    if (!get_options().print_summary) write_stderr(summary_line() + "\n");
  }
};

}  // namespace

void install() {
  static const bool installed = [] {
    listener_state& st = state();
    if (const char* env = std::getenv("LOCKDEP_GTEST_RESET")) st.reset_between = env[0] == '1';
    ::testing::UnitTest::GetInstance()->listeners().Append(new listener());
    const std::uint64_t earlier = internal::set_report_observer(&observe);
    if (earlier > 0) {
      // Delivered before we were listening (static initialisers that ran
      // first): their text is already printed; fail the run for them.
      std::lock_guard<std::mutex> g(st.mu);
      st.outside.push_back(std::to_string(earlier) +
                           " report(s) delivered before lockdep's gtest listener was installed "
                           "(see the reports printed above)");
    }
    std::atexit(&check_at_exit);
    return true;
  }();
  (void)installed;
}

void set_reset_between_tests(bool on) {
  install();
  listener_state& st = state();
  std::lock_guard<std::mutex> g(st.mu);
  st.reset_between = on;
}

namespace detail {

const int listener_anchor = 1;

::testing::AssertionResult check_reports(const std::function<void()>& statement,
                                         std::optional<report_kind> expected, const char* statement_text) {
  install();
  listener_state& st = state();
  expect_scope scope;
  {
    std::lock_guard<std::mutex> g(st.mu);
    st.scopes.push_back(&scope);
  }
  struct pop_scope {
    listener_state& st;
    expect_scope* scope;
    ~pop_scope() {
      lockdep::flush_reports();  // reports queued by signal handlers in the statement
      std::lock_guard<std::mutex> g(st.mu);
      std::erase(st.scopes, scope);
    }
  };
  {
    pop_scope pop{st, &scope};
    statement();
  }
  bool saw_expected = false;
  std::vector<const report*> unexpected;
  for (const report& r : scope.reports) {
    if (expected && r.kind == *expected) saw_expected = true;
    else unexpected.push_back(&r);
  }
  if ((!expected || saw_expected) && unexpected.empty()) return ::testing::AssertionSuccess();
  ::testing::AssertionResult failure = ::testing::AssertionFailure();
  failure << "Statement: " << statement_text << "\n";
  if (expected && !saw_expected)
    failure << "Expected: a lockdep report of kind " << to_string(*expected) << "\n  Actual: "
            << (scope.reports.empty() ? "no lockdep report" : "no report of that kind") << "\n";
  if (!expected) failure << "Expected: no lockdep report\n";
  for (const report* r : unexpected) failure << "Unexpected lockdep report (" << to_string(r->kind) << "):\n" << r->text;
  return failure;
}

}  // namespace detail

namespace {
// Listen from start-up whenever this object is linked.
const bool g_installed_at_startup = (install(), true);
}  // namespace

}  // namespace gtest
LOCKDEP_END_NAMESPACE

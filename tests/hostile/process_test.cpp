// fork(), real signals, thread_local destructors and a reporting callback
// that locks: lockdep keeps working and never deadlocks on itself.
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "core/core.hpp"
#include "hostile_support.hpp"
#include "lockdep/introspect.hpp"

namespace {

using lockdep::report_kind;
using namespace std::chrono_literals;

// Waits for `pid` at most `limit`; kills it and returns -1 on timeout.
int wait_child(pid_t pid, std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(1ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// In a child: an ABBA on fresh classes is reported (through the callback
// the child inherited). Returns the exit code to use.
int child_abba_check(lockdep_test::report_capture& cap) {
  // What is checked here is lockdep's own state after fork, not stack
  // symbolization: a fresh child would parse the binary's debug info again
  // for every report, which under a sanitizer and a loaded CI machine can
  // take longer than the child's time limit.
  lockdep::options o = lockdep::get_options();
  o.stacktrace = false;
  lockdep::set_options(o);
  if (!lockdep::reset()) return 2;  // refused: a dead thread's locks still "held"
  cap.clear();
  lockdep::lock_map a{"child_a"};
  lockdep::lock_map b{"child_b"};
  hostile::run_abba(a, b);
  return cap.count(report_kind::circular_dependency) == 1 ? 0 : 3;
}

// In a child forked while another thread works: lockdep's own locks are
// usable although the fork may have interrupted their holder, and an ABBA on
// fresh classes is found. Nothing here may allocate: the other thread may
// have held the allocator's lock at the fork (GCC 12's libasan allocator is
// not fork-safe), which is not lockdep's to fix. So the ABBA runs inside a
// signal_handler_scope, where a report is queued rather than delivered
// (delivering builds and formats it, which allocates), and the child exits
// from inside it, with the verdict.
[[noreturn]] void child_finds_abba_without_allocating() {
  if (!lockdep::reset()) _exit(2);  // refused: a dead thread's locks still "held"
  static lockdep::lock_class_key key_a{"child_a"};
  static lockdep::lock_class_key key_b{"child_b"};
  // Spinning locks: sleeping ones in a handler would be a wait-context report.
  lockdep::lock_map a{key_a, lockdep::wait_type::spin};
  lockdep::lock_map b{key_b, lockdep::wait_type::spin};
  lockdep::signal_handler_scope reports_queued_only;
  if (lockdep::internal::reports_in_flight()) _exit(4);
  hostile::run_abba(a, b);
  _exit(lockdep::internal::reports_in_flight() ? 0 : 3);
}

// Another thread that holds `m` from construction until destruction.
class holder_thread {
 public:
  explicit holder_thread(lockdep::lock_map& m)
      : thread_([this, &m] {
          lockdep::lock_acquire(m);
          phase_ = 1;
          while (phase_ != 2) std::this_thread::sleep_for(1ms);
          lockdep::lock_release(m);
        }) {
    while (phase_ != 1) std::this_thread::sleep_for(1ms);
  }
  ~holder_thread() {
    phase_ = 2;
    thread_.join();
  }

 private:
  std::atomic<int> phase_{0};
  std::thread thread_;
};

TEST(HostileProcess, ForkWhileAnotherThreadHoldsLocksIsReportedAndTheChildWorks) {
  lockdep_test::report_capture cap;
  lockdep::options o = lockdep::get_options();
  o.report_held_at_fork = true;
  lockdep::set_options(o);
  lockdep::lock_map held_elsewhere{"held_across_fork"};
  std::optional<holder_thread> holder(std::in_place, held_elsewhere);
  const pid_t pid = fork();
  if (pid == 0) _exit(child_abba_check(cap));
  holder.reset();
  EXPECT_EQ(wait_child(pid), 0);
  EXPECT_EQ(cap.count(report_kind::bad_lock_usage), 1u);
  o.report_held_at_fork = false;
  lockdep::set_options(o);
  hostile::expect_abba_still_detected(cap);
}

TEST(HostileProcess, ForkDuringConstantColdPathWorkNeverDeadlocksTheChild) {
  lockdep_test::report_capture cap;
  std::atomic<bool> stop{false};
  lockdep::lock_map outer{"churn_outer"};
  std::thread churn([&] {
    // New classes and chains all the time: the graph lock is taken and
    // released thousands of times a second, so forks land inside it.
    while (!stop) {
      lockdep::scoped_key key{"churn_key"};
      lockdep::lock_map m{key.get()};
      lockdep::lock_acquire(outer);
      lockdep::lock_acquire(m);
      lockdep::lock_release(m);
      lockdep::lock_release(outer);
    }
  });
  const char* scale = std::getenv("LOCKDEP_TEST_SCALE");
  const int forks = scale && std::string(scale) == "small" ? 8 : 40;  // fork is slow under TSan
  int failed_fork = -1, status = 0;
  for (int i = 0; i < forks && failed_fork < 0; ++i) {
    const pid_t pid = fork();
    if (pid == 0) child_finds_abba_without_allocating();
    if ((status = wait_child(pid)) != 0) failed_fork = i;
  }
  stop = true;
  churn.join();
  EXPECT_EQ(failed_fork, -1) << "child exit " << status << " (-1: hung)";
  EXPECT_EQ(cap.count(), 0u);
  hostile::expect_abba_still_detected(cap);
}

// The child has one thread: the parent's other threads are not listed in it
// (show_all_locks, the hung watchdog), their held and waited-on locks gone.
TEST(HostileProcess, TheChildListsOnlyItsOwnThread) {
  lockdep_test::report_capture cap;
  lockdep::lock_map ghost{"ghost_mu"};
  std::optional<holder_thread> holder(std::in_place, ghost);
  ASSERT_NE(lockdep::all_locks_text().find("ghost_mu"), std::string::npos);  // the parent lists it
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string text = lockdep::all_locks_text();
    _exit(text.find("ghost_mu") == std::string::npos && text.find("1 lock") == std::string::npos ? 0 : 3);
  }
  holder.reset();
  EXPECT_EQ(wait_child(pid), 0);
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

// ---- signals -------------------------------------------------------------------

lockdep::lock_map* g_signal_lock = nullptr;
std::atomic<int> g_handled{0};

void on_signal(int) {
  lockdep::signal_handler_scope scope;
  lockdep::lock_acquire(*g_signal_lock);
  lockdep::lock_release(*g_signal_lock);
  g_handled.fetch_add(1, std::memory_order_relaxed);
}

struct signal_handler_installed {
  struct sigaction old {};
  explicit signal_handler_installed(lockdep::lock_map& m) {
    g_signal_lock = &m;
    g_handled = 0;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, &old);
  }
  ~signal_handler_installed() { sigaction(SIGUSR1, &old, nullptr); }
};

TEST(HostileSignals, AReportRaisedInARealHandlerIsDeliveredAfterIt) {
  lockdep_test::report_capture cap;
  lockdep::lock_map m{"taken_in_handler", lockdep::wait_type::spin};
  signal_handler_installed installed{m};
  lockdep::lock_acquire(m);  // with "irqs" (signals) enabled: HARDIRQ-ON-W
  lockdep::lock_release(m);
  raise(SIGUSR1);  // the handler takes it in "hardirq" context: IN-HARDIRQ-W
  EXPECT_EQ(g_handled.load(), 1);
  ASSERT_EQ(cap.count(report_kind::inconsistent_lock_state), 1u);
  EXPECT_EQ(cap.first().classes.at(0).name, "taken_in_handler");
  hostile::expect_abba_still_detected(cap);
}

TEST(HostileSignals, SignalStormDuringColdPathWorkNeitherDeadlocksNorReports) {
  lockdep_test::report_capture cap;
  lockdep::lock_map in_handler{"storm_handler_lock", lockdep::wait_type::spin};
  signal_handler_installed installed{in_handler};
  std::atomic<bool> stop{false};
  std::atomic<bool> ready{false};
  std::vector<std::unique_ptr<lockdep::lock_map>> maps;
  static const char* const names[] = {"storm0", "storm1", "storm2", "storm3", "storm4", "storm5",
                                       "storm6", "storm7", "storm8", "storm9", "storm10", "storm11"};
  for (const char* name : names) maps.push_back(std::make_unique<lockdep::lock_map>(name));
  std::thread worker([&] {
    ready = true;
    unsigned n = 0;
    while (!stop) {
      // Ordered by index (no inversion), varying pairs: chain-cache misses.
      const unsigned i = n % 12, j = (n / 12) % 12;
      ++n;
      if (i >= j) continue;
      lockdep::lock_acquire(*maps[i]);
      lockdep::lock_acquire(*maps[j]);
      lockdep::lock_release(*maps[j]);
      lockdep::lock_release(*maps[i]);
      if (n % 1000 == 0) {
        lockdep::scoped_key key{"storm_dynamic"};
        lockdep::lock_map d{key.get()};
        lockdep::lock_acquire(d);
        lockdep::lock_release(d);
      }
    }
  });
  while (!ready) std::this_thread::yield();
  const auto until = std::chrono::steady_clock::now() + 1s;
  int sent = 0;
  while (std::chrono::steady_clock::now() < until) {
    pthread_kill(worker.native_handle(), SIGUSR1);
    ++sent;
    std::this_thread::sleep_for(200us);
  }
  stop = true;
  worker.join();
  EXPECT_GT(g_handled.load(), 0);
  for (const auto& r : cap.reports()) ADD_FAILURE() << r.text;
  hostile::expect_abba_still_detected(cap);
}

// A thread's first lockdep call may be the handler's: its state is created
// inside the handler. Signals also keep arriving while threads exit (state
// teardown) and while other threads are created (the thread list is locked):
// nothing may deadlock, nothing is reported, later reports still work.
TEST(HostileSignals, FirstLockdepCallInAHandlerAndSignalsDuringThreadExit) {
  lockdep_test::report_capture cap;
  lockdep::lock_map in_handler{"first_call_handler_lock", lockdep::wait_type::spin};
  signal_handler_installed installed{in_handler};
  constexpr int k_rounds = 60;
  for (int round = 0; round < k_rounds; ++round) {
    const int before = g_handled.load();
    std::thread t([before] {
      // No lockdep call before the handler's.
      while (g_handled.load() == before) std::this_thread::yield();
    });
    // Until the handler has run once, then a few more while the thread exits.
    while (g_handled.load() == before) {
      pthread_kill(t.native_handle(), SIGUSR1);
      std::this_thread::sleep_for(100us);
    }
    for (int k = 0; k < 20; ++k) pthread_kill(t.native_handle(), SIGUSR1);
    t.join();
  }
  EXPECT_GE(g_handled.load(), k_rounds);
  for (const auto& r : cap.reports()) ADD_FAILURE() << r.text;
  hostile::expect_abba_still_detected(cap);
}

// A handler that constructs a lock, interrupting its thread in the middle of
// constructing one (inside lockdep's key interner): no self-deadlock.
std::atomic<int> g_constructed_in_handler{0};
void construct_in_handler(int) {
  lockdep::signal_handler_scope scope;  // no allocation in here, and the class is the handler's
  lockdep::lock_map m{"constructed_in_handler"};
  g_constructed_in_handler.fetch_add(1, std::memory_order_relaxed);
}

TEST(HostileSignals, ALockConstructedInAHandlerDuringALockConstruction) {
  lockdep_test::report_capture cap;
  struct sigaction sa {}, old {};
  sa.sa_handler = construct_in_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ASSERT_EQ(sigaction(SIGUSR2, &sa, &old), 0);
  std::atomic<bool> stop{false};
  std::thread constructor([&] {
    while (!stop) lockdep::lock_map local{"constructed_in_loop"};
  });
  for (int i = 0; i < 3000; ++i) {
    pthread_kill(constructor.native_handle(), SIGUSR2);
    std::this_thread::sleep_for(20us);
  }
  stop = true;
  constructor.join();
  sigaction(SIGUSR2, &old, nullptr);
  EXPECT_GT(g_constructed_in_handler.load(), 0);
  for (const auto& r : cap.reports()) ADD_FAILURE() << r.text;
  hostile::expect_abba_still_detected(cap);
}

// ---- thread_local destructors and re-entry -------------------------------------------

struct locks_at_thread_exit {
  lockdep::mutex* first;
  lockdep::mutex* second;
  ~locks_at_thread_exit() {
    std::lock_guard<lockdep::mutex> g1(*first);
    std::lock_guard<lockdep::mutex> g2(*second);
  }
};

TEST(HostileThreads, LockingFromAThreadLocalDestructorIsTracked) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"tls_dtor_a"};
  lockdep::mutex b{"tls_dtor_b"};
  std::thread([&] {
    thread_local locks_at_thread_exit t{&a, &b};
    (void)t;
  }).join();
  EXPECT_EQ(cap.count(), 0u);
  {
    std::lock_guard<lockdep::mutex> g1(b);
    std::lock_guard<lockdep::mutex> g2(a);  // inverse of the destructor's order
  }
  EXPECT_EQ(cap.count(report_kind::circular_dependency), 1u);
}

// A callback that throws (a test framework's failure macro may) costs that
// one report, said on stderr; the program and lockdep go on.
TEST(HostileThreads, ACallbackThatThrowsDoesNotTerminateTheProgram) {
  lockdep_test::report_capture cap;
  auto previous = lockdep::set_report_callback([](const lockdep::report&) {
    throw std::runtime_error("callback boom");
  });
  lockdep::lock_map a{"throwing_cb_a"};
  lockdep::lock_map b{"throwing_cb_b"};
  testing::internal::CaptureStderr();
  hostile::run_abba(a, b);
  lockdep::flush_reports();
  const std::string err = testing::internal::GetCapturedStderr();
  lockdep::set_report_callback(previous);
  EXPECT_NE(err.find("lockdep: delivering a report failed: callback boom"), std::string::npos) << err;
  hostile::expect_abba_still_detected(cap);
}

TEST(HostileThreads, ACallbackThatLocksDoesNotReenterTheValidator) {
  lockdep_test::report_capture cap;
  lockdep::mutex callback_lock{"callback_lock"};
  std::atomic<int> calls{0};
  auto previous = lockdep::set_report_callback([&](const lockdep::report&) {
    std::lock_guard<lockdep::mutex> g(callback_lock);  // lockdep-instrumented, inside delivery
    calls.fetch_add(1);
  });
  lockdep::lock_map a{"reenter_a"};
  lockdep::lock_map b{"reenter_b"};
  hostile::run_abba(a, b);
  lockdep::set_report_callback(previous);
  EXPECT_EQ(calls.load(), 1);
  lockdep::assert_none_held();
  EXPECT_EQ(cap.count(), 0u);
  hostile::expect_abba_still_detected(cap);
}

}  // namespace

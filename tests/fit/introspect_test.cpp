// lockdep/introspect.hpp: the /proc-style dumps, the DOT export, held locks
// of every thread, the hung-wait watchdog and the show-locks signal.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fit_util.hpp"
#include "lockdep/introspect.hpp"
#include "lockdep/lockdep.hpp"
#include "support/report_capture.hpp"

namespace {

using namespace std::chrono_literals;

bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

// The line of `text` that contains `what` (empty if none).
std::string line_with(const std::string& text, const std::string& what) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (contains(line, what)) return line;
  return {};
}

using fit_test::read_file;

// Sends reports and all-locks output to a fresh file for the test's life.
class log_to_file {
 public:
  log_to_file() : saved_(lockdep::get_options()) {
    char dir[] = "/tmp/lockdep_introspect_XXXXXX";
    if (mkdtemp(dir)) {
      dir_ = dir;
      base_ = dir_ + "/out";
    }
    lockdep::options o = saved_;
    o.log_path = base_;
    lockdep::set_options(o);
  }
  ~log_to_file() {
    lockdep::set_options(saved_);
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string text() const { return read_file(base_ + "." + std::to_string(getpid())); }
  // Poll up to `limit` for `what` to appear.
  bool wait_for(const std::string& what, std::chrono::milliseconds limit) const {
    for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
      if (contains(text(), what)) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

 private:
  lockdep::options saved_;
  std::string dir_, base_;
};

TEST(Introspect, DumpClassesShowsUsageCountsAndDirectDependencies) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"ic_a"};
  lockdep::mutex b{"ic_b"};
  lockdep::mutex c{"ic_c"};
  {
    std::lock_guard ga(a);
    std::lock_guard gb(b);
    std::lock_guard gc(c);
  }
  const std::string dump = lockdep::dump_classes();
  const std::string a_line = line_with(dump, ": ic_a");
  ASSERT_FALSE(a_line.empty()) << dump;
  EXPECT_TRUE(contains(a_line, "FD:    3 BD:    1 +.+.")) << a_line;  // reaches b, c (and itself)
  EXPECT_TRUE(contains(line_with(dump, ": ic_c"), "FD:    1 BD:    3")) << dump;
  // a depends directly on b only (c was taken with b in between).
  const std::size_t at = dump.find(a_line);
  const std::string a_block = dump.substr(at, dump.find("\n\n", at) - at);
  EXPECT_TRUE(contains(a_block, "] ic_b")) << a_block;
  EXPECT_FALSE(contains(a_block, "] ic_c")) << a_block;
  EXPECT_EQ(cap.count(), 0u);
}

TEST(Introspect, DumpChainsListsValidatedChains) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"ch_a"};
  lockdep::mutex b{"ch_b"};
  {
    std::lock_guard ga(a);
    std::lock_guard gb(b);
  }
  const std::string dump = lockdep::dump_chains();
  // One chain per validated sequence: {ch_a} and {ch_a, ch_b}, outer first.
  bool a_alone = false, a_then_b = false;
  for (std::size_t start = 0; start < dump.size();) {
    std::size_t end = dump.find("\n\n", start);
    if (end == std::string::npos) end = dump.size();
    const std::string block = dump.substr(start, end - start) + "\n";
    const std::size_t pa = block.find("] ch_a\n"), pb = block.find("] ch_b\n");
    if (contains(block, "irq_context: 0") && pa != std::string::npos) {
      if (pb == std::string::npos) a_alone = true;
      else if (pa < pb) a_then_b = true;
    }
    start = end + 2;
  }
  EXPECT_TRUE(a_alone) << dump;
  EXPECT_TRUE(a_then_b) << dump;
}

TEST(Introspect, DumpStatsMatchesTheCounters) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"st_a"};
  lockdep::mutex b{"st_b"};
  {
    std::lock_guard ga(a);
    std::lock_guard gb(b);
  }
  const std::string dump = lockdep::dump_stats();
  const lockdep::statistics s = lockdep::get_statistics();
  const std::string classes = line_with(dump, "lock-classes:");
  EXPECT_TRUE(contains(classes, " " + std::to_string(s.classes) + " [max: " + std::to_string(s.max_classes) + "]"))
      << dump;
  EXPECT_TRUE(contains(dump, "debug_locks:")) << dump;
}

TEST(Introspect, GraphDotHighlightsReportedCycles) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"dot_a"};
  lockdep::mutex b{"dot_b"};
  lockdep::mutex calm{"dot_calm"};
  {
    std::lock_guard ga(a);
    std::lock_guard gb(b);
    std::lock_guard gc(calm);
  }
  std::string dot = lockdep::graph_dot();
  EXPECT_TRUE(contains(dot, "digraph lockdep {")) << dot;
  EXPECT_FALSE(contains(line_with(dot, "dot_a\\n"), "color=red")) << dot;
  EXPECT_TRUE(contains(dot, "label=\"EN\"")) << dot;
  {
    std::lock_guard gb(b);
    std::lock_guard ga(a);
  }
  ASSERT_EQ(cap.count(lockdep::report_kind::circular_dependency), 1u);
  dot = lockdep::graph_dot();
  EXPECT_TRUE(contains(line_with(dot, "dot_a\\n"), "color=red")) << dot;
  EXPECT_TRUE(contains(line_with(dot, "dot_b\\n"), "color=red")) << dot;
  EXPECT_FALSE(contains(line_with(dot, "dot_calm\\n"), "color=red")) << dot;
}

TEST(Introspect, AllLocksShowsHeldAndBlockedOn) {
  lockdep_test::report_capture cap;
  lockdep::set_wait_tracking(true);
  lockdep::mutex outer{"al_outer"};
  lockdep::mutex wanted{"al_wanted"};
  std::unique_lock hold_wanted(wanted);
  std::atomic<bool> holding{false};
  std::thread waiter([&] {
    std::lock_guard g(outer);
    holding = true;
    std::lock_guard h(wanted);  // blocks until the main thread lets go
  });
  while (!holding) std::this_thread::sleep_for(1ms);
  std::string text;
  for (int i = 0; i < 2000 && !contains(text, "blocked on:"); ++i) {  // up to 10 s on a busy machine
    std::this_thread::sleep_for(5ms);
    text = lockdep::all_locks_text();
  }
  hold_wanted.unlock();
  waiter.join();
  lockdep::set_wait_tracking(false);
  EXPECT_TRUE(contains(text, "1 lock held by")) << text;
  EXPECT_TRUE(contains(text, "(al_outer)")) << text;
  EXPECT_TRUE(contains(line_with(text, "blocked on:"), "(al_wanted)")) << text;
  // The waiter lists the lock it waits for too: lockdep records an
  // acquisition before it blocks, as the kernel does.
  EXPECT_TRUE(contains(text, "2 locks held by")) << text;
  // Our own lock, with where we took it (other threads' `at:` is theirs alone).
  const std::size_t ours = text.find("1 lock held by");
  ASSERT_NE(ours, std::string::npos) << text;
  EXPECT_TRUE(contains(line_with(text.substr(ours), "(al_wanted){"), "at: ")) << text;
  EXPECT_EQ(cap.count(), 0u);
}

TEST(Introspect, HungTimeoutWatchdogReportsLongWaits) {
  lockdep_test::report_capture cap;
  log_to_file log;
  ASSERT_TRUE(lockdep::parse_options("hung_timeout=1"));
  lockdep::mutex slow{"hung_slow"};
  std::unique_lock hold(slow);
  std::thread waiter([&] { std::lock_guard g(slow); });
  const bool seen = log.wait_for("blocked for more than 1 seconds", 6s);
  hold.unlock();
  waiter.join();
  ASSERT_TRUE(lockdep::parse_options("hung_timeout=0"));
  EXPECT_TRUE(seen) << log.text();
  EXPECT_TRUE(contains(line_with(log.text(), "blocked on:"), "(hung_slow)")) << log.text();
}

// A fork()ed child has no watchdog thread of its own at first: the first
// wait starts one, so a hang in the child is still reported.
TEST(Introspect, HungTimeoutWatchdogWorksInAForkedChild) {
  lockdep_test::report_capture cap;
  log_to_file log;
  ASSERT_TRUE(lockdep::parse_options("hung_timeout=1"));
  const pid_t pid = fork();
  if (pid == 0) {
    lockdep::mutex slow{"hung_in_child"};
    std::unique_lock hold(slow);
    std::thread waiter([&] { std::lock_guard g(slow); });
    const bool seen = log.wait_for("blocked for more than 1 seconds", 6s);
    hold.unlock();
    waiter.join();
    _exit(seen && contains(log.text(), "(hung_in_child)") ? 0 : 3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(lockdep::parse_options("hung_timeout=0"));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(Introspect, SignalShowsAllLocks) {
  lockdep_test::report_capture cap;
  log_to_file log;
  ASSERT_TRUE(lockdep::parse_options("show_locks_signal=" + std::to_string(SIGUSR1)));
  lockdep::mutex held{"sig_held"};
  std::lock_guard g(held);
  std::raise(SIGUSR1);
  const bool seen = log.wait_for("(sig_held)", 5s);
  ASSERT_TRUE(lockdep::parse_options("show_locks_signal=0"));
  EXPECT_TRUE(seen) << log.text();
  EXPECT_TRUE(contains(log.text(), "signal " + std::to_string(SIGUSR1) + ": showing all locks")) << log.text();
}

// The numbers of a lock_stat row `name:` (12 columns), or empty.
std::vector<double> stat_row(const std::string& table, const std::string& label) {
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);) {
    const std::size_t colon = line.find(label + ":");
    if (colon == std::string::npos || line.find_first_not_of(' ') != colon) continue;
    std::istringstream nums(line.substr(colon + label.size() + 1));
    std::vector<double> v;
    for (double x; nums >> x;) v.push_back(x);
    return v;
  }
  return {};
}
enum stat_col { con_bounces, contentions, wait_min, wait_max, wait_total, wait_avg, acq_bounces, acquisitions,
                hold_min, hold_max, hold_total, hold_avg };

TEST(LockStat, CountsAcquisitionsHoldTimesAndContentions) {
  lockdep_test::report_capture cap;
  lockdep::set_lock_stat(true);
  lockdep::clear_lock_stat();
  lockdep::mutex held{"ls_held"};
  for (int i = 0; i < 3; ++i) {
    std::lock_guard g(held);
    std::this_thread::sleep_for(2ms);
  }
  lockdep::mutex contended{"ls_contended"};
  std::unique_lock hold(contended);
  std::atomic<bool> started{false};
  std::thread waiter([&] {
    started = true;
    std::lock_guard g(contended);
  });
  while (!started) std::this_thread::sleep_for(1ms);
  // Let go only once the waiter really waits (lock_stat turns wait tracking on).
  for (int i = 0; i < 2000 && !contains(lockdep::all_locks_text(), "blocked on:"); ++i)
    std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(1ms);
  hold.unlock();
  waiter.join();
  lockdep::set_lock_stat(false);
  { std::lock_guard g(held); }  // not counted: lock_stat is off again

  const std::string table = lockdep::lock_stat_text();
  EXPECT_TRUE(contains(table, "lock_stat version 0.4")) << table;
  EXPECT_TRUE(contains(table, "class name    con-bounces    contentions")) << table;
  const std::vector<double> h = stat_row(table, "ls_held");
  ASSERT_EQ(h.size(), 12u) << table;
  EXPECT_EQ(h[acquisitions], 3);
  EXPECT_EQ(h[contentions], 0);
  EXPECT_GE(h[hold_min], 2000.0) << "held >= 2 ms each, in us";
  EXPECT_GE(h[hold_total], 6000.0);
  const std::vector<double> c = stat_row(table, "ls_contended");
  ASSERT_EQ(c.size(), 12u) << table;
  EXPECT_EQ(c[contentions], 1);
  EXPECT_EQ(c[acquisitions], 2);
  EXPECT_GT(c[wait_max], 0.0);
  // Sorted by contentions, and the waiting call site is listed.
  EXPECT_LT(table.find("ls_contended:"), table.find("ls_held:")) << table;
  const std::string point = line_with(table.substr(table.find("ls_contended:") + 1), "ls_contended ");
  EXPECT_TRUE(contains(point, "[<")) << table;
  EXPECT_EQ(cap.count(), 0u);
}

TEST(LockStat, ReadAndWriteRowsApart) {
  lockdep_test::report_capture cap;
  lockdep::set_lock_stat(true);
  lockdep::clear_lock_stat();
  lockdep::shared_mutex rw{"ls_rw"};
  { std::shared_lock r(rw); }
  { std::shared_lock r(rw); }
  { std::lock_guard w(rw); }
  lockdep::set_lock_stat(false);
  const std::string table = lockdep::lock_stat_text();
  const std::vector<double> r = stat_row(table, "ls_rw-R"), w = stat_row(table, "ls_rw-W");
  ASSERT_EQ(r.size(), 12u) << table;
  ASSERT_EQ(w.size(), 12u) << table;
  EXPECT_EQ(r[acquisitions], 2);
  EXPECT_EQ(w[acquisitions], 1);
}

}  // namespace

// Oracle test: random programs run on lockdep and on the reference model
// (model.hpp) in lockstep; after every step the reports lockdep delivered
// must be exactly the ones the model predicts (kind + classes).
//
// A program: a few classes (annotation-API lock_maps with random wait
// types, no real locks), a few simulated threads and a random sequence of
// acquire / trylock / read / release (in or out of order) / irq and bh
// enable-disable / softirq and hardirq entry-exit, valid by construction,
// ending with every thread back in process context holding nothing.
//
// Each simulated thread is a real OS thread (lockdep's state is per
// thread). Exactly one of them runs at a time: the thread holding the token
// draws the next step from the shared generator, executes it if it is its
// own, or hands the token to the step's thread. So a program is a pure
// function of its seed: a failure prints the seed, and
//   LOCKDEP_ORACLE_SEED=<seed> ./oracle_test
// replays that program alone, printing every step.
// LOCKDEP_TEST_SCALE=small runs fewer programs (sanitizer builds).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "model.hpp"
#include "support/report_capture.hpp"

namespace {

using lockdep::report_kind;

constexpr int k_threads = 4;
constexpr int k_max_depth = 6;
constexpr int k_main = -1, k_stop = -2;

lockdep::lock_class_key g_keys[oracle::k_max_classes] = {
    lockdep::lock_class_key{"c0"},  lockdep::lock_class_key{"c1"},  lockdep::lock_class_key{"c2"},
    lockdep::lock_class_key{"c3"},  lockdep::lock_class_key{"c4"},  lockdep::lock_class_key{"c5"},
    lockdep::lock_class_key{"c6"},  lockdep::lock_class_key{"c7"},  lockdep::lock_class_key{"c8"},
    lockdep::lock_class_key{"c9"},  lockdep::lock_class_key{"c10"}, lockdep::lock_class_key{"c11"},
    lockdep::lock_class_key{"c12"}, lockdep::lock_class_key{"c13"}, lockdep::lock_class_key{"c14"},
    lockdep::lock_class_key{"c15"}};

int class_index(const lockdep::class_info& ci) {
  if (ci.name.size() < 2 || ci.name[0] != 'c') return -1;
  return std::atoi(ci.name.c_str() + 1);
}

enum op_kind { op_acquire, op_release, op_irq_off, op_irq_on, op_bh_off, op_bh_on, op_soft_in, op_hard_in, op_ctx_out };

struct op {
  int thread = 0;
  op_kind kind = op_acquire;
  int map = 0, read = 0;
  bool trylock = false;
  std::string describe() const {
    static const char* names[] = {"acquire", "release", "irq_disable", "irq_enable", "bh_disable",
                                  "bh_enable", "softirq_enter", "hardirq_enter", "ctx_exit"};
    std::ostringstream s;
    s << "T" << thread << " " << names[kind];
    if (kind == op_acquire) s << " m" << map << " read=" << read << (trylock ? " trylock" : "");
    if (kind == op_release) s << " m" << map;
    return s.str();
  }
};

struct program {
  std::uint64_t seed = 0;
  std::mt19937_64 rng;
  int nthreads = 0, steps_left = 0, step = 0;
  bool verbose = false;
  oracle::model m;
  oracle::model_thread t[k_threads];
  std::vector<std::unique_ptr<lockdep::lock_map>> maps;
  std::string failure;

  int pick(int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return pick(100) < percent; }

  // Build the classes and maps (in the main thread, before any step).
  void setup() {
    rng.seed(seed);
    nthreads = 2 + pick(k_threads - 1);
    m.nclasses = 3 + pick(6);
    const int nmaps = m.nclasses + pick(3);
    steps_left = 40 + pick(400);
    for (int c = 0; c < m.nclasses; ++c) {
      static const int inner_weights[] = {0, 1, 2, 2, 3, 3, 3, 3};
      m.inner[c] = inner_weights[pick(8)];
      m.outer[c] = chance(20) ? pick(4) : 0;
    }
    for (int i = 0; i < nmaps; ++i) {
      const int c = i < m.nclasses ? i : pick(m.nclasses);
      m.map_class.push_back(c);
      maps.push_back(std::make_unique<lockdep::lock_map>(g_keys[c], static_cast<lockdep::wait_type>(m.inner[c]),
                                                         static_cast<lockdep::wait_type>(m.outer[c])));
    }
  }

  // The next valid step, or nullopt when the program has ended.
  std::optional<op> next() {
    if (steps_left > 0 && failure.empty()) {
      --steps_left;
      for (;;) {
        op o;
        o.thread = pick(nthreads);
        const oracle::model_thread& th = t[o.thread];
        const int in_ctx = static_cast<int>(th.held.size()) - th.context_base();
        const int r = pick(100);
        if (r < 42) {
          if (static_cast<int>(th.held.size()) >= k_max_depth) continue;
          o.kind = op_acquire;
          o.map = pick(static_cast<int>(maps.size()));
          const int rm = pick(20);
          o.read = rm < 12 ? 0 : rm < 15 ? 1 : 2;
          o.trylock = chance(15);
          return o;
        }
        if (r < 80) {
          if (!in_ctx) continue;
          o.kind = op_release;
          const int idx = chance(70) ? static_cast<int>(th.held.size()) - 1
                                     : th.context_base() + pick(in_ctx);
          o.map = th.held[idx].map;
          return o;
        }
        if (r < 86) {
          if (th.hardirq_depth) continue;
          o.kind = th.hardirqs_on ? op_irq_off : op_irq_on;
          return o;
        }
        if (r < 91) {
          if (th.bh >= 2 || (th.bh && chance(60))) {
            o.kind = op_bh_on;
          } else {
            o.kind = op_bh_off;
          }
          return o;
        }
        if (th.frames.size() < 2 && chance(50)) {
          if (th.ctx_type == 0 && chance(50)) {
            o.kind = op_soft_in;
            return o;
          }
          if (th.hardirqs_on || th.hardirq_depth) {
            o.kind = op_hard_in;
            return o;
          }
          continue;
        }
        if (th.frames.empty() || in_ctx) continue;
        o.kind = op_ctx_out;
        return o;
      }
    }
    // Wind down: every thread releases, leaves its contexts, re-enables.
    for (int i = 0; i < nthreads; ++i) {
      const oracle::model_thread& th = t[i];
      op o;
      o.thread = i;
      if (static_cast<int>(th.held.size()) > th.context_base()) {
        o.kind = op_release;
        o.map = th.held.back().map;
      } else if (!th.frames.empty()) {
        o.kind = op_ctx_out;
      } else if (th.bh) {
        o.kind = op_bh_on;
      } else if (!th.hardirqs_on) {
        o.kind = op_irq_on;
      } else {
        continue;
      }
      return o;
    }
    return std::nullopt;
  }

  // Run `o` on lockdep (this is o.thread's OS thread) and on the model.
  void execute(const op& o) {
    oracle::model_thread& th = t[o.thread];
    lockdep::lock_map& map = *maps[o.map];
    switch (o.kind) {
      case op_acquire:
        lockdep::lock_acquire(map, static_cast<lockdep::read_mode>(o.read), o.trylock);
        m.acquire(th, o.map, o.read, o.trylock);
        break;
      case op_release:
        if (!lockdep::lock_release(map)) failure = "lock_release refused a held lock";
        m.release(th, o.map);
        break;
      case op_irq_off: lockdep::local_irq_disable(); m.irq_disable(th); break;
      case op_irq_on: lockdep::local_irq_enable(); m.irq_enable(th); break;
      case op_bh_off: lockdep::local_bh_disable(); m.bh_disable(th); break;
      case op_bh_on: lockdep::local_bh_enable(); m.bh_enable(th); break;
      case op_soft_in: lockdep::softirq_enter(); m.enter(th, 1); break;
      case op_hard_in: lockdep::hardirq_enter(); m.enter(th, 2); break;
      case op_ctx_out:
        if (th.ctx_type == 2) lockdep::hardirq_exit();
        else lockdep::softirq_exit();
        m.exit(th);
        break;
    }
  }

  // Compare the reports of one step with the model's expectations.
  void compare(const op& o, const std::vector<lockdep::report>& got) {
    std::vector<bool> used(m.expected.size(), false);
    std::ostringstream err;
    for (const lockdep::report& r : got) {
      int c[4] = {-1, -1, -1, -1};
      for (std::size_t i = 0; i < r.classes.size() && i < 4; ++i) c[i] = class_index(r.classes[i]);
      bool matched = false;
      for (std::size_t i = 0; i < m.expected.size() && !matched; ++i) {
        const oracle::expectation& e = m.expected[i];
        if (used[i] || e.kind != r.kind || e.c0 != c[0]) continue;
        if (e.c1 >= 0 && e.c1 != c[1]) continue;
        if (e.allowed1 && (c[1] < 0 || !(e.allowed1 & oracle::bit(c[1])))) continue;
        if (e.allowed2 && (c[2] < 0 || !(e.allowed2 & oracle::bit(c[2])))) continue;
        if (e.allowed3 && (c[3] < 0 || !(e.allowed3 & oracle::bit(c[3])))) continue;
        // The irq state of a safe->unsafe report is only in its banner.
        if (e.kind == report_kind::irq_safe_to_unsafe && e.state != (r.header.find("SOFTIRQ") != std::string::npos))
          continue;
        used[i] = matched = true;
        if (e.kind == report_kind::irq_safe_to_unsafe) m.reported_safe_unsafe.insert({c[2], c[3], e.state});
      }
      if (!matched) {
        err << "  unexpected report: " << lockdep::to_string(r.kind);
        for (int i = 0; i < 4; ++i)
          if (c[i] >= 0) err << " c" << c[i];
        err << "\n" << r.text << "\n";
      }
    }
    for (std::size_t i = 0; i < m.expected.size(); ++i) {
      const oracle::expectation& e = m.expected[i];
      if (used[i]) continue;
      if (e.kind == report_kind::irq_safe_to_unsafe) {
        bool reported_before = false;
        for (auto [x, y, st] : m.reported_safe_unsafe)
          reported_before |= st == e.state && (e.allowed2 & oracle::bit(x)) && (e.allowed3 & oracle::bit(y));
        if (reported_before) continue;
      }
      err << "  missed report: " << lockdep::to_string(e.kind) << " c" << e.c0;
      if (e.c1 >= 0) err << " c" << e.c1;
      err << " (" << e.why << ")\n";
    }
    if (verbose) {
      std::fprintf(stderr, "step %d: %s (suppressed so far %llu)\n", step, o.describe().c_str(),
                   static_cast<unsigned long long>(lockdep::get_statistics().suppressed));
      for (const lockdep::report& r : got) {
        std::fprintf(stderr, "    got %s", std::string(lockdep::to_string(r.kind)).c_str());
        for (const auto& ci : r.classes) std::fprintf(stderr, " %s", ci.name.c_str());
        std::fprintf(stderr, " [%s]", r.header.c_str());
        std::fprintf(stderr, "\n");
      }
      for (const oracle::expectation& e : m.expected)
        std::fprintf(stderr, "    expected %s c%d c%d (%s) sets %x %x %x state %d\n",
                     std::string(lockdep::to_string(e.kind)).c_str(), e.c0, e.c1, e.why.c_str(), e.allowed1,
                     e.allowed2, e.allowed3, e.state);
      const oracle::model_thread& th = t[o.thread];
      std::fprintf(stderr, "    T%d ctx %d held:", o.thread, th.ctx_type);
      for (const auto& h : th.held)
        std::fprintf(stderr, " c%d/r%d%s@%d", h.cls, h.read, h.trylock ? "t" : "", h.ctx);
      std::fprintf(stderr, "\n    usage:");
      for (int c = 0; c < m.nclasses; ++c) std::fprintf(stderr, " c%d=%03x", c, m.usage[c]);
      std::fprintf(stderr, "\n    edges:");
      for (int a = 0; a < m.nclasses; ++a)
        for (int b = 0; b < m.nclasses; ++b)
          if (m.edges[a][b]) std::fprintf(stderr, " c%d->c%d:%x", a, b, m.edges[a][b]);
      std::fprintf(stderr, "\n");
    }
    m.expected.clear();
    if (!failure.empty()) return;
    if (!err.str().empty() && failure.empty()) {
      std::ostringstream f;
      f << "seed " << seed << " step " << step << " (" << o.describe() << "):\n" << err.str()
        << "replay with LOCKDEP_ORACLE_SEED=" << seed;
      failure = f.str();
    }
  }
};

// The token-passing executor: k_threads OS threads, one active at a time.
class lockstep {
 public:
  lockstep() {
    for (int i = 0; i < k_threads; ++i) workers_.emplace_back([this, i] { run(i); });
    watchdog_ = std::thread([this] { watch(); });
  }
  ~lockstep() {
    pass(k_stop);
    for (auto& w : workers_) w.join();
    {
      std::lock_guard<std::mutex> g(watch_mu_);
      watch_stop_ = true;
    }
    watch_cv_.notify_all();
    watchdog_.join();
  }

  // Run one program to its end; returns the failure text (empty: passed).
  std::string run_program(program& p) {
    lockdep_test::report_capture cap;
    lockdep::options o = lockdep::get_options();
    o.stacktrace = false;  // speed: traces are not compared
    o.max_reports = std::numeric_limits<int>::max();  // past max_reports the callback hears nothing
    lockdep::set_options(o);
    p.setup();
    seed_.store(p.seed, std::memory_order_relaxed);
    prog_ = &p;
    cap_ = &cap;
    dispatch();
    // Wait on the value just compared: re-loading for wait() could read
    // k_main (token just returned) and then sleep until it changes: forever.
    int t;
    while ((t = turn_.load(std::memory_order_acquire)) != k_main) turn_.wait(t, std::memory_order_acquire);
    prog_ = nullptr;
    return p.failure;
  }

 private:
  std::vector<std::thread> workers_;
  std::atomic<int> turn_{k_main};
  program* prog_ = nullptr;
  lockdep_test::report_capture* cap_ = nullptr;

  // A hang (in lockdep or here) must name its seed rather than run into
  // ctest's timeout silently: no step for k_stall_seconds aborts the test.
  static constexpr int k_stall_seconds = 60;
  std::thread watchdog_;
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool watch_stop_ = false;
  std::atomic<std::uint64_t> seed_{0}, steps_done_{0};

  void watch() {
    std::unique_lock<std::mutex> g(watch_mu_);
    std::uint64_t last = steps_done_.load(std::memory_order_relaxed);
    int idle = 0;
    while (!watch_cv_.wait_for(g, std::chrono::seconds(1), [this] { return watch_stop_; })) {
      std::uint64_t now = steps_done_.load(std::memory_order_relaxed);
      idle = now == last ? idle + 1 : 0;
      last = now;
      if (idle >= k_stall_seconds) {
        std::fprintf(stderr, "oracle: no step for %d s in program seed %" PRIu64 " (token at %d); replay with LOCKDEP_ORACLE_SEED=%" PRIu64 "\n",
                     k_stall_seconds, seed_.load(), turn_.load(), seed_.load());
        std::abort();
      }
    }
  }

  void pass(int to) {
    turn_.store(to, std::memory_order_release);
    turn_.notify_all();
  }

  // Called by the token holder: run own steps until one belongs to another
  // thread (or the program ends / fails), then pass the token.
  void dispatch(int self = k_main) {
    program& p = *prog_;
    for (;;) {
      // After a failure the program still winds down (without comparing),
      // so the next program starts with no lock held.
      std::optional<op> o = p.next();
      if (!o) return pass(k_main);
      if (o->thread != self) {
        pending_ = *o;
        return pass(o->thread);
      }
      step(*o);
    }
  }

  void step(const op& o) {
    program& p = *prog_;
    p.execute(o);
    std::vector<lockdep::report> got = cap_->reports();
    cap_->clear();
    p.compare(o, got);
    ++p.step;
    steps_done_.fetch_add(1, std::memory_order_relaxed);
  }

  op pending_;

  void run(int self) {
    for (;;) {
      int t;
      while ((t = turn_.load(std::memory_order_acquire)) != self && t != k_stop) turn_.wait(t, std::memory_order_acquire);
      if (t == k_stop) return;
      step(pending_);
      dispatch(self);
    }
  }
};

bool small_scale() {
  const char* s = std::getenv("LOCKDEP_TEST_SCALE");
  return s && std::strcmp(s, "small") == 0;
}

TEST(Oracle, RandomProgramsMatchTheModel) {
  std::uint64_t first = 1, count = small_scale() ? 300 : 12000;
  bool verbose = false;
  if (const char* s = std::getenv("LOCKDEP_ORACLE_SEED")) {
    first = std::strtoull(s, nullptr, 10);
    count = 1;
    verbose = true;
  }
  if (const char* s = std::getenv("LOCKDEP_ORACLE_FIRST")) first = std::strtoull(s, nullptr, 10);
  if (const char* s = std::getenv("LOCKDEP_ORACLE_COUNT")) count = std::strtoull(s, nullptr, 10);
  lockstep exec;
  std::uint64_t steps = 0;
  int failures = 0;
  for (std::uint64_t seed = first; seed < first + count && failures < 3; ++seed) {
    program p;
    p.seed = seed;
    p.verbose = verbose || (std::getenv("LOCKDEP_ORACLE_VERBOSE") &&
                            std::strtoull(std::getenv("LOCKDEP_ORACLE_VERBOSE"), nullptr, 10) == seed);
    std::string f = exec.run_program(p);
    steps += static_cast<std::uint64_t>(p.step);
    if (!f.empty()) {
      ADD_FAILURE() << f;
      ++failures;
    }
  }
  std::printf("oracle: %" PRIu64 " programs, %" PRIu64 " steps compared\n", count, steps);
  EXPECT_GT(steps, count * 20);
}

}  // namespace

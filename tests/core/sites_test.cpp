// Report sites name the user's code (issue 13): `at:` of the acquisition and
// the first frame of the stack are the test's own function and file, never
// std::lock_guard or lockdep's headers; names are the public ones (no
// v1_on, no lock_traits); stacktrace=0 still symbolizes `at:`; strip_frames
// drops a wrapper's frame. Built at -O2 (core_sites_test) and -O0
// (core_sites_O0_test).
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core_test_util.hpp"
#include "report/machine_format.hpp"
#include "sites_port.hpp"

using core_test::contains;
using lockdep::report_kind;

namespace {

// The line after "is trying to acquire lock:".
std::string acquire_line(const std::string& text) {
  const std::size_t at = text.find("is trying to acquire lock:\n");
  if (at == std::string::npos) return {};
  const std::size_t start = text.find('\n', at) + 1;
  return text.substr(start, text.find('\n', start) - start);
}
// The held-lock list's lines (" #0: ... at: ...").
std::vector<std::string> held_lines(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t at = text.find("\n #"); at != std::string::npos; at = text.find("\n #", at + 1)) {
    const std::size_t end = text.find('\n', at + 1);
    out.push_back(text.substr(at + 1, end - at - 1));
  }
  return out;
}
// The report holds one lock, named `(lock)`, whose `at:` names `function`
// in this file and not `hidden` (the guard that took it).
void expect_one_held_lock_at(const std::string& text, const char* lock, const char* function, const char* hidden) {
  const std::vector<std::string> held = held_lines(text);
  ASSERT_EQ(held.size(), 1u) << text;
  EXPECT_TRUE(contains(held[0], lock)) << held[0];
  EXPECT_TRUE(contains(held[0], function)) << held[0];
  EXPECT_TRUE(contains(held[0], "sites_test.cpp:")) << held[0];
  EXPECT_FALSE(contains(held[0], hidden)) << held[0];
}
std::string first_stack_frame(const std::string& text) {
  const std::size_t at = text.find("stack backtrace:\n");
  if (at == std::string::npos) return {};
  const std::size_t start = at + std::string("stack backtrace:\n").size();
  return text.substr(start, text.find('\n', start) - start);
}

struct options_guard {
  lockdep::options saved = lockdep::get_options();
  ~options_guard() { lockdep::set_options(saved); }
};

// A project's wrapper whose Lock() stays a frame of its own.
class wrapped_lock {
 public:
  explicit wrapped_lock(const char* name, lockdep::site s = lockdep::site::here()) : mu_(name, s) {}
  __attribute__((noinline)) void Lock() { mu_.lock(); }
  __attribute__((noinline)) void Unlock() { mu_.unlock(); }

 private:
  lockdep::mutex mu_;
};

// The user's code: both orders through std::lock_guard; the second reported.
__attribute__((noinline)) void user_abba(lockdep::mutex& a, lockdep::mutex& b) {
  {
    std::lock_guard<lockdep::mutex> ga(a);
    std::lock_guard<lockdep::mutex> gb(b);
  }
  std::lock_guard<lockdep::mutex> gb(b);
  std::lock_guard<lockdep::mutex> ga(a);  // reported
}

}  // namespace

TEST(CoreSites, AtAndFirstFrameNameTheUsersFunction) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"sites_a"}, b{"sites_b"};
  user_abba(a, b);
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  const std::string text = cap.first().text;
  const std::string at = acquire_line(text);
  EXPECT_TRUE(contains(at, "sites_test.cpp:")) << at;
  EXPECT_TRUE(contains(at, "user_abba")) << at;
  EXPECT_FALSE(contains(at, "lock_guard")) << at;
  const std::string top = first_stack_frame(text);
  EXPECT_TRUE(contains(top, "sites_test.cpp:")) << top;
  EXPECT_FALSE(contains(top, "lock_guard")) << top;
  EXPECT_FALSE(contains(text, "v1_on")) << text;
  EXPECT_FALSE(contains(text, "lock_traits")) << text;
}

TEST(CoreSites, ReadableNamesOfTheLockTypes) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"names_a"}, b{"names_b"};
  auto nest = [](lockdep::mutex& first, lockdep::mutex& second) {
    std::lock_guard<lockdep::mutex> g1(first);
    std::lock_guard<lockdep::mutex> g2(second);
  };
  nest(a, b);
  nest(b, a);
  ASSERT_EQ(cap.count(), 1u);
  const std::string text = cap.first().text;
  EXPECT_FALSE(contains(text, "v1_on")) << text;
  EXPECT_FALSE(contains(text, "tracked<std::mutex")) << text;
}

TEST(CoreSites, StacktraceOffStillSymbolizesAt) {
  options_guard keep;
  lockdep_test::report_capture cap;
  lockdep::options o = lockdep::get_options();
  o.stacktrace = false;
  lockdep::set_options(o);
  lockdep::mutex a{"nost_a"}, b{"nost_b"};
  user_abba(a, b);
  ASSERT_EQ(cap.count(), 1u);
  const std::string text = cap.first().text;
  const std::string at = acquire_line(text);
  EXPECT_FALSE(contains(at, "at: 0x")) << at;
  // Without a stack, -O0 builds still name the user's function (the
  // callers recorded with the acquisition), not std::lock_guard.
  EXPECT_TRUE(contains(at, "user_abba")) << at;
  EXPECT_TRUE(contains(at, "sites_test.cpp:")) << at;
  EXPECT_FALSE(contains(at, "lock_guard")) << at;
  for (const std::string& h : held_lines(text)) EXPECT_TRUE(contains(h, "user_abba")) << text;
}

// Every held lock's `at:` names the user's function, not the guard whose
// constructor took it (at -O0 the guard is a frame of its own).
TEST(CoreSites, HeldLocksAtNameTheUsersFunction) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"held_a"}, b{"held_b"};
  user_abba(a, b);
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  const std::string text = cap.first().text;
  expect_one_held_lock_at(text, "(held_b)", "user_abba", "lock_guard");
  for (const std::string& h : held_lines(text)) EXPECT_FALSE(contains(h, "std_mutex.h")) << h;
}

// std::unique_lock at -O0 is two frames deep (its constructor calls its
// lock()), and the report's sites still name the user's function.
__attribute__((noinline)) void user_unique_abba(lockdep::mutex& a, lockdep::mutex& b) {
  {
    std::unique_lock<lockdep::mutex> la(a);
    std::unique_lock<lockdep::mutex> lb(b);
  }
  std::unique_lock<lockdep::mutex> lb(b);
  std::unique_lock<lockdep::mutex> la(a);  // reported
}

TEST(CoreSites, UniqueLockSitesNameTheUsersFunction) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"uniq_a"}, b{"uniq_b"};
  user_unique_abba(a, b);
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  const std::string text = cap.first().text;
  EXPECT_TRUE(contains(acquire_line(text), "user_unique_abba")) << text;
  expect_one_held_lock_at(text, "(uniq_b)", "user_unique_abba", "unique_lock");
}

// A guard whose lock() stays a call of its own at every optimisation level,
// as clang -O2 leaves std::unique_lock::lock: the acquisition's address lies
// in the guard, the user's function is one frame up. Its frames are
// stripped, as std::unique_lock's are.
class outlined_guard : lockdep::strip_frames_of<outlined_guard> {
 public:
  explicit outlined_guard(lockdep::mutex& m) : m_(m) { lock(); }
  ~outlined_guard() { m_.unlock(); }
  outlined_guard(const outlined_guard&) = delete;
  outlined_guard& operator=(const outlined_guard&) = delete;
  __attribute__((noinline)) void lock() {
    m_.lock();
    asm volatile("");  // keeps the call a call (no tail call into the lock)
  }

 private:
  lockdep::mutex& m_;
};

__attribute__((noinline)) void user_outlined_abba(lockdep::mutex& a, lockdep::mutex& b) {
  { outlined_guard alone(b); }  // chain [b] validated: the held b below takes the warm path
  {
    outlined_guard la(a);
    outlined_guard lb(b);
  }
  outlined_guard lb(b);  // warm path: no unwind, only the entry point's return address
  outlined_guard la(a);  // reported
}

// The held lock taken on the warm path through an out-of-line guard names
// the user's function (the return address of the function lockdep's
// headers were inlined into), not the guard.
TEST(CoreSites, WarmHeldLockThroughOutOfLineGuardNamesTheUsersFunction) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"outl_a"}, b{"outl_b"};
  user_outlined_abba(a, b);
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  expect_one_held_lock_at(cap.first().text, "(outl_b)", "user_outlined_abba", "outlined_guard");
}

TEST(CoreSites, StripFramesDropsAWrappersFrame) {
  options_guard keep;
  lockdep_test::report_capture cap;
  wrapped_lock a{"strip_a"}, b{"strip_b"};
  a.Lock();
  b.Lock();
  b.Unlock();
  a.Unlock();
  lockdep::options o = lockdep::get_options();
  o.strip_frames = "wrapped_lock::Lock";
  lockdep::set_options(o);
  b.Lock();
  a.Lock();  // reported
  a.Unlock();
  b.Unlock();
  ASSERT_EQ(cap.count(), 1u);
  const std::string text = cap.first().text;
  const std::string at = acquire_line(text);
  EXPECT_TRUE(contains(at, "StripFramesDropsAWrappersFrame")) << at;
  EXPECT_FALSE(contains(first_stack_frame(text), "wrapped_lock")) << text;
}

TEST(CoreSites, WithoutStripFramesTheWrapperFrameStays) {
  lockdep_test::report_capture cap;
  wrapped_lock a{"keep_a"}, b{"keep_b"};
  a.Lock();
  b.Lock();
  b.Unlock();
  a.Unlock();
  b.Lock();
  a.Lock();
  a.Unlock();
  b.Unlock();
  ASSERT_EQ(cap.count(), 1u);
  EXPECT_TRUE(contains(acquire_line(cap.first().text), "wrapped_lock::Lock")) << cap.first().text;
}

// A user function inlined into another (always, even at -O0):
// the stack and `at:` print it as `take_second ... [inline]` before the
// function it was inlined into, as the kernel prints inline frames.
namespace {
__attribute__((always_inline)) inline void take_second(lockdep::mutex& second) { second.lock(); }
__attribute__((noinline)) void user_nest_inlined(lockdep::mutex& first, lockdep::mutex& second) {
  first.lock();
  take_second(second);
  second.unlock();
  first.unlock();
}
}  // namespace

TEST(CoreSites, InlinedUserFunctionsPrintAsInlineFrames) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"inl_a"}, b{"inl_b"};
  user_nest_inlined(a, b);
  user_nest_inlined(b, a);  // reported
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  const std::string text = cap.first().text;
  const std::string at = acquire_line(text);
  EXPECT_TRUE(contains(at, "(inl_a)")) << text;
  EXPECT_TRUE(contains(at, "take_second")) << text;  // clang adds parameters
  EXPECT_TRUE(contains(at, "sites_test.cpp:")) << text;
  EXPECT_TRUE(contains(at, " [inline]")) << text;
  // The next `at:` line is the function take_second was inlined into.
  const std::size_t next = text.find(at) + at.size() + 1;
  const std::string outer = text.substr(next, text.find('\n', next) - next);
  EXPECT_TRUE(contains(outer, "(inl_a)")) << text;
  EXPECT_TRUE(contains(outer, "user_nest_inlined")) << text;
  EXPECT_FALSE(contains(outer, "[inline]")) << text;
  const std::string top = first_stack_frame(text);
  EXPECT_TRUE(contains(top, "take_second")) << text;
  EXPECT_TRUE(contains(top, " [inline]")) << text;
  // Lockdep's own inlined frames (tracked::lock) are not printed.
  EXPECT_FALSE(contains(text, "lockdep::mutex::lock")) << text;
}

// The LevelDB shape (sites_port.hpp): MutexLock -> port::Mutex::Lock ->
// lockdep, two frames of wrapper at -O0, inline frames at -O2; both types
// derive from strip_frames_of, so every `at:` and the stack start at the
// user's function.
namespace {
__attribute__((noinline)) void db_write(db_impl& db) {
  port::MutexLock l(&db.mutex_);
  port::MutexLock s(&db.stats_mutex_);
}
__attribute__((noinline)) void db_stats(db_impl& db) {
  port::MutexLock s(&db.stats_mutex_);
  port::MutexLock l(&db.mutex_);  // reported
}
__attribute__((noinline)) void db_plain(db_impl& db, bool reverse) {
  port::PlainMutex& first = reverse ? db.plain_b_ : db.plain_a_;
  port::PlainMutex& second = reverse ? db.plain_a_ : db.plain_b_;
  first.Lock();
  second.Lock();
  second.Unlock();
  first.Unlock();
}
}  // namespace

TEST(CoreSites, PortLayerFramesStrippedByTheTypeTrait) {
  lockdep_test::report_capture cap;
  db_impl db;
  db_write(db);
  db_stats(db);
  // Two members of one type: an inversion, not recursive locking.
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  ASSERT_EQ(cap.count(), 1u);
  const std::string text = cap.first().text;
  const std::string at = acquire_line(text);
  EXPECT_TRUE(contains(at, "db_stats")) << text;
  EXPECT_TRUE(contains(at, "sites_test.cpp:")) << text;
  const std::vector<std::string> held = held_lines(text);
  ASSERT_FALSE(held.empty()) << text;
  for (const std::string& h : held) {
    EXPECT_TRUE(contains(h, "db_stats")) << text;
    EXPECT_FALSE(contains(h, "Mutex")) << text;
  }
  EXPECT_TRUE(contains(first_stack_frame(text), "db_stats")) << text;
  EXPECT_FALSE(contains(text, "port::Mutex::Lock")) << text;
  EXPECT_FALSE(contains(text, "port::MutexLock::MutexLock")) << text;
}

// Near miss: a wrapper without the trait keeps its frame in `at:`.
TEST(CoreSites, WrapperWithoutTheTraitKeepsItsFrame) {
  lockdep_test::report_capture cap;
  db_impl db;
  db_plain(db, false);
  db_plain(db, true);
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  const std::string text = cap.first().text;
  EXPECT_TRUE(contains(acquire_line(text), "PlainMutex::Lock")) << text;
}

// show_all_locks names the user's function for the caller's own locks too.
TEST(CoreSites, AllLocksTextNamesTheUsersFunction) {
  lockdep::mutex a{"all_a"};
  std::string text;
  [&]() __attribute__((noinline)) {
    std::lock_guard<lockdep::mutex> g(a);
    text = lockdep::all_locks_text();
  }();
  const std::size_t at = text.find("(all_a)");
  ASSERT_NE(at, std::string::npos) << text;
  const std::string line = text.substr(at, text.find('\n', at) - at);
  EXPECT_TRUE(contains(line, "sites_test.cpp:")) << line;
  EXPECT_FALSE(contains(line, "lock_guard")) << line;
}

// report_format=json names the same sites as the text (held and acquiring).
TEST(CoreSites, JsonSitesNameTheUsersFunction) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"json_a"}, b{"json_b"};
  user_abba(a, b);
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  const std::string json = lockdep::internal::report_json_line(cap.first());
  const std::size_t held = json.find("\"held_locks\"");
  ASSERT_NE(held, std::string::npos) << json;
  const std::size_t held_at = json.find("\"at\":", held);
  ASSERT_NE(held_at, std::string::npos) << json;
  EXPECT_TRUE(contains(json.substr(held_at, 200), "user_abba")) << json;
  const std::size_t at = json.find("\"at\":", json.find("]", held_at));
  ASSERT_NE(at, std::string::npos) << json;
  EXPECT_TRUE(contains(json.substr(at, 200), "user_abba")) << json;
}

// Threads recording callers at once (the interned chains are shared, each
// thread learns its own stack): silent, and a later report still names the
// user's function. Run under TSan with the core label.
namespace {
__attribute__((noinline)) void nest_in_order(lockdep::mutex& a, lockdep::mutex& b) {
  std::lock_guard<lockdep::mutex> ga(a);
  std::lock_guard<lockdep::mutex> gb(b);
}
}  // namespace

TEST(CoreSites, ConcurrentCallersAreSilentAndShared) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"conc_a"}, b{"conc_b"};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) nest_in_order(a, b);
    });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(cap.count(), 0u);
  user_abba(a, b);
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  for (const std::string& h : held_lines(cap.first().text)) EXPECT_TRUE(contains(h, "user_abba")) << h;
}

// The held lock's acquisition took the warm path (its chain was validated
// before): its `at:` still names the user's function.
namespace {
__attribute__((noinline)) void lock_alone(lockdep::mutex& m) { std::lock_guard<lockdep::mutex> g(m); }
}  // namespace

TEST(CoreSites, WarmHeldAcquisitionNamesTheUsersFunction) {
  lockdep_test::report_capture cap;
  lockdep::mutex a{"warm_a"}, b{"warm_b"};
  lock_alone(b);
  lock_alone(b);
  user_abba(a, b);
  ASSERT_EQ(cap.count(report_kind::circular_dependency), 1u);
  const std::vector<std::string> held = held_lines(cap.first().text);
  ASSERT_EQ(held.size(), 1u) << cap.first().text;
  EXPECT_TRUE(contains(held[0], "user_abba")) << held[0];
  EXPECT_FALSE(contains(held[0], "lock_guard")) << held[0];
}

// Built with LOCKDEP_ENABLED=0 and WITHOUT the lockdep library: the disabled
// header-only path must compile every wrapper to the plain lock and every
// annotation to nothing, and must not need a single lockdep symbol.
#if LOCKDEP_ENABLED
#error "this test must be compiled with LOCKDEP_ENABLED=0"
#endif

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <type_traits>

#include "lockdep/guard.hpp"
#include "lockdep/introspect.hpp"
#include "lockdep/lockdep.hpp"
#include "lockdep/waiver.hpp"

namespace {

static_assert(sizeof(lockdep::mutex) == sizeof(std::mutex));
static_assert(sizeof(lockdep::timed_mutex) == sizeof(std::timed_mutex));
static_assert(sizeof(lockdep::recursive_mutex) == sizeof(std::recursive_mutex));
static_assert(sizeof(lockdep::shared_mutex) == sizeof(std::shared_timed_mutex));
static_assert(sizeof(lockdep::tracked<std::shared_mutex>) == sizeof(std::shared_mutex));
static_assert(alignof(lockdep::mutex) == alignof(std::mutex));
// The disabled types live in their own inline namespace, so objects compiled
// with different settings cannot be linked together (see abi_mismatch.cmake).
static_assert(std::is_same_v<lockdep::mutex, lockdep::v1_off::mutex>);

TEST(Disabled, WrappersAreThePlainLockSize) {
  EXPECT_EQ(sizeof(lockdep::mutex), sizeof(std::mutex));
  EXPECT_EQ(sizeof(lockdep::spinlock), sizeof(lockdep::internal::raw_spinlock));
}

TEST(Disabled, AbbaProducesNoReportAndLocksStillExclude) {
  int callbacks = 0;
  lockdep::set_report_callback([&](const lockdep::report&) { ++callbacks; });
  lockdep::mutex a{"a"};
  lockdep::mutex b{"b"};
  {
    std::scoped_lock g(a);
    std::lock_guard h(b);
  }
  {
    std::lock_guard g(b);
    std::lock_guard h(a);
  }
  EXPECT_EQ(callbacks, 0);
  EXPECT_EQ(lockdep::get_statistics().reports, 0u);
  // Still a real mutex: another thread cannot take it while we hold it.
  std::lock_guard g(a);
  bool other_got_it = true;
  std::thread([&] { other_got_it = a.try_lock(); if (other_got_it) a.unlock(); }).join();
  EXPECT_FALSE(other_got_it);
}

// lockdep::condition_variable is std::condition_variable on the native mutex.
static_assert(sizeof(lockdep::condition_variable) == sizeof(std::condition_variable));

TEST(Disabled, ConditionVariableWaitsOnTheNativeMutex) {
  lockdep::mutex mu{"cv"};
  lockdep::condition_variable cv;
  bool ready = false;
  std::unique_lock<lockdep::mutex> lock(mu);
  std::thread other([&] {
    std::lock_guard g(mu);
    ready = true;
    cv.notify_one();
  });
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return ready; }));
  EXPECT_TRUE(lock.owns_lock());
  lock.unlock();
  other.join();
}

TEST(Disabled, AnnotationApiCompilesToNothing) {
  lockdep::lock_map rcu{"rcu", lockdep::wait_type::spin, lockdep::wait_type::free, lockdep::check::track_only};
  lockdep::lock_acquire(rcu, lockdep::read_mode::shared_recursive);
  EXPECT_TRUE(lockdep::is_held(rcu));
  lockdep::assert_held(rcu);
  EXPECT_TRUE(lockdep::lock_release(rcu));
  lockdep::might_lock(rcu);
  lockdep::validation_off off;
  lockdep::scoped_key key{"dynamic"};
  lockdep::mutex keyed{key};
  keyed.lock_nested(1);
  keyed.unlock();
  lockdep::set_lock_cmp_fn(keyed, lockdep::by_address);
  lockdep::set_lock_cmp_fn(rcu, lockdep::by_address, [](const void*, char*, std::size_t) {});
  lockdep::spinlock s{"s"};
  lockdep::spin_lock_irq(s);
  EXPECT_TRUE(lockdep::hardirqs_enabled());
  lockdep::spin_unlock_irq(s);
  lockdep::irq_flags f = lockdep::spin_lock_irqsave(s);
  lockdep::spin_unlock_irqrestore(s, f);
  {
    lockdep::hardirq_scope irq;
    EXPECT_FALSE(lockdep::in_hardirq());
  }
  // A wrapper passing its user's site through (site.hpp) builds too.
  lockdep::mutex sited{lockdep::site::here()};
  lockdep::mutex named_sited{"named", lockdep::site::here()};
  [[maybe_unused]] lockdep::lock_map sited_map{"m", lockdep::wait_type::sleep, lockdep::wait_type::none, lockdep::check::full,
                                               lockdep::site("file.cc", 1)};
  sited.lock();
  named_sited.lock();
  named_sited.unlock();
  sited.unlock();
  {
    lockdep::signal_handler_scope handler(SIGUSR1);
    EXPECT_EQ(handler.signal(), SIGUSR1);
    EXPECT_FALSE(lockdep::in_hardirq());
  }
  // Still installs the handler: that part is the program's behaviour.
  EXPECT_EQ(lockdep::install_signal_handler(SIGUSR2, SIG_IGN), 0);
  struct sigaction now {};
  sigaction(SIGUSR2, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_IGN);
  signal(SIGUSR2, SIG_DFL);
  lockdep::shared_mutex rw{"rw"};
  {
    lockdep::shared_lock r(rw);
    lockdep::unique_lock w(keyed);
  }
  EXPECT_TRUE(lockdep::reset());
  lockdep::waive("a", "b", "disabled build");
  EXPECT_TRUE(lockdep::waived_reports().empty());
  EXPECT_TRUE(lockdep::dump_classes().empty());
  EXPECT_TRUE(lockdep::graph_dot().find("digraph") != std::string::npos);
  lockdep::set_lock_stat(true);
  EXPECT_TRUE(lockdep::lock_stat_text().empty());
  lockdep::show_all_locks();
}

}  // namespace

// lockdep allocates nothing inside a real signal handler, even for a
// thread whose first lockdep call is the handler's and with lock_stat on.
// Its own binary: it counts every operator new of the process while the
// handler runs.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include "lockdep/introspect.hpp"
#include "support/report_capture.hpp"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<int> g_news{0};
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// g++ cannot tell that these pair with the operator new above.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace {

lockdep::spinlock g_handler_lock{"alloc_free_handler_lock"};
std::atomic<int> g_handled{0};

void on_signal(int) {
  g_counting = true;
  {
    lockdep::signal_handler_scope scope;
    g_handler_lock.lock();
    g_handler_lock.unlock();
  }
  g_counting = false;
  g_handled.fetch_add(1);
}

TEST(SignalAlloc, FirstLockdepCallInAHandlerWithLockStatOnAllocatesNothing) {
  lockdep_test::report_capture cap;
  lockdep::set_lock_stat(true);
  struct sigaction sa {}, old {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);
  std::atomic<bool> done{false};
  std::thread fresh([&] {  // no lockdep call before the handler's
    while (!done) std::this_thread::yield();
  });
  pthread_kill(fresh.native_handle(), SIGUSR1);
  while (g_handled.load() == 0) std::this_thread::yield();
  done = true;
  fresh.join();
  sigaction(SIGUSR1, &old, nullptr);
  lockdep::set_lock_stat(false);
  EXPECT_EQ(g_news.load(), 0);
  EXPECT_EQ(cap.count(), 0u) << cap.first().text;
}

}  // namespace

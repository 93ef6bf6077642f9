// The warm path allocates nothing: every allocation function of this test
// binary is replaced by a counting one, and a loop of already-validated
// lock/unlock sequences must not call any of them.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <new>
#include <shared_mutex>

#include "lockdep/lockdep.hpp"
#include "support/report_capture.hpp"

// Sanitizers replace malloc themselves; the counting hooks would fight them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LOCKDEP_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define LOCKDEP_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef LOCKDEP_COUNT_ALLOCATIONS
#define LOCKDEP_COUNT_ALLOCATIONS 1
#endif

extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* __libc_realloc(void*, std::size_t);
extern "C" void* __libc_memalign(std::size_t, std::size_t);
extern "C" void __libc_free(void*);

namespace {
// Only the measuring thread counts (gtest or the runtime may allocate on others).
__thread bool counting = false;
__thread unsigned long allocations = 0;
inline void note() {
  if (counting) ++allocations;
}
}  // namespace

#if LOCKDEP_COUNT_ALLOCATIONS
extern "C" {
void* malloc(std::size_t n) {
  note();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t s) {
  note();
  return __libc_calloc(n, s);
}
void* realloc(void* p, std::size_t n) {
  note();
  return __libc_realloc(p, n);
}
void* memalign(std::size_t a, std::size_t n) {
  note();
  return __libc_memalign(a, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) {
  note();
  return __libc_memalign(a, n);
}
int posix_memalign(void** out, std::size_t a, std::size_t n) {
  note();
  *out = __libc_memalign(a, n);
  return *out ? 0 : ENOMEM;
}
void free(void* p) { __libc_free(p); }
}

void* operator new(std::size_t n) {
  note();
  if (void* p = __libc_malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  note();
  if (void* p = __libc_memalign(static_cast<std::size_t>(a), n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
#endif

#define SKIP_WITHOUT_COUNTING() \
  if (!LOCKDEP_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocation hooks are off under sanitizers"

namespace {

struct count_scope {
  count_scope() {
    allocations = 0;
    counting = true;
  }
  ~count_scope() { counting = false; }
};

// The hook itself works: otherwise "zero allocations" would prove nothing.
TEST(WarmPath, CounterSeesAllocations) {
  SKIP_WITHOUT_COUNTING();
  unsigned long seen;
  {
    count_scope scope;
    int* p = new int(7);
    void* q = std::malloc(16);
    seen = allocations;
    std::free(q);
    delete p;
  }
  EXPECT_EQ(seen, 2u);
}

// One round of every warm operation the wrappers use.
void round(lockdep::mutex& a, lockdep::mutex& b, lockdep::spinlock& s, lockdep::shared_mutex& rw,
           lockdep::recursive_mutex& r) {
  {
    std::lock_guard ga(a);
    std::lock_guard gb(b);
    std::lock_guard gs(s);
  }
  {
    std::shared_lock gr(rw);
    std::lock_guard gb(b);
  }
  {
    std::lock_guard gw(rw);
  }
  if (a.try_lock()) a.unlock();
  r.lock();
  r.unlock();
}

TEST(WarmPath, ValidatedLockingAllocatesNothing) {
  SKIP_WITHOUT_COUNTING();
  lockdep_test::report_capture cap;
  lockdep::mutex a{"warm_a"};
  lockdep::mutex b{"warm_b"};
  lockdep::spinlock s{"warm_s"};
  lockdep::shared_mutex rw{"warm_rw"};
  lockdep::recursive_mutex r{"warm_r"};
  for (int i = 0; i < 3; ++i) round(a, b, s, rw, r);  // validate every chain once
  const auto before = lockdep::get_statistics();
  unsigned long seen;
  {
    count_scope scope;
    for (int i = 0; i < 10000; ++i) round(a, b, s, rw, r);
    seen = allocations;
  }
  const auto after = lockdep::get_statistics();
  EXPECT_EQ(seen, 0u);
  // And it really was the warm path: no chain-cache miss in the loop.
  EXPECT_EQ(after.cold_path_entries, before.cold_path_entries);
  EXPECT_EQ(cap.count(), 0u);
}

// lockdep::condition_variable adds no allocation to a wait: it is
// std::condition_variable on the native mutex plus a warm release and
// re-acquisition (std::condition_variable_any allocates its internal mutex).
TEST(WarmPath, ConditionVariableWaitAllocatesNothing) {
  SKIP_WITHOUT_COUNTING();
  lockdep_test::report_capture cap;
  lockdep::mutex mu{"warm_cv_mu"};
  std::unique_lock<lockdep::mutex> lock(mu);
  {
    lockdep::condition_variable first;
    first.wait_for(lock, std::chrono::nanoseconds(0));  // validates the chain
  }
  const auto before = lockdep::get_statistics();
  unsigned long seen;
  {
    count_scope scope;
    lockdep::condition_variable cv;
    for (int i = 0; i < 100; ++i) cv.wait_for(lock, std::chrono::nanoseconds(0));
    cv.notify_all();
    seen = allocations;
  }
  const auto after = lockdep::get_statistics();
  EXPECT_EQ(seen, 0u);
  EXPECT_EQ(after.cold_path_entries, before.cold_path_entries);
  EXPECT_TRUE(lockdep::is_held(mu.lockdep_map()));
  lock.unlock();
  EXPECT_EQ(cap.count(), 0u);
}

// The cold path on its own (first acquisitions) is allowed to use the
// preallocated tables only, too; lockdep's contract is "no malloc in the
// validator", so this holds for new chains as well.
TEST(WarmPath, NewChainAllocatesNothingInTheCore) {
  SKIP_WITHOUT_COUNTING();
  lockdep_test::report_capture cap;
  lockdep::mutex x{"cold_x"};
  lockdep::mutex y{"cold_y"};
  { std::lock_guard g(x); }  // classes exist; site keys are interned
  { std::lock_guard g(y); }
  const auto before = lockdep::get_statistics();
  unsigned long seen;
  {
    count_scope scope;
    std::lock_guard gx(x);
    std::lock_guard gy(y);  // new chain and new dependency: the cold path
    seen = allocations;
  }
  const auto after = lockdep::get_statistics();
  EXPECT_GT(after.cold_path_entries, before.cold_path_entries);
  EXPECT_EQ(seen, 0u);
  EXPECT_EQ(cap.count(), 0u);
}

}  // namespace

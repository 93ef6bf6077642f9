// malloc, free, calloc and realloc: forwarded to the next allocator (glibc's,
// or one preloaded after lockdep's library such as jemalloc), as acquisitions
// of the "malloc" pseudo-lock where that matters (pseudo_locks.cpp).
//
// Resolving the next allocator with dlsym may itself allocate: those calls
// are served from a static buffer, whose blocks are never freed. So are the
// allocations of a report delivered by a handler that ends the process
// (exit.cpp): the code it interrupted may hold the allocator's lock.
#include <dlfcn.h>
#include <malloc.h>
#include <sched.h>

#include <atomic>
#include <cstddef>
#include <cstring>

#include "preload/preload.hpp"

using namespace lockdep_preload;

#define LOCKDEP_CALLER reinterpret_cast<std::uintptr_t>(__builtin_return_address(0))

namespace {

struct allocator {
  void* (*malloc)(std::size_t);
  void (*free)(void*);
  void* (*calloc)(std::size_t, std::size_t);
  void* (*realloc)(void*, std::size_t);
};
allocator g_next{};
std::atomic<int> g_state{0};  // 0 none, 1 resolving, 2 done
thread_local bool tl_resolving __attribute__((tls_model("initial-exec"))) = false;

// 16 KiB for dlsym, the rest for reports delivered at a handler's _exit
// (untouched pages cost no memory).
alignas(std::max_align_t) unsigned char g_boot[4 << 20];
std::atomic<std::size_t> g_boot_used{0};

bool in_boot(const void* p) {
  return static_cast<const unsigned char*>(p) >= g_boot && static_cast<const unsigned char*>(p) < g_boot + sizeof g_boot;
}

void* boot_alloc(std::size_t n) {
  const std::size_t size = (n + alignof(std::max_align_t) - 1) & ~(alignof(std::max_align_t) - 1);
  const std::size_t at = g_boot_used.fetch_add(size, std::memory_order_relaxed);
  if (at + size > sizeof g_boot) return nullptr;
  return g_boot + at;  // zeroed: static storage, never reused
}

// False while this thread resolves (then the caller uses the buffer).
__attribute__((noinline)) bool resolve_next() {
  if (tl_resolving) return false;
  int expected = 0;
  if (g_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    tl_resolving = true;
    allocator a;
    a.malloc = reinterpret_cast<void* (*)(std::size_t)>(dlsym(RTLD_NEXT, "malloc"));
    a.free = reinterpret_cast<void (*)(void*)>(dlsym(RTLD_NEXT, "free"));
    a.calloc = reinterpret_cast<void* (*)(std::size_t, std::size_t)>(dlsym(RTLD_NEXT, "calloc"));
    a.realloc = reinterpret_cast<void* (*)(void*, std::size_t)>(dlsym(RTLD_NEXT, "realloc"));
    g_next = a;
    tl_resolving = false;
    g_state.store(2, std::memory_order_release);
    return true;
  }
  while (g_state.load(std::memory_order_acquire) != 2) sched_yield();
  return true;
}

inline bool next_ready() {
  return __builtin_expect(g_state.load(std::memory_order_acquire) == 2, 1) || resolve_next();
}

// Not quiet: a handler's call, or the first since a change. Out of line,
// so the quiet path keeps its one-register frame.
__attribute__((noinline)) bool note_slow(std::uintptr_t ip) {
  if (tl_private_allocations) return true;
  note_pseudo_lock(pseudo_malloc, ip);
  return false;
}

// Notes the call; true if it must be served from the buffer instead.
inline bool note(std::uintptr_t ip) {
  return __builtin_expect(!pseudo_lock_quiet(pseudo_malloc), 0) && note_slow(ip);
}

}  // namespace

extern "C" {

void* malloc(std::size_t n) {
  if (!next_ready()) return boot_alloc(n);
  if (note(LOCKDEP_CALLER)) return boot_alloc(n);
  return g_next.malloc(n);
}

void free(void* p) {
  if (!p || in_boot(p)) return;
  if (!next_ready()) return;  // cannot happen: only the buffer's blocks exist then
  if (note(LOCKDEP_CALLER)) return;  // the program's block: leaked, the process is ending
  g_next.free(p);
}

void* calloc(std::size_t n, std::size_t size) {
  if (!next_ready()) return size && n > sizeof g_boot / size ? nullptr : boot_alloc(n * size);
  if (note(LOCKDEP_CALLER)) return size && n > sizeof g_boot / size ? nullptr : boot_alloc(n * size);
  return g_next.calloc(n, size);
}

void* realloc(void* p, std::size_t n) {
  if (!next_ready() || in_boot(p) || tl_private_allocations) {
    void* q = next_ready() ? malloc(n) : boot_alloc(n);
    if (q && p) {
      const std::size_t left = in_boot(p) ? static_cast<std::size_t>(g_boot + sizeof g_boot - static_cast<unsigned char*>(p))
                                          : malloc_usable_size(p);  // a block of the next allocator's
      std::memcpy(q, p, n < left ? n : left);
    }
    return q;
  }
  note(LOCKDEP_CALLER);
  return g_next.realloc(p, n);
}

}  // extern "C"

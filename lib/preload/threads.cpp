// pthread_create / pthread_join: the join wait map.
//
// Each created thread holds a pseudo-lock (its own instance, class per
// pthread_create call site) around its body; pthread_join acquires and
// releases it before waiting. Joining a thread while holding M, where the
// thread's body takes M, then closes a cycle M -> thread -> M and is
// reported as a circular dependency, before the joiner blocks.
//
// A join can only block while the thread still runs. Programs commonly
// join, under the lock the thread's exit path took, a thread that has
// already said goodbye (pigz's yarn: the thread marks itself done under
// `threads_lock`, the joiner waits for that mark, then joins holding the
// lock). So a join first gives the thread a short grace period
// (preload_join_grace_ms, within the time the join would block anyway) to
// finish its body, and only a thread still running after it is validated.
#include <pthread.h>
#include <time.h>

#include <cstdlib>

#include "core/frontend.hpp"
#include "preload/preload.hpp"

using namespace lockdep_preload;

namespace {

struct start_pack {
  void* (*fn)(void*);
  void* arg;
  instance* wait;
  std::atomic<int> refs;
  std::atomic<bool> finished;  // the body returned (or unwound)  // the thread's and the join table's
};

constexpr unsigned k_thread_slots = 4096;
struct join_table {
  lockdep::internal::spin_mutex lock;
  pthread_t ids[k_thread_slots];
  start_pack* packs[k_thread_slots];
};
join_table g_joins;

void put(start_pack* p) {
  if (p->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  forget(p);  // the wait map's instance
  std::free(p);
}

bool remember(pthread_t t, start_pack* p) {
  g_joins.lock.lock();
  for (unsigned i = 0; i < k_thread_slots; ++i) {
    if (!g_joins.packs[i]) {
      g_joins.ids[i] = t;
      g_joins.packs[i] = p;
      g_joins.lock.unlock();
      return true;
    }
  }
  g_joins.lock.unlock();
  return false;
}

start_pack* take(pthread_t t) {
  g_joins.lock.lock();
  for (unsigned i = 0; i < k_thread_slots; ++i) {
    if (g_joins.packs[i] && pthread_equal(g_joins.ids[i], t)) {
      start_pack* p = g_joins.packs[i];
      g_joins.packs[i] = nullptr;
      g_joins.lock.unlock();
      return p;
    }
  }
  g_joins.lock.unlock();
  return nullptr;
}

struct body_scope {
  start_pack* p;
  explicit body_scope(start_pack* pack) : p(pack) {
    hook_scope scope;
    if (scope && p->wait)
      note_acquire(*p->wait, 0, false, type_normal, reinterpret_cast<std::uintptr_t>(p->fn) + 1);
  }
  // Also runs when the body calls pthread_exit or is cancelled (unwinding).
  ~body_scope() {
    {
      hook_scope scope;
      if (scope && p->wait) note_release(*p->wait, type_normal, reinterpret_cast<std::uintptr_t>(p->fn) + 1);
    }
    p->finished.store(true, std::memory_order_release);
    put(p);
  }
};

bool finishes_soon(start_pack& p) {
  for (unsigned waited = 0;; ++waited) {
    if (p.finished.load(std::memory_order_acquire)) return true;
    if (waited >= options().join_grace_ms) return false;
    const struct timespec one_ms = {0, 1000000};
    nanosleep(&one_ms, nullptr);
  }
}

void* trampoline(void* arg) {
  auto* p = static_cast<start_pack*>(arg);
  body_scope body(p);
  return p->fn(p->arg);
}

}  // namespace

extern "C" {

int pthread_create(pthread_t* t, const pthread_attr_t* attr, void* (*fn)(void*), void* arg) noexcept {
  const auto ip = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  if (!resolve_real()) return EAGAIN;
  start_pack* p = nullptr;
  {
    hook_scope scope;
    if (scope && options().join) {
      p = static_cast<start_pack*>(std::malloc(sizeof(start_pack)));
      if (p) {
        p->fn = fn;
        p->arg = arg;
        p->refs.store(2, std::memory_order_relaxed);
        p->finished.store(false, std::memory_order_relaxed);
        call_site site;
        capture_site(site, ip);
        p->wait = reinitialise(p, lock_kind::thread, key_for_site(site, lock_kind::thread, site_origin::create));
      }
    }
  }
  if (!p) return real.create(t, attr, fn, arg);
  const int rc = real.create(t, attr, trampoline, p);
  if (rc != 0) {
    forget(p);
    std::free(p);
    return rc;
  }
  int detached = PTHREAD_CREATE_JOINABLE;
  if (attr) pthread_attr_getdetachstate(attr, &detached);
  if (detached == PTHREAD_CREATE_DETACHED || !remember(*t, p)) put(p);
  return rc;
}

int pthread_join(pthread_t t, void** result) {
  const auto ip = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  if (!resolve_real()) return EINVAL;
  start_pack* p = take(t);
  if (p && p->wait && !finishes_soon(*p)) {
    hook_scope scope;
    if (scope && note_acquire(*p->wait, 0, false, type_normal, ip)) note_release(*p->wait, type_normal, ip);
  }
  const int rc = real.join(t, result);
  if (p) put(p);
  return rc;
}

int pthread_detach(pthread_t t) noexcept {
  if (!resolve_real()) return EINVAL;
  if (start_pack* p = take(t)) put(p);
  return real.detach(t);
}

}  // extern "C"

// The exported pthread lock functions. Each forwards to the real one; the
// bookkeeping runs before a blocking acquisition (so a deadlock is reported
// before the thread blocks on it), after a successful trylock, and before an
// unlock. Error returns are the real function's.
#include <errno.h>
#include <pthread.h>

#include <cstring>

#include "core/frontend.hpp"
#include "core/imports.hpp"
#include "preload/preload.hpp"

using namespace lockdep_preload;

#define LOCKDEP_CALLER reinterpret_cast<std::uintptr_t>(__builtin_return_address(0))

namespace {

// pthread_spinlock_t is a volatile int: its address, as the tables key it.
const void* spin_address(pthread_spinlock_t* s) { return const_cast<const int*>(s); }

bool acquired(int rc) { return rc == 0 || rc == EOWNERDEAD; }

// glibc keeps the mutex type in the low bits of __kind (PTHREAD_MUTEX_KIND_MASK_NP).
int mutex_type(const pthread_mutex_t* m) {
  const int t = m->__data.__kind & 3;
  return t == PTHREAD_MUTEX_RECURSIVE ? type_recursive : t == PTHREAD_MUTEX_ERRORCHECK ? type_errorcheck : type_normal;
}

// Readers of a writer-preferring rwlock wait for queued writers (read 1);
// glibc's default readers never do (recursive read 2).
unsigned reader_mode(const pthread_rwlock_t* rw) {
  return rw->__data.__flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP ? 1u : 2u;
}

template <class Call>
int blocking(const void* lock, lock_kind kind, unsigned read, int type, std::uintptr_t ip, Call call) {
  instance* in = nullptr;
  bool tracked = false;
  {
    hook_scope scope;
    if (scope && (in = lookup_or_create(lock, kind, ip)) != nullptr) tracked = note_acquire(*in, read, false, type, ip);
  }
  const int rc = call();
  if (tracked && !acquired(rc)) {
    hook_scope scope;
    if (scope) note_failed(*in);
  }
  return rc;
}

template <class Call>
int attempt(const void* lock, lock_kind kind, unsigned read, int type, std::uintptr_t ip, Call call) {
  const int rc = call();
  if (acquired(rc)) {
    hook_scope scope;
    if (scope)
      if (instance* in = lookup_or_create(lock, kind, ip)) note_acquire(*in, read, true, type, ip);
  }
  return rc;
}

template <class Call>
int unlocking(const void* lock, lock_kind kind, int type, std::uintptr_t ip, Call call) {
  {
    hook_scope scope;
    if (scope)
      if (instance* in = lookup_or_create(lock, kind, ip)) note_release(*in, type, ip);
  }
  return call();
}

void initialised(const void* lock, lock_kind kind, std::uintptr_t ip) {
  hook_scope scope;
  if (!scope) {
    forget(lock);  // nested: at least do not keep the old object's state
    return;
  }
  call_site site;
  capture_site(site, ip);
  if (!reinitialise(lock, kind, key_for_site(site, kind, site_origin::init))) forget(lock);
}

void destroyed(const void* lock) { forget(lock); }

template <class Call>
int cond_wait(pthread_mutex_t* m, std::uintptr_t ip, Call call) {
  wait_token token;
  {
    hook_scope scope;
    if (scope)
      if (instance* in = lookup_or_create(m, lock_kind::mutex, ip)) token = release_for_wait(*in, mutex_type(m), ip);
  }
  const int rc = call();
  if (token.in) {
    hook_scope scope;
    if (scope) reacquire_after_wait(token, ip);
  }
  return rc;
}

// Fork: none of the interposer's tables may be locked by another thread at
// the fork, or the child would wait for it forever. (The core's own locks
// have their own fork handlers, lib/core/fork.cpp.)
// fork() is serialised by the C library, so one saved flag suffices.
bool g_was_in_hook_at_fork = false;
void before_fork() {
  g_was_in_hook_at_fork = enter_fork_window();
  lock_tables_for_fork();
  lock_order_for_fork();
}
void after_fork_in_parent() {
  unlock_order_after_fork();
  unlock_tables_after_fork();
  leave_fork_window(g_was_in_hook_at_fork);
}
void after_fork_in_child() {
  unlock_order_after_fork();
  unlock_tables_after_fork();
  reset_naming_after_fork_in_child();
  leave_fork_window(g_was_in_hook_at_fork);
}

__attribute__((constructor)) void preload_start() {
  resolve_real();
  options();
  lockdep::internal::set_key_namer(&symbolized_name);
  lockdep::internal::set_key_identity(&stable_identity);  // the graph store's classes
  pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

}  // namespace

// While dlsym is resolving (it may lock on the resolving thread before any
// real function is known) the program is single-threaded: locks succeed.
#define LOCKDEP_REAL_OR(fallback) \
  if (!resolve_real()) return fallback

extern "C" {

// ---- mutex ----------------------------------------------------------------------------
int pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* a) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  if (!resolve_real()) {
    std::memset(m, 0, sizeof *m);
    return 0;
  }
  const int rc = real.mutex_init(m, a);
  if (rc == 0) initialised(m, lock_kind::mutex, ip);
  return rc;
}

int pthread_mutex_destroy(pthread_mutex_t* m) noexcept {
  LOCKDEP_REAL_OR(0);
  const int rc = real.mutex_destroy(m);
  if (rc == 0) destroyed(m);
  return rc;
}

int pthread_mutex_lock(pthread_mutex_t* m) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return blocking(m, lock_kind::mutex, 0, mutex_type(m), ip, [&] { return real.mutex_lock(m); });
}

int pthread_mutex_trylock(pthread_mutex_t* m) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return attempt(m, lock_kind::mutex, 0, mutex_type(m), ip, [&] { return real.mutex_trylock(m); });
}

int pthread_mutex_timedlock(pthread_mutex_t* m, const struct timespec* t) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return blocking(m, lock_kind::mutex, 0, mutex_type(m), ip, [&] { return real.mutex_timedlock(m, t); });
}

int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t c, const struct timespec* t) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return blocking(m, lock_kind::mutex, 0, mutex_type(m), ip, [&] { return real.mutex_clocklock(m, c, t); });
}

int pthread_mutex_unlock(pthread_mutex_t* m) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return unlocking(m, lock_kind::mutex, mutex_type(m), ip, [&] { return real.mutex_unlock(m); });
}

// ---- rwlock ----------------------------------------------------------------------------
int pthread_rwlock_init(pthread_rwlock_t* rw, const pthread_rwlockattr_t* a) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  const int rc = real.rwlock_init(rw, a);
  if (rc == 0) initialised(rw, lock_kind::rwlock, ip);
  return rc;
}

int pthread_rwlock_destroy(pthread_rwlock_t* rw) noexcept {
  LOCKDEP_REAL_OR(0);
  const int rc = real.rwlock_destroy(rw);
  if (rc == 0) destroyed(rw);
  return rc;
}

int pthread_rwlock_rdlock(pthread_rwlock_t* rw) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return blocking(rw, lock_kind::rwlock, reader_mode(rw), type_normal, ip, [&] { return real.rwlock_rdlock(rw); });
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t* rw) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return attempt(rw, lock_kind::rwlock, reader_mode(rw), type_normal, ip, [&] { return real.rwlock_tryrdlock(rw); });
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t* rw, const struct timespec* t) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return blocking(rw, lock_kind::rwlock, reader_mode(rw), type_normal, ip,
                  [&] { return real.rwlock_timedrdlock(rw, t); });
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t* rw, clockid_t c, const struct timespec* t) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return blocking(rw, lock_kind::rwlock, reader_mode(rw), type_normal, ip,
                  [&] { return real.rwlock_clockrdlock(rw, c, t); });
}

int pthread_rwlock_wrlock(pthread_rwlock_t* rw) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return blocking(rw, lock_kind::rwlock, 0, type_normal, ip, [&] { return real.rwlock_wrlock(rw); });
}

int pthread_rwlock_trywrlock(pthread_rwlock_t* rw) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return attempt(rw, lock_kind::rwlock, 0, type_normal, ip, [&] { return real.rwlock_trywrlock(rw); });
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t* rw, const struct timespec* t) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return blocking(rw, lock_kind::rwlock, 0, type_normal, ip, [&] { return real.rwlock_timedwrlock(rw, t); });
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t* rw, clockid_t c, const struct timespec* t) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return blocking(rw, lock_kind::rwlock, 0, type_normal, ip, [&] { return real.rwlock_clockwrlock(rw, c, t); });
}

int pthread_rwlock_unlock(pthread_rwlock_t* rw) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return unlocking(rw, lock_kind::rwlock, type_normal, ip, [&] { return real.rwlock_unlock(rw); });
}

// ---- spinlock ---------------------------------------------------------------------------
int pthread_spin_init(pthread_spinlock_t* s, int shared) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  const int rc = real.spin_init(s, shared);
  if (rc == 0) initialised(spin_address(s), lock_kind::spin, ip);
  return rc;
}

int pthread_spin_destroy(pthread_spinlock_t* s) noexcept {
  LOCKDEP_REAL_OR(0);
  const int rc = real.spin_destroy(s);
  if (rc == 0) destroyed(spin_address(s));
  return rc;
}

int pthread_spin_lock(pthread_spinlock_t* s) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return blocking(spin_address(s), lock_kind::spin, 0, type_normal, ip,
                  [&] { return real.spin_lock(s); });
}

int pthread_spin_trylock(pthread_spinlock_t* s) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return attempt(spin_address(s), lock_kind::spin, 0, type_normal, ip,
                 [&] { return real.spin_trylock(s); });
}

int pthread_spin_unlock(pthread_spinlock_t* s) noexcept {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return unlocking(spin_address(s), lock_kind::spin, type_normal, ip,
                   [&] { return real.spin_unlock(s); });
}

// ---- condition variables -----------------------------------------------------------------
// Two symbol versions each (see real.cpp); exports.map defines the nodes.
int lockdep_preload_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return cond_wait(m, ip, [&] { return real.cond_wait(c, m); });
}
int lockdep_preload_cond_wait_old(pthread_cond_t* c, pthread_mutex_t* m) {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return cond_wait(m, ip, [&] { return real.cond_wait_old(c, m); });
}
int lockdep_preload_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* t) {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return cond_wait(m, ip, [&] { return real.cond_timedwait(c, m, t); });
}
int lockdep_preload_cond_timedwait_old(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* t) {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return cond_wait(m, ip, [&] { return real.cond_timedwait_old(c, m, t); });
}
__asm__(".symver lockdep_preload_cond_wait, pthread_cond_wait@@GLIBC_2.3.2");
__asm__(".symver lockdep_preload_cond_wait_old, pthread_cond_wait@GLIBC_2.2.5");
__asm__(".symver lockdep_preload_cond_timedwait, pthread_cond_timedwait@@GLIBC_2.3.2");
__asm__(".symver lockdep_preload_cond_timedwait_old, pthread_cond_timedwait@GLIBC_2.2.5");

int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock, const struct timespec* t) {
  const std::uintptr_t ip = LOCKDEP_CALLER;
  LOCKDEP_REAL_OR(0);
  return cond_wait(m, ip, [&] { return real.cond_clockwait(c, m, clock, t); });
}

}  // extern "C"

// The real pthread functions, and the interposer's options.
#include <dlfcn.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "preload/preload.hpp"

namespace lockdep_preload {

real_functions real{};

namespace {

std::atomic<int> resolve_state{0};  // 0 none, 1 resolving, 2 done
thread_local bool resolving __attribute__((tls_model("initial-exec"))) = false;

template <class F>
void bind(F& slot, const char* name, const char* version = nullptr) {
  void* p = version ? dlvsym(RTLD_NEXT, name, version) : dlsym(RTLD_NEXT, name);
  slot = reinterpret_cast<F>(p);
}

void resolve_all() {
  bind(real.mutex_init, "pthread_mutex_init");
  bind(real.mutex_destroy, "pthread_mutex_destroy");
  bind(real.mutex_lock, "pthread_mutex_lock");
  bind(real.mutex_trylock, "pthread_mutex_trylock");
  bind(real.mutex_timedlock, "pthread_mutex_timedlock");
  bind(real.mutex_clocklock, "pthread_mutex_clocklock");
  bind(real.mutex_unlock, "pthread_mutex_unlock");
  bind(real.rwlock_init, "pthread_rwlock_init");
  bind(real.rwlock_destroy, "pthread_rwlock_destroy");
  bind(real.rwlock_rdlock, "pthread_rwlock_rdlock");
  bind(real.rwlock_tryrdlock, "pthread_rwlock_tryrdlock");
  bind(real.rwlock_timedrdlock, "pthread_rwlock_timedrdlock");
  bind(real.rwlock_clockrdlock, "pthread_rwlock_clockrdlock");
  bind(real.rwlock_wrlock, "pthread_rwlock_wrlock");
  bind(real.rwlock_trywrlock, "pthread_rwlock_trywrlock");
  bind(real.rwlock_timedwrlock, "pthread_rwlock_timedwrlock");
  bind(real.rwlock_clockwrlock, "pthread_rwlock_clockwrlock");
  bind(real.rwlock_unlock, "pthread_rwlock_unlock");
  bind(real.spin_init, "pthread_spin_init");
  bind(real.spin_destroy, "pthread_spin_destroy");
  bind(real.spin_lock, "pthread_spin_lock");
  bind(real.spin_trylock, "pthread_spin_trylock");
  bind(real.spin_unlock, "pthread_spin_unlock");
  bind(real.cond_wait, "pthread_cond_wait", "GLIBC_2.3.2");
  bind(real.cond_timedwait, "pthread_cond_timedwait", "GLIBC_2.3.2");
  bind(real.cond_wait_old, "pthread_cond_wait", "GLIBC_2.2.5");
  bind(real.cond_timedwait_old, "pthread_cond_timedwait", "GLIBC_2.2.5");
  // Without the versioned names (another libc), the default version.
  if (!real.cond_wait) bind(real.cond_wait, "pthread_cond_wait");
  if (!real.cond_timedwait) bind(real.cond_timedwait, "pthread_cond_timedwait");
  if (!real.cond_wait_old) real.cond_wait_old = real.cond_wait;
  if (!real.cond_timedwait_old) real.cond_timedwait_old = real.cond_timedwait;
  bind(real.cond_clockwait, "pthread_cond_clockwait");
  bind(real.create, "pthread_create");
  bind(real.join, "pthread_join");
  bind(real.detach, "pthread_detach");
  bind(real.sigaction, "sigaction");
  bind(real.sigprocmask, "sigprocmask");
  bind(real.pthread_sigmask, "pthread_sigmask");
}

unsigned number(const char* env, option_id id) { return static_cast<unsigned>(option_number(id, env)); }

// Bad values were warned about by the report layer's parse of the same text.
preload_options read_options() {
  preload_options o;
  const char* env = std::getenv("LOCKDEP_OPTIONS");
  if (!env) return o;
  o.site_frames = number(env, option_id::preload_site_frames);
  o.skip_frames = number(env, option_id::preload_skip_frames);
  o.join = number(env, option_id::preload_join) != 0;
  o.join_grace_ms = number(env, option_id::preload_join_grace_ms);
  o.enabled = number(env, option_id::preload_enable) != 0;
  const std::string_view ordered = option_text(option_id::preload_ordered, env);
  std::snprintf(o.ordered, sizeof o.ordered, "%.*s", static_cast<int>(ordered.size()), ordered.data());
  o.max_instance_edges = number(env, option_id::preload_max_instance_edges);
  return o;
}

}  // namespace

bool resolve_real() noexcept {
  if (resolve_state.load(std::memory_order_acquire) == 2) return true;
  if (resolving) return false;  // dlsym re-entered a hook
  int expected = 0;
  if (resolve_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    resolving = true;
    resolve_all();
    resolving = false;
    resolve_state.store(2, std::memory_order_release);
    return true;
  }
  while (resolve_state.load(std::memory_order_acquire) != 2) sched_yield();
  return true;
}

const preload_options& options() noexcept {
  static const preload_options o = read_options();
  return o;
}

}  // namespace lockdep_preload

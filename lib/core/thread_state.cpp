#include "core/thread_state.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <new>

#include "core/core.hpp"

LOCKDEP_INTERNAL_BEGIN

__thread thread_state* tls_thread_state __attribute__((tls_model("initial-exec"))) = nullptr;

namespace {

spin_mutex threads_lock;
sigset_t threads_lock_saved_mask;  // the holder's signal mask (written under threads_lock)
thread_state* threads_head = nullptr;
pthread_key_t teardown_key;
std::atomic<int> key_state{0};  // 0 none, 1 creating, 2 ready

void unlink_thread(thread_state* ts) {
  lock_thread_list();
  if (ts->prev) ts->prev->next = ts->next;
  else threads_head = ts->next;
  if (ts->next) ts->next->prev = ts->prev;
  unlock_thread_list();
}

void teardown(void* p) {
  auto* ts = static_cast<thread_state*>(p);
  if (!ts) return;
  if (ts->depth.load(std::memory_order_relaxed) > 0 && ts->recursion == 0)
    misuse_report(ts, report_kind::locks_held_at_exit, "still has locks held!", nullptr);
  deliver_pending();
  // A lock taken by a later key destructor recreates the state (and the
  // key is set again, so pthread runs this once more for it).
  tls_thread_state = nullptr;
  unlink_thread(ts);
  ts->~thread_state();
  munmap(ts, sizeof(thread_state));
}

void ensure_key() {
  int s = key_state.load(std::memory_order_acquire);
  if (s == 2) return;
  int expected = 0;
  if (key_state.compare_exchange_strong(expected, 1)) {
    pthread_key_create(&teardown_key, teardown);
    key_state.store(2, std::memory_order_release);
    return;
  }
  while (key_state.load(std::memory_order_acquire) != 2) sched_yield();
}

// Process exit: the main thread never runs its pthread-key destructor, so
// check it here, and deliver whatever is still queued (a report must not be
// lost because the program ended right after it).
__attribute__((destructor)) void at_process_exit() {
  if (thread_state* ts = tls_thread_state) {
    if (ts->depth.load(std::memory_order_relaxed) > 0 && ts->recursion == 0 && ts->off == 0)
      misuse_report(ts, report_kind::locks_held_at_exit, "still has locks held!", nullptr);
  }
  deliver_pending();
}

// Key creation can allocate, so do it at load time rather than in the first
// lockdep call of some thread, which may be inside a signal handler.
__attribute__((constructor)) void create_key_at_load() { ensure_key(); }

}  // namespace

// The list lock is held with every signal blocked: a handler's first lockdep
// call creates the thread's state and takes this lock, and must not spin on
// it forever because it interrupted its own thread inside (a thread with no
// state yet walking the list, or one in teardown).
void lock_thread_list() noexcept {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  threads_lock.lock();
  threads_lock_saved_mask = old;
}
void unlock_thread_list() noexcept {
  const sigset_t old = threads_lock_saved_mask;
  threads_lock.unlock();
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}
thread_state* first_thread() noexcept { return threads_head; }

void forget_other_threads_after_fork(thread_state* self) noexcept {
  thread_state* t = threads_head;
  threads_head = self;
  while (t) {
    thread_state* next = t->next;
    if (t != self) {
      t->~thread_state();
      munmap(t, sizeof(thread_state));
    }
    t = next;
  }
  if (self) self->next = self->prev = nullptr;
}

thread_state* current_thread_state() noexcept {
  if (thread_state* ts = tls_thread_state) return ts;
  void* mem = mmap(nullptr, sizeof(thread_state), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
  if (mem == MAP_FAILED) return nullptr;
  auto* ts = new (mem) thread_state();
  ts->tid = static_cast<pid_t>(syscall(SYS_gettid));
  ts->max_depth = core_ready() ? core().limits.max_depth : static_cast<std::uint32_t>(option_default(option_id::max_depth));
  if (ts->max_depth > k_max_held_capacity) ts->max_depth = k_max_held_capacity;
  ts->chain_key = initial_chain_key(ctx_process);
  update_usage_needs(*ts);
  tls_thread_state = ts;
  lock_thread_list();
  ts->next = threads_head;
  if (threads_head) threads_head->prev = ts;
  threads_head = ts;
  unlock_thread_list();
  ensure_key();
  // After teardown the key's destructor will not run again for this thread
  // unless we set it; pthread re-runs destructors for re-set keys.
  pthread_setspecific(teardown_key, ts);
  return ts;
}

void update_usage_needs(thread_state& ts) noexcept {
  const bool softirqs_on = ts.bh_disable == 0 && ts.softirq_depth == 0;
  for (int trylock = 0; trylock < 2; ++trylock) {
    for (int read = 0; read < 2; ++read) {
      std::uint32_t m = bit_mask(read ? used_read : used);
      if (!trylock) {
        // A signal handler with a line is that line's context, not hardirq.
        if (ts.hardirq_depth > ts.signal_line_handlers) m |= bit_mask(read ? used_in_hardirq_read : used_in_hardirq);
        if (ts.softirq_depth) m |= bit_mask(read ? used_in_softirq_read : used_in_softirq);
        if (ts.signal_line < k_signal_lines) m |= bit_mask(state_base(k_first_signal_state + ts.signal_line) + read);
      }
      if (ts.hardirqs_on) {
        m |= bit_mask(read ? enabled_hardirq_read : enabled_hardirq);
        if (softirqs_on) m |= bit_mask(read ? enabled_softirq_read : enabled_softirq);
      }
      for (unsigned line = 0; line < k_signal_lines; ++line)
        if (ts.signal_lines_on & (1u << line))
          m |= bit_mask(state_base(k_first_signal_state + line) + k_dir_bit + read);
      ts.need[trylock][read] = m;
    }
  }
}

void thread_name(const thread_state& ts, char out[32]) noexcept {
  out[0] = 0;
  if (&ts == tls_thread_state) {
    prctl(PR_GET_NAME, out, 0, 0, 0);
  } else {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/task/%d/comm", static_cast<int>(ts.tid));
    if (FILE* f = std::fopen(path, "r")) {
      if (!std::fgets(out, 32, f)) out[0] = 0;
      std::fclose(f);
      if (char* nl = std::strchr(out, '\n')) *nl = 0;
    }
  }
  if (!out[0]) std::snprintf(out, 32, "thread");
}

LOCKDEP_INTERNAL_END

// fork() while other threads use lockdep.
//
// The child has one thread: the one that forked. Every other thread's
// internal critical section (graph lock, thread list, key interner) would
// stay locked forever in the child if fork() caught it mid-way, and their
// held-lock stacks describe threads that no longer exist. So:
//   * prepare (parent, before fork): take the graph lock, the interner and
//     the thread list, so no internal table is copied half-updated; with
//     fork_report=1 first report the locks other threads hold (in the child
//     they stay locked forever: a child that takes one deadlocks);
//   * parent after fork: release them;
//   * child after fork: release them, drop the other threads' states (those
//     threads are gone: their held and waited-on locks with them) and free
//     the report delivery lock.
// The report layer's locks ride along (set_fork_hooks), taken after the
// pre-fork report and released last; its child hook also lets the watchdog
// thread (not copied by fork) start again on the next wait.
#include <pthread.h>
#include <signal.h>

#include "core/core.hpp"
#include "lockdep/report.hpp"

LOCKDEP_INTERNAL_BEGIN

void lock_interner() noexcept;
void unlock_interner() noexcept;
void release_delivery_after_fork() noexcept;

namespace {

sigset_t g_fork_saved_mask;
std::atomic<const fork_hooks*> g_layer_hooks{nullptr};
const fork_hooks* g_hooks_in_use = nullptr;  // the ones prepare ran (fork() is serialised)
thread_state* g_fork_self = nullptr;  // the forking thread, stepped aside until the fork is done

unsigned locks_held_by_other_threads(const thread_state* self) {
  unsigned n = 0;
  for_each_thread([&](thread_state& t) {
    if (&t != self) n += t.depth.load(std::memory_order_relaxed);
  });
  return n;
}

void before_fork() {
  thread_state* self = current_thread_state_if_any();
  if (core_ready() && (!self || self->recursion == 0) && core().report_held_at_fork.load(std::memory_order_relaxed)) {
    if (unsigned n = locks_held_by_other_threads(self))
      misuse_report(current_thread_state(), report_kind::bad_lock_usage,
                    "fork() while other threads hold locks: in the child they stay locked forever", nullptr,
                    static_cast<long>(n));
  }
  // From here to the parent/child handler this thread holds lockdep's
  // locks, and atfork handlers registered before ours run in between and
  // lock their own (tracked) mutexes: lockdep must only step aside.
  // (Its state is made now: making it later would need the thread list.)
  g_fork_self = self ? self : current_thread_state();
  if (g_fork_self) ++g_fork_self->recursion;
  g_hooks_in_use = g_layer_hooks.load(std::memory_order_acquire);
  if (g_hooks_in_use) g_hooks_in_use->prepare();
  // No signal handler of this thread may enter lockdep while we hold its locks.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &g_fork_saved_mask);
  lock_interner();
  core().graph_lock.lock();
  lock_thread_list();
}

void after_fork_parent() {
  unlock_thread_list();
  core().graph_lock.unlock();
  unlock_interner();
  pthread_sigmask(SIG_SETMASK, &g_fork_saved_mask, nullptr);
  if (g_hooks_in_use) g_hooks_in_use->parent();
  if (g_fork_self) --g_fork_self->recursion;
}

void after_fork_child() {
  forget_other_threads_after_fork(current_thread_state_if_any());
  unlock_thread_list();
  core().graph_lock.unlock();
  unlock_interner();
  release_delivery_after_fork();
  pthread_sigmask(SIG_SETMASK, &g_fork_saved_mask, nullptr);
  if (g_hooks_in_use) g_hooks_in_use->child();
  if (g_fork_self) --g_fork_self->recursion;
}

}  // namespace

// Called once by the core's initialisation (which also makes a static link
// keep this file).
void install_fork_handlers() noexcept { pthread_atfork(before_fork, after_fork_parent, after_fork_child); }

void set_fork_hooks(const fork_hooks* h) noexcept { g_layer_hooks.store(h, std::memory_order_release); }

LOCKDEP_INTERNAL_END

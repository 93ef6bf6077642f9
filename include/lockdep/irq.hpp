// lockdep/irq.hpp - simulated interrupt contexts, per thread.
//
// The kernel's strongest checks concern locks shared with interrupt handlers:
// a lock taken in an interrupt must never be held with interrupts enabled,
// directly or through a chain of other locks. lockdep models this per thread:
//
//   * hardirq / softirq *context* (enter/exit, nestable): code running "in an
//     interrupt". Entering hardirq context implies hardirqs off; entering
//     softirq context leaves the hardirq state alone (as the kernel does).
//   * hardirqs enabled/disabled (disable, enable, save/restore) and softirqs
//     enabled/disabled (bh disable/enable, nestable counts).
//
// A thread starts in process context with both enabled, so ordinary locks
// show usage `{+.+.}` (taken with irqs on: irq-unsafe).
//
// Inconsistent calls (enable without disable, exit without enter, entering
// hardirq with hardirqs off, leaving a context with locks it took still held)
// get a `bad_irq_state` report; the state is then repaired, never corrupted.
//
// Locks held by interrupted code are not "held before" locks the interrupt
// takes: dependencies, chain keys, wait-context minima and unlock searches
// never cross a context boundary on the held stack.
//
// Real interrupts in user space are signals: wrap a handler's body in a
// signal_handler_scope(sig), and mark regions where the thread blocks
// signals with signals_blocked_scope. Each signal is its own interrupt
// state, named for it (the first four distinct signals; later ones share
// one state named SIGNAL). Then
//   void on_sigusr1(int sig) { lockdep::signal_handler_scope s(sig); std::lock_guard g(stats_mu); ... }
//   void worker() { std::lock_guard g(stats_mu); ... }   // SIGUSR1 unblocked
// is reported as `inconsistent {IN-SIGUSR1-W} -> {SIGUSR1-ON-W} usage`: the
// signal can arrive while `worker` holds stats_mu and the handler deadlocks.
// With SIGUSR1 blocked around it (signals_blocked_scope) the use is safe,
// whatever other signals are unblocked. A scope without a signal is
// hardirq context (`IN-HARDIRQ-W`), as hardirq_scope.
// The fix is to block the signal while holding the lock (and say so with
// signals_blocked_scope). In a handler lockdep takes no lock it could already
// hold, allocates nothing, and defers formatting a report until the thread
// leaves the handler. examples/signal_deadlock.cpp runs both the bug and the
// fix with a real SIGUSR1 handler.
#pragma once

#include <signal.h>

#include <csignal>

#include "lockdep/config.hpp"

LOCKDEP_BEGIN_NAMESPACE

// Saved hardirq state for local_irq_save / local_irq_restore.
using irq_flags = unsigned long;

#if LOCKDEP_ENABLED
void hardirq_enter();
void hardirq_exit();
void softirq_enter();
void softirq_exit();
void local_irq_disable();
void local_irq_enable();
[[nodiscard]] irq_flags local_irq_save();
void local_irq_restore(irq_flags flags);
void local_bh_disable();
void local_bh_enable();

// Queries on the calling thread.
bool in_hardirq();
bool in_softirq();
bool in_irq_context();  // either
bool hardirqs_enabled();
bool softirqs_enabled();
#else  // !LOCKDEP_ENABLED: no simulated state; every call compiles to nothing.
inline void hardirq_enter() {}
inline void hardirq_exit() {}
inline void softirq_enter() {}
inline void softirq_exit() {}
inline void local_irq_disable() {}
inline void local_irq_enable() {}
[[nodiscard]] inline irq_flags local_irq_save() { return 0; }
inline void local_irq_restore(irq_flags) {}
inline void local_bh_disable() {}
inline void local_bh_enable() {}
inline bool in_hardirq() { return false; }
inline bool in_softirq() { return false; }
inline bool in_irq_context() { return false; }
inline bool hardirqs_enabled() { return true; }
inline bool softirqs_enabled() { return true; }
#endif

// RAII scopes.
class hardirq_scope {
 public:
  hardirq_scope() { hardirq_enter(); }
  ~hardirq_scope() { hardirq_exit(); }
  hardirq_scope(const hardirq_scope&) = delete;
  hardirq_scope& operator=(const hardirq_scope&) = delete;
};
class softirq_scope {
 public:
  softirq_scope() { softirq_enter(); }
  ~softirq_scope() { softirq_exit(); }
  softirq_scope(const softirq_scope&) = delete;
  softirq_scope& operator=(const softirq_scope&) = delete;
};
class irq_disabled_scope {
 public:
  irq_disabled_scope() : flags_(local_irq_save()) {}
  ~irq_disabled_scope() { local_irq_restore(flags_); }
  irq_disabled_scope(const irq_disabled_scope&) = delete;
  irq_disabled_scope& operator=(const irq_disabled_scope&) = delete;

 private:
  irq_flags flags_;
};
class bh_disabled_scope {
 public:
  bh_disabled_scope() { local_bh_disable(); }
  ~bh_disabled_scope() { local_bh_enable(); }
  bh_disabled_scope(const bh_disabled_scope&) = delete;
  bh_disabled_scope& operator=(const bh_disabled_scope&) = delete;
};

// A POSIX signal handler's body: the context of its signal's interrupt
// state (hardirq context when constructed without a signal; in_hardirq() is
// true in both), and reports raised inside are queued and printed after the
// handler (flush_reports or the thread's next lockdep call). Construct it
// first thing in the handler.
// Inside it lockdep allocates nothing: a lock constructed there at a site
// lockdep has not seen before gets one shared class, "(lock constructed in a
// signal handler)"; locks constructed outside keep their own.
//
// Given the handler's signal, the scope reads the handler's mask at entry:
// a signal not blocked there (another handled signal, or `sig` itself when
// the handler was installed with SA_NODEFER) can interrupt the handler, so
// a lock the handler takes is also taken with that signal enabled (the
// second handler would wait for the first one's lock). Without a signal,
// every signal is off inside.
//
//   void on_sigusr1(int sig) { lockdep::signal_handler_scope s(sig); ... }
#if LOCKDEP_ENABLED
class signal_handler_scope {
 public:
  signal_handler_scope();
  explicit signal_handler_scope(int sig);
  ~signal_handler_scope();
  signal_handler_scope(const signal_handler_scope&) = delete;
  signal_handler_scope& operator=(const signal_handler_scope&) = delete;

  // The handler's signal (0 when not given).
  int signal() const { return sig_; }

 private:
  bool entered_ = false;
  int sig_ = 0;
};
// Installs `handler` for `sig` with sigaction (`flags`, and `mask` as
// sa_mask, empty when null), each delivery running it inside a
// signal_handler_scope(sig). Returns sigaction's result (0, or -1 with
// errno). One wrapped handler per signal; installing another replaces it.
//
//   lockdep::install_signal_handler(SIGUSR1, on_sigusr1);
int install_signal_handler(int sig, void (*handler)(int), int flags = 0, const sigset_t* mask = nullptr);
#else
class signal_handler_scope {
 public:
  signal_handler_scope() {}
  explicit signal_handler_scope(int sig) : sig_(sig) {}
  signal_handler_scope(const signal_handler_scope&) = delete;
  signal_handler_scope& operator=(const signal_handler_scope&) = delete;
  int signal() const { return sig_; }

 private:
  int sig_ = 0;
};
// Without lockdep: the plain sigaction, so the program behaves the same.
inline int install_signal_handler(int sig, void (*handler)(int), int flags = 0, const sigset_t* mask = nullptr) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  if (mask) sa.sa_mask = *mask;
  else sigemptyset(&sa.sa_mask);
  return sigaction(sig, &sa, nullptr);
}
#endif

// Blocks `set` with pthread_sigmask for the scope and tells lockdep that
// those signals are off meanwhile, and hardirqs too (the state of a
// signal_handler_scope without a signal). A set of at most four signals
// gives each its own interrupt state now, so uses before their first
// delivery are already told apart.
class signals_blocked_scope {
 public:
#if LOCKDEP_ENABLED
  explicit signals_blocked_scope(const sigset_t& set);
  signals_blocked_scope();  // blocks every signal
  ~signals_blocked_scope();
#else  // still blocks the signals: that part is the program's behaviour
  explicit signals_blocked_scope(const sigset_t& set) { pthread_sigmask(SIG_BLOCK, &set, &old_); }
  signals_blocked_scope() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old_);
  }
  ~signals_blocked_scope() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
#endif
  signals_blocked_scope(const signals_blocked_scope&) = delete;
  signals_blocked_scope& operator=(const signals_blocked_scope&) = delete;

 private:
  sigset_t old_;
#if LOCKDEP_ENABLED
  irq_flags flags_;
  unsigned char lines_;  // the signal lines deliverable before
#endif
};

LOCKDEP_END_NAMESPACE

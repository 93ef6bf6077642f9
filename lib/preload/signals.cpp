// Signal handlers as interrupts. The program's handlers are installed
// behind a trampoline that runs each one inside a signal_handler_scope of
// its signal: each signal with a handler has its own usage state, its line
// (core/signal_lines.hpp: the first four distinct signals one each, the
// rest one shared line named SIGNAL), so a lock taken in SIGUSR1's handler
// is IN-SIGUSR1. A lock taken with SIGUSR1 unblocked in the thread's mask
// is SIGUSR1-ON; blocking SIGUSR1 (and only it) makes that use safe, with
// other handled signals unblocked or not.
//
// The mask is re-read after each sigprocmask / pthread_sigmask call of the
// thread, at its first hook, and lazily (at its next lock) after a handler
// was installed or removed anywhere, so threads created with signals
// blocked and threads that predate a handler are both right. Inside a
// handler the state is the handler's and lasts until its return, which
// restores the mask and the state saved at entry.
//
// Inside a handler its own mask decides (the thread's, plus sa_mask, plus
// the signal unless SA_NODEFER): with another handled signal deliverable
// there, the handler's locks are IN-SIGUSR1 and SIGUSR2-ON at once, which
// is the deadlock of SIGUSR2's handler interrupting SIGUSR1's while it holds
// the lock; with SA_NODEFER, IN-SIGUSR1 and SIGUSR1-ON.
//
// A handler left by longjmp / siglongjmp never ends its context: the next
// hook of the thread that runs on a stack frame above the handler's
// trampoline (the stack grows down) ends it and re-reads the mask. A
// handler on an alternate stack (SA_ONSTACK) above the thread's stack is
// not recognised as left.
//
// sigsuspend / sigwait / pselect / ppoll need no hook: the mask they install
// while waiting matters only to the handlers that run then, and the
// trampoline reads the mask in force.
#include <errno.h>
#include <signal.h>

#include <atomic>
#include <cstdint>

#include "core/frontend.hpp"
#include "lockdep/irq.hpp"
#include "preload/preload.hpp"

using namespace lockdep_preload;

namespace {

namespace core = lockdep::internal;

constexpr int k_signals = 65;  // Linux: 1..64

struct installed {
  std::atomic<std::uintptr_t> handler{0};  // the program's; 0: none of ours
  std::atomic<int> flags{0};               // the program's sa_flags
};
installed g_handlers[k_signals];
std::atomic<std::uint64_t> g_handled{0};     // bit sig-1: a program handler is installed

// Not a generation ever reached: a thread reads its mask at its first hook.
thread_local std::uint32_t tl_generation __attribute__((tls_model("initial-exec"))) = ~0u;

// The trampoline frames of the handlers running on this thread, innermost
// last: a hook running above one (the stack grows down) runs after that
// handler was left by longjmp.
constexpr unsigned k_max_frames = 16;
struct handler_frames {
  std::uintptr_t frame[k_max_frames];
  unsigned n;
};
thread_local handler_frames tl_frames __attribute__((tls_model("initial-exec")));

std::uint64_t bit(int sig) { return std::uint64_t{1} << (sig - 1); }

bool is_function(std::uintptr_t h) {
  return h != reinterpret_cast<std::uintptr_t>(SIG_DFL) && h != reinterpret_cast<std::uintptr_t>(SIG_IGN) &&
         h != reinterpret_cast<std::uintptr_t>(SIG_ERR);
}

bool trackable(int sig) { return sig > 0 && sig < k_signals && sig != SIGKILL && sig != SIGSTOP; }

void mask_changed();

// Runs the program's handler of `sig` in the context of its signal's state.
void trampoline(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  if (sig <= 0 || sig >= k_signals) return;
  const std::uintptr_t h = g_handlers[sig].handler.load(std::memory_order_acquire);
  const int flags = g_handlers[sig].flags.load(std::memory_order_relaxed);
  if (!is_function(h)) return;  // replaced while this delivery was on its way
  if (flags & SA_RESETHAND) {   // the kernel reset the disposition as it delivered
    g_handlers[sig].handler.store(0, std::memory_order_release);
    g_handled.fetch_and(~bit(sig), std::memory_order_relaxed);
    g_signal_generation.fetch_add(1, std::memory_order_release);
  }
  const unsigned slot = tl_frames.n;
  if (slot < k_max_frames) tl_frames.frame[slot] = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  tl_frames.n = slot + 1;
  pseudo_locks_enter_handler();
  {
    lockdep::signal_handler_scope scope(sig);
    mask_changed();  // the handler's mask: sa_mask, the signal unless SA_NODEFER
    errno = saved_errno;
    if (flags & SA_SIGINFO)
      reinterpret_cast<void (*)(int, siginfo_t*, void*)>(h)(sig, info, context);
    else
      reinterpret_cast<void (*)(int)>(h)(sig);
  }
  tl_frames.n = slot;
}

// The calling thread's state from its mask; false inside a handler.
bool apply_mask() {
  const std::uint32_t generation = g_signal_generation.load(std::memory_order_acquire);
  const std::uint64_t handled = g_handled.load(std::memory_order_relaxed);
  sigset_t blocked;
  if (real.pthread_sigmask(SIG_BLOCK, nullptr, &blocked) != 0) return false;
  // Only a handled signal interrupts, and only where it is unblocked.
  std::uint8_t lines = 0;
  for (int sig = 1; sig < k_signals; ++sig)
    if ((handled & bit(sig)) && sigismember(&blocked, sig) == 0) lines |= 1u << core::signal_line(sig);
  const std::uint8_t before = core::signal_lines_deliverable();
  if (!core::set_signal_lines_deliverable(lines)) return false;
  if (lines & ~before) pseudo_locks_rearm();
  // In a handler the state lasts only until it returns.
  if (!lockdep::in_hardirq()) tl_generation = generation;
  return true;
}

// Handlers left by longjmp: end their contexts (innermost first), then the
// mask siglongjmp restored decides.
void leave_abandoned_handlers(std::uintptr_t here) {
  bool left = false;
  while (tl_frames.n > 0) {
    const unsigned top = tl_frames.n - 1;
    // Still inside it; beyond the recorded depth nothing can be told.
    if (top >= k_max_frames || here < tl_frames.frame[top]) break;
    core::leave_abandoned_signal_handler();
    tl_frames.n = top;
    left = true;
  }
  if (left) tl_generation = g_signal_generation.load(std::memory_order_relaxed) - 1;
}

void mask_changed() {
  hook_scope scope;  // runs sync_signal_state first
  if (scope) apply_mask();
}

}  // namespace

namespace lockdep_preload {

constinit std::atomic<std::uint32_t> g_signal_generation{0};  // bumped on every change of g_handled

bool in_handler_frame() noexcept { return tl_frames.n > 0; }

void sync_signal_state() noexcept {
  if (tl_frames.n) leave_abandoned_handlers(reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)));
  if (tl_generation == g_signal_generation.load(std::memory_order_relaxed)) return;
  apply_mask();
}

}  // namespace lockdep_preload

extern "C" {

int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  if (!resolve_real() || !real.sigaction) {
    errno = ENOSYS;
    return -1;
  }
  if (!options().enabled || !trackable(sig)) return real.sigaction(sig, act, old);
  installed& slot = g_handlers[sig];
  const std::uintptr_t before = slot.handler.load(std::memory_order_acquire);
  const int before_flags = slot.flags.load(std::memory_order_relaxed);
  struct sigaction mine;
  const struct sigaction* pass = act;
  if (act) {
    const std::uintptr_t h = (act->sa_flags & SA_SIGINFO) ? reinterpret_cast<std::uintptr_t>(act->sa_sigaction)
                                                          : reinterpret_cast<std::uintptr_t>(act->sa_handler);
    if (is_function(h)) {
      core::signal_line(sig);  // its usage state, before a delivery needs it
      mine = *act;
      mine.sa_sigaction = trampoline;
      mine.sa_flags |= SA_SIGINFO;
      pass = &mine;
      // Before the real call: a delivery right after it finds the handler.
      slot.flags.store(act->sa_flags, std::memory_order_relaxed);
      slot.handler.store(h, std::memory_order_release);
    }
  }
  const int rc = real.sigaction(sig, pass, old);
  if (rc != 0) {
    slot.flags.store(before_flags, std::memory_order_relaxed);
    slot.handler.store(before, std::memory_order_release);
    return rc;
  }
  if (old && old->sa_sigaction == trampoline) {  // report the program's own handler
    old->sa_flags = before_flags;
    if (before_flags & SA_SIGINFO)
      old->sa_sigaction = reinterpret_cast<void (*)(int, siginfo_t*, void*)>(before);
    else
      old->sa_handler = reinterpret_cast<void (*)(int)>(before);
  }
  if (act) {
    if (pass == act) slot.handler.store(0, std::memory_order_release);  // SIG_DFL / SIG_IGN
    const bool handled = pass != act;
    const std::uint64_t was = handled ? g_handled.fetch_or(bit(sig), std::memory_order_relaxed)
                                      : g_handled.fetch_and(~bit(sig), std::memory_order_relaxed);
    if (((was & bit(sig)) != 0) != handled) {
      g_signal_generation.fetch_add(1, std::memory_order_release);
      mask_changed();
    }
  }
  return 0;
}

// glibc's signal(): BSD semantics (the signal blocked in its handler,
// interrupted calls restarted), through the hook above.
sighandler_t signal(int sig, sighandler_t handler) {
  struct sigaction act {}, old {};
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  if (sig > 0 && sig < k_signals) sigaddset(&act.sa_mask, sig);
  act.sa_flags = SA_RESTART;
  if (sigaction(sig, &act, &old) != 0) return SIG_ERR;
  return old.sa_handler;
}
sighandler_t bsd_signal(int sig, sighandler_t handler) { return signal(sig, handler); }

int sigprocmask(int how, const sigset_t* set, sigset_t* old) {
  if (!resolve_real() || !real.sigprocmask) {
    errno = ENOSYS;
    return -1;
  }
  const int rc = real.sigprocmask(how, set, old);
  if (rc == 0 && set) mask_changed();
  return rc;
}

int pthread_sigmask(int how, const sigset_t* set, sigset_t* old) {
  if (!resolve_real() || !real.pthread_sigmask) return ENOSYS;
  const int rc = real.pthread_sigmask(how, set, old);
  if (rc == 0 && set) mask_changed();
  return rc;
}

}  // extern "C"

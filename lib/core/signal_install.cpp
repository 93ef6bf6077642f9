// lockdep::install_signal_handler (irq.hpp): the program's handler behind a
// wrapper that runs it inside a signal_handler_scope of its signal.
#include <signal.h>

#include <atomic>

#include "lockdep/irq.hpp"

LOCKDEP_BEGIN_NAMESPACE

namespace {

constexpr int k_signals = 65;  // Linux: 1..64
std::atomic<void (*)(int)> g_wrapped[k_signals];

void run_wrapped(int sig) {
  if (sig <= 0 || sig >= k_signals) return;
  void (*handler)(int) = g_wrapped[sig].load(std::memory_order_acquire);
  if (!handler) return;
  signal_handler_scope scope(sig);
  handler(sig);
}

}  // namespace

int install_signal_handler(int sig, void (*handler)(int), int flags, const sigset_t* mask) {
  struct sigaction sa {};
  sa.sa_flags = flags & ~SA_SIGINFO;
  if (mask) sa.sa_mask = *mask;
  else sigemptyset(&sa.sa_mask);
  const bool wrap = sig > 0 && sig < k_signals && handler != SIG_DFL && handler != SIG_IGN;
  sa.sa_handler = wrap ? run_wrapped : handler;
  if (wrap) g_wrapped[sig].store(handler, std::memory_order_release);  // before a delivery can run it
  return sigaction(sig, &sa, nullptr);
}

LOCKDEP_END_NAMESPACE
